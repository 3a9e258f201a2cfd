-- Tazama rule-017 (transaction divergence, debtor): one account paying many distinct
-- payees in 24 h (distribution of mule funds, fan-out).
function fan_out(x)
  if x.payees_distinct_24h >= 25 then return "hold:fan_out" end
  if x.payees_distinct_24h >= 10 and x.amount_major >= 500 then return "hold:fan_out" end
  return "allow"
end
