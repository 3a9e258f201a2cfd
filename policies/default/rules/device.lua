-- The device signals of seed 001 10.2/10.3: a new device (under a day old, or marked new)
-- paying a notable amount, and payments in the small hours from a device under 30 days.
function new_device(x)
  local young = x.device_age_days >= 0 and x.device_age_days < 1
  if (young or x.device_trust == "new") and x.amount_major >= 500 then
    return "step_up:new_device"
  end
  return "allow"
end

function night_payment(x)
  local h = x.hour_of_day
  if h >= 0 and h < 5 and x.amount_major >= 200 and x.device_age_days >= 0
      and x.device_age_days < 30 then
    return "step_up:night_payment_new_device"
  end
  return "allow"
end
