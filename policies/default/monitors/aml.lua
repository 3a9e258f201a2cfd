-- Post-transaction monitoring (docs/risk/monitoring.md): these run on movements that
-- already committed, never stop one, and raise alerts an analyst works in a case. The
-- features are the ones the decision recorded (the moment before this movement counted).
local REPORTING <const> = 10000

-- A single movement at or above the reporting threshold: reported, not suspicious in itself.
function large_value(x)
  if x.amount_major >= REPORTING then return "alert:large_value_transaction" end
  return "allow"
end

-- Three or more movements in 24 h that are each below the threshold but together pass it:
-- the customer may be splitting a payment to stay under it.
function structuring_pattern(x)
  if x.amount_major >= REPORTING or x.customer_count_24h < 2 then return "allow" end
  local before = x.customer_sum_24h
  if before < 0 then before = 0 end
  local scale = 1
  for _ = 1, x.currency_exponent do scale = scale * 10 end
  if (before + x.amount_minor) // scale >= REPORTING then return "alert:structuring_pattern" end
  return "allow"
end

-- Money that came in in the last 24 h leaves almost whole (90 % or more), from 1000 up.
function pass_through(x)
  if x.amount_major < 1000 or x.inbound_count_24h < 1 or x.inbound_sum_24h <= 0 then
    return "allow"
  end
  if x.amount_minor * 10 >= x.inbound_sum_24h * 9 then return "alert:rapid_pass_through" end
  return "allow"
end

-- The payee's account collects from many different payers in a day (against the payee;
-- the feature counts up to 16).
function collection_account(x)
  if x.payers_distinct_24h >= 10 then return "alert:many_distinct_payers" end
  return "allow"
end
