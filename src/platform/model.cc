#include "platform/model.h"

namespace cb::platform {

const char* CustomerTypeName(CustomerType t) {
  return t == CustomerType::kBusiness ? "business" : "individual";
}
const char* CustomerStatusName(CustomerStatus s) {
  switch (s) {
    case CustomerStatus::kActive:
      return "active";
    case CustomerStatus::kSuspended:
      return "suspended";
    case CustomerStatus::kClosed:
      return "closed";
  }
  return "unknown";
}
const char* AccountTypeName(AccountType t) {
  switch (t) {
    case AccountType::kCurrent:
      return "current";
    case AccountType::kSavings:
      return "savings";
    case AccountType::kSettlement:
      return "settlement";
  }
  return "unknown";
}
const char* AccountStatusName(AccountStatus s) {
  switch (s) {
    case AccountStatus::kOpen:
      return "open";
    case AccountStatus::kFrozen:
      return "frozen";
    case AccountStatus::kClosed:
      return "closed";
  }
  return "unknown";
}
const char* AdjustmentStatusName(AdjustmentStatus s) {
  switch (s) {
    case AdjustmentStatus::kPendingApproval:
      return "pending_approval";
    case AdjustmentStatus::kApplied:
      return "applied";
    case AdjustmentStatus::kRejected:
      return "rejected";
  }
  return "unknown";
}
const char* AdjustmentDirectionName(AdjustmentDirection d) {
  return d == AdjustmentDirection::kDebit ? "debit" : "credit";
}
bool ParseAdjustmentDirection(std::string_view s, AdjustmentDirection* out) {
  if (s == "credit")
    *out = AdjustmentDirection::kCredit;
  else if (s == "debit")
    *out = AdjustmentDirection::kDebit;
  else
    return false;
  return true;
}
bool ParseCustomerType(std::string_view s, CustomerType* out) {
  if (s == "individual")
    *out = CustomerType::kIndividual;
  else if (s == "business")
    *out = CustomerType::kBusiness;
  else
    return false;
  return true;
}
bool ParseCustomerStatus(std::string_view s, CustomerStatus* out) {
  if (s == "active")
    *out = CustomerStatus::kActive;
  else if (s == "suspended")
    *out = CustomerStatus::kSuspended;
  else if (s == "closed")
    *out = CustomerStatus::kClosed;
  else
    return false;
  return true;
}
bool ParseAccountType(std::string_view s, AccountType* out) {
  if (s == "current")
    *out = AccountType::kCurrent;
  else if (s == "savings")
    *out = AccountType::kSavings;
  else
    return false;
  return true;
}

}  // namespace cb::platform
