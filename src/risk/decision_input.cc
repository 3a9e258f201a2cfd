#include "risk/decision_input.h"

namespace cb::risk {

bool InputOfDecision(const corebank::risk::v1::DecisionRecorded& e, RiskInput* in,
                     FeatureValues* features) {
  if (e.features_size() > static_cast<int>(kFeatureCount)) return false;
  in->operation = e.operation();
  in->channel = e.channel();
  in->role = e.role();
  in->customer_type = e.customer_type();
  in->country = e.country();
  in->counterparty_type = e.counterparty_type();
  in->counterparty_country = e.counterparty_country();
  in->device_trust = e.device_trust();
  in->screening = e.screening();
  in->currency = e.currency();
  in->currency_exponent = static_cast<uint8_t>(e.currency_exponent());
  in->kyc_tier = static_cast<uint8_t>(e.kyc_tier());
  in->acr = static_cast<uint8_t>(e.acr());
  in->amount_minor = e.amount_minor();
  // Features added after a decision was made read as 0 in it (events are append-only).
  features->v.fill(0);
  for (int i = 0; i < e.features_size(); i++) features->v[static_cast<size_t>(i)] = e.features(i);
  return true;
}

}  // namespace cb::risk
