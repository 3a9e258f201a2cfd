-- Tazama rules 024-027 (transaction mirroring): money that arrived in the last 24 h leaves
-- again almost whole (90 % or more, a commission at most) from a young account: a
-- pass-through or money-mule account.
function rapid_in_out(x)
  if x.amount_major < 1000 or x.account_age_days >= 90 then return "allow" end
  if x.inbound_count_24h < 1 or x.inbound_sum_24h <= 0 then return "allow" end
  if x.amount_minor * 10 >= x.inbound_sum_24h * 9 then return "hold:rapid_pass_through" end
  return "allow"
end
