-- Tazama rule-030 (transfer to an unfamiliar creditor): a large first payment to a payee
-- asks for MFA; a very large one from a device that is not trusted holds.
function new_payee_large_amount(x)
  if x.first_seen_counterparty ~= 1 then return "allow" end
  if x.amount_major >= 5000 and x.device_trust ~= "trusted" then
    return "hold:new_payee_untrusted_device"
  end
  if x.amount_major >= 1000 then return "step_up:new_payee_large_amount" end
  return "allow"
end
