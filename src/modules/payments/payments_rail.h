#pragma once
// The payments module's outbox subscriber and scheme-feed poller (payments_rail.cc); none
// without a scheme URL.
#include <memory>
#include <vector>

#include "modules/payments/payments.h"
#include "runtime/pollers.h"
#include "runtime/subscribers.h"

namespace cb::modules::payments {

std::vector<std::unique_ptr<runtime::Subscriber>> RailSubscribers(const PaymentsConfig& config);
std::vector<std::unique_ptr<runtime::Poller>> RailPollers(const PaymentsConfig& config);

}  // namespace cb::modules::payments
