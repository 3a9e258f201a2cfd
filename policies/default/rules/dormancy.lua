-- Tazama rule-004 (debtor dormancy): an account silent for a year that suddenly pays out a
-- large amount (a taken-over or sold account). Three months silent: step-up in the app.
function dormant_account(x)
  local idle = x.days_since_last_activity
  if idle >= 365 and x.amount_major >= 500 then return "hold:dormant_account_reactivated" end
  if idle >= 90 and x.amount_major >= 200 and x.channel == "app" then
    return "step_up:dormant_account"
  end
  return "allow"
end
