#pragma once
// The policy input a DecisionRecorded event recorded (its whole RiskInput and every feature
// value), for whoever evaluates a recorded decision again off the writer: dry runs and
// replay checks (dry_run.cc), the monitor (monitor.cc). The strings view `e`: keep it alive.
#include "corebank/risk/v1/events.pb.h"
#include "risk/risk_input.h"

namespace cb::risk {

// False when the event carries more features than this build knows (a newer writer).
bool InputOfDecision(const corebank::risk::v1::DecisionRecorded& e, RiskInput* in,
                     FeatureValues* features);

}  // namespace cb::risk
