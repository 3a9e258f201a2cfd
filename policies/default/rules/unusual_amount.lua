-- Tazama rules 018/048 (large amount vs the debtor's history): the shard's robust z-score
-- (x1000; 0 when the history is too short). Far out: hold; out: step-up in the app.
function unusual_amount(x)
  local z = x.amount_zscore_milli
  if z >= 10000 and x.amount_major >= 2000 then return "hold:amount_far_above_history" end
  if z >= 5000 and x.amount_major >= 500 and x.channel == "app" then
    return "step_up:amount_above_history"
  end
  return "allow"
end
