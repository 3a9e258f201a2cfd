-- Tazama rules 010 and 076 (increased volume, quick follow-ups): bursts of payments from
-- one account in the app.
function velocity(x)
  if x.account_count_24h >= 60 then return "hold:velocity_24h" end
  if x.account_count_1h >= 10 then return "step_up:velocity_1h" end
  return "allow"
end
