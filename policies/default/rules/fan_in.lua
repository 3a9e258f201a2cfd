-- Tazama rules 002/016 and 011 (convergence, increased volume at the creditor): a young
-- payee account collecting from many distinct payers in 24 h (a collection mule), or
-- receiving many notable payments. Many tiny payments from one payer are not collection.
function fan_in_young_payee(x)
  if x.payee_account_age_days < 0 or x.payee_account_age_days >= 30 then return "allow" end
  if x.payers_distinct_24h >= 10 then return "hold:payee_fan_in" end
  if x.payee_inbound_count_24h >= 50 and x.amount_major >= 100 then return "hold:payee_fan_in" end
  return "allow"
end
