-- Tazama rule-001 (derived account age, creditor) and rule-044 (no earlier payment from
-- the debtor): large amounts to a payee account opened today, or out of a payer account
-- opened this week that has not paid anyone yet.
function young_payee_account(x)
  if x.payee_account_age_days == 0 and x.amount_major >= 1000 then
    return "hold:young_payee_account"
  end
  return "allow"
end

function new_account_large_amount(x)
  if x.account_age_days < 0 or x.account_age_days >= 7 then return "allow" end
  if x.amount_major >= 2000 and x.account_count_30d == 0 then
    return "hold:new_account_large_amount"
  end
  return "allow"
end
