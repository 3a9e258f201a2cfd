-- High-risk jurisdictions (FATF lists in the manifest): the payer customer's country or the
-- counterparty's. A call-for-action country always holds; a grey-list one holds from
-- 1000 major units (the analyst sees the amount and the list).
function high_risk_country(x)
  local black = lists.fatf_call_for_action
  if black[x.country] or black[x.counterparty_country] then
    return "hold:high_risk_country"
  end
  local grey = lists.fatf_increased_monitoring
  if (grey[x.country] or grey[x.counterparty_country]) and x.amount_major >= 1000 then
    return "hold:monitored_country_large_amount"
  end
  return "allow"
end
