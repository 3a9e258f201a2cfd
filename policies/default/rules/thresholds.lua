-- Amount thresholds: structuring just below the 10 000 reporting threshold, the 15 000
-- occasional-transaction threshold (EU AMLD), round large amounts. Amounts are compared in
-- whole major units of the movement's currency (tuned for EUR, USD, GBP).
local REPORTING <const> = 10000
local JUST_BELOW <const> = 9000
local OCCASIONAL <const> = 15000

function scale_of(x)
  local s = 1
  for _ = 1, x.currency_exponent do s = s * 10 end
  return s
end

-- Tazama rule-091 family, split: several movements just below the reporting threshold in
-- 24 h, adding up past it, look like structuring ("smurfing").
function structuring(x)
  if x.amount_major < JUST_BELOW or x.amount_major >= REPORTING then return "allow" end
  local before = x.customer_sum_24h
  if before < 0 then before = 0 end
  if x.customer_count_24h >= 1 and (before + x.amount_minor) // scale_of(x) >= REPORTING then
    return "hold:structuring_suspected"
  end
  return "allow"
end

-- Tazama rule-091: above the regulatory threshold the customer confirms with MFA.
function regulatory_threshold(x)
  if x.amount_major >= OCCASIONAL then return "step_up:regulatory_threshold" end
  return "allow"
end

-- A large, perfectly round amount (a multiple of 1000 major units, from 5000) is typical of
-- scams and of layering; with MFA it goes through.
function round_amount(x)
  local unit = 1000 * scale_of(x)
  if x.amount_major >= 5000 and x.amount_minor % unit == 0 then
    return "step_up:round_large_amount"
  end
  return "allow"
end
