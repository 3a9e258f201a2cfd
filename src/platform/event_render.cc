#include "platform/event_render.h"

#include "corebank/platform/v1/events.pb.h"
#include "kernel/money.h"
#include "ledger/currency.h"
#include "platform/events.h"
#include "platform/ids.h"
#include "platform/json_out.h"
#include "platform/render.h"
#include "platform/state.h"

namespace cb::platform {

uint8_t LedgerScale(ledger::LedgerCode ledger) {
  const auto c = ledger::FindCurrencyByNumeric(static_cast<uint16_t>(ledger % 1000));
  return c ? c->scale : 0;
}
std::string_view LedgerCurrency(ledger::LedgerCode ledger) {
  const auto c = ledger::FindCurrencyByNumeric(static_cast<uint16_t>(ledger % 1000));
  return c ? c->code : std::string_view("XXX");
}

namespace {

using kernel::AppendId;

bool SameTenant(const std::string& bytes, u128* tenant) {
  return kernel::IdFromBytes(bytes, tenant);
}
uint8_t ScaleOf(ledger::LedgerCode ledger) { return LedgerScale(ledger); }
std::string_view CurrencyOf(ledger::LedgerCode ledger) { return LedgerCurrency(ledger); }

// --- the platform's events, one renderer each ----------------------------------------------
// Each appends the event's "data" object and names its "type"; the payload already parsed
// and its tenant taken (ParseAndRender).

void RenderCustomerCreated(const pb::CustomerCreated& m, std::string* type, std::string* data) {
  *type = "customer.created";
  platform::RenderCustomer(data, platform::CustomerFromEvent(m));
}

// Only the fields the update set: absent means unchanged (CustomerUpdatedData's optionals).
void RenderCustomerUpdated(const pb::CustomerUpdated& m, std::string* type, std::string* data) {
  u128 id = 0;
  platform::IdFromBytes(m.id(), &id);
  *type = "customer.updated";
  data->append(R"({"id":")");
  AppendId(data, prefix::kCustomer, id);
  data->push_back('"');
  if (m.has_kyc_tier()) data->append(R"(,"kyc_tier":)" + std::to_string(m.kyc_tier()));
  if (m.has_status()) {
    data->append(R"(,"status":")");
    data->append(platform::CustomerStatusName(static_cast<platform::CustomerStatus>(m.status())));
    data->push_back('"');
  }
  if (m.has_email()) {
    data->append(R"(,"email":)");
    platform::AppendJsonStringOrNull(data, m.email());
  }
  if (m.has_phone()) {
    data->append(R"(,"phone":)");
    platform::AppendJsonStringOrNull(data, m.phone());
  }
  data->push_back('}');
}

void RenderAccountOpened(const pb::AccountOpened& m, std::string* type, std::string* data) {
  u128 id = 0, customer = 0;
  platform::IdFromBytes(m.id(), &id);
  *type = "account.opened";
  data->append(R"({"id":")");
  AppendId(data, prefix::kAccount, id);
  data->append(R"(","customer":)");
  if (platform::IdFromBytes(m.customer_id(), &customer)) {
    data->push_back('"');
    AppendId(data, prefix::kCustomer, customer);
    data->push_back('"');
  } else {
    data->append("null");
  }
  data->append(R"(,"type":")");
  data->append(platform::AccountTypeName(static_cast<platform::AccountType>(m.type())));
  data->append(R"(","aliases":[)");
  for (int i = 0; i < m.aliases_size(); i++) {
    if (i > 0) data->push_back(',');
    AppendJsonString(data, m.aliases(i));
  }
  data->append("]}");
}

void RenderAccountStatusChanged(const pb::AccountStatusChanged& m, std::string* type,
                                std::string* data) {
  u128 id = 0;
  platform::IdFromBytes(m.id(), &id);
  *type = "account.status_changed";
  data->append(R"({"id":")");
  AppendId(data, prefix::kAccount, id);
  data->append(R"(","status":")");
  data->append(platform::AccountStatusName(static_cast<platform::AccountStatus>(m.status())));
  data->append("\"}");
}

void RenderTransferAnnotated(const pb::TransferAnnotated& m, std::string* type, std::string* data) {
  u128 id = 0;
  platform::IdFromBytes(m.id(), &id);
  *type = "transfer.annotated";
  data->append(R"({"id":")");
  AppendId(data, prefix::kTransfer, id);
  data->append(R"(","description":)");
  AppendJsonString(data, m.description());
  data->push_back('}');
}

void RenderAdjustmentRequested(const pb::AdjustmentRequested& m, std::string* type,
                               std::string* data) {
  u128 id = 0, account = 0, amount = 0;
  platform::IdFromBytes(m.id(), &id);
  platform::IdFromBytes(m.account_id(), &account);
  platform::IdFromBytes(m.amount(), &amount);
  *type = "adjustment.requested";
  data->append(R"({"id":")");
  AppendId(data, prefix::kAdjustment, id);
  data->append(R"(","account":")");
  AppendId(data, prefix::kAccount, account);
  data->append(R"(","direction":")");
  data->append(
      platform::AdjustmentDirectionName(static_cast<platform::AdjustmentDirection>(m.direction())));
  data->append(R"(","amount":")");
  kernel::AppendAmount(data, amount, ScaleOf(m.ledger()));
  data->append(R"(","currency":")");
  data->append(CurrencyOf(m.ledger()));
  data->append("\"}");  // the reason stays behind GET /v1/adjustments/{id} (admin)
}

// One event, two public types: the decision is the type, applied or rejected.
void RenderAdjustmentDecided(const pb::AdjustmentDecided& m, std::string* type, std::string* data) {
  u128 id = 0;
  platform::IdFromBytes(m.id(), &id);
  const bool applied =
      static_cast<platform::AdjustmentStatus>(m.status()) == platform::AdjustmentStatus::kApplied;
  *type = applied ? "adjustment.applied" : "adjustment.rejected";
  data->append(R"({"id":")");
  AppendId(data, prefix::kAdjustment, id);
  data->append(R"(","decided_by":)");
  platform::Actor actor;
  if (platform::ActorFromProto(m.decided_by(), &actor)) {
    platform::RenderActor(data, actor);
  } else {
    data->append("null");
  }
  data->push_back('}');
}

// Parses `ev`'s payload as M and takes its tenant, then renders it; false (nothing
// rendered) when the payload does not parse or names no tenant.
template <typename M>
bool ParseAndRender(const journal::EventView& ev, u128* tenant, std::string* type,
                    std::string* data, void (*render)(const M&, std::string*, std::string*)) {
  M m;
  if (!m.ParseFromArray(ev.payload.data(), static_cast<int>(ev.payload.size())) ||
      !SameTenant(m.tenant_id(), tenant)) {
    return false;
  }
  render(m, type, data);
  return true;
}

}  // namespace

bool RenderPlatformEvent(const journal::EventView& ev, u128* tenant, std::string* type,
                         std::string* data) {
  using PT = platform::EventType;
  switch (static_cast<PT>(ev.type)) {
    case PT::kCustomerCreated:
      return ParseAndRender(ev, tenant, type, data, RenderCustomerCreated);
    case PT::kCustomerUpdated:
      return ParseAndRender(ev, tenant, type, data, RenderCustomerUpdated);
    case PT::kAccountOpened:
      return ParseAndRender(ev, tenant, type, data, RenderAccountOpened);
    case PT::kAccountStatusChanged:
      return ParseAndRender(ev, tenant, type, data, RenderAccountStatusChanged);
    case PT::kTransferAnnotated:
      return ParseAndRender(ev, tenant, type, data, RenderTransferAnnotated);
    case PT::kAdjustmentRequested:
      return ParseAndRender(ev, tenant, type, data, RenderAdjustmentRequested);
    case PT::kAdjustmentDecided:
      return ParseAndRender(ev, tenant, type, data, RenderAdjustmentDecided);
    // Tenants, keys and idempotency records are not part of the public feed. Listed, not
    // defaulted: a new platform event must be placed here or above.
    case PT::kTenantCreated:
    case PT::kApiKeyCreated:
    case PT::kApiKeyRevoked:
    case PT::kIdempotencyRecorded:
    case PT::kIdempotencyExpired:
      return false;
  }
  return false;  // a type no platform version wrote
}

}  // namespace cb::platform
