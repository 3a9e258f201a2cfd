#include "api/event_feed.h"

#include <algorithm>

#include "api/module.h"
#include "kernel/money.h"
#include "ledger/events.h"
#include "platform/event_render.h"
#include "platform/ids.h"
#include "platform/json_out.h"
#include "platform/model.h"
#include "platform/render.h"
#include "runtime/service.h"

namespace cb::api {

namespace {

using kernel::AppendId;
using platform::AppendJsonString;
namespace prefix = platform::prefix;

// Bounds the work of one request when other tenants' events are in the way.
constexpr uint64_t kEventsScannedMax = 50'000;

// Renders one event's "type" and "data" (without braces around the whole event) if it
// belongs to the principal's tenant and is part of the public feed; false otherwise.
bool RenderEvent(const journal::EventView& ev, const kernel::Principal& p, std::string* type,
                 std::string* data) {
  if (ev.type == static_cast<uint16_t>(ledger::EventType::kTransferCreated) &&
      ev.payload.size() == sizeof(ledger::Transfer)) {
    ledger::Transfer t;
    std::memcpy(&t, ev.payload.data(), sizeof(t));
    if (platform::LedgerTenantSeq(t.ledger) != p.tenant_seq) return false;
    *type = "transfer.created";
    data->append(R"({"id":)");
    if (t.id.zero()) {
      data->append("null");
    } else {
      data->push_back('"');
      AppendId(data, prefix::kTransfer, t.id.value);
      data->push_back('"');
    }
    data->append(R"(,"from_account":")");
    AppendId(data, prefix::kAccount, t.debit_account_id.value);
    data->append(R"(","to_account":")");
    AppendId(data, prefix::kAccount, t.credit_account_id.value);
    data->append(R"(","amount":")");
    kernel::AppendAmount(data, t.amount, platform::LedgerScale(t.ledger));
    data->append(R"(","currency":")");
    data->append(platform::LedgerCurrency(t.ledger));
    data->append(R"(","pending":)");
    data->append((t.flags & ledger::kTransferPending) ? "true" : "false");
    data->append(R"(,"pending_transfer":)");
    if (t.pending_id.zero()) {
      data->append("null");
    } else {
      data->push_back('"');
      AppendId(data, prefix::kTransfer, t.pending_id.value);
      data->push_back('"');
    }
    data->append(R"(,"created_at":)");
    platform::AppendTimestamp(data, t.timestamp);
    data->push_back('}');
    return true;
  }
  if (ev.type == static_cast<uint16_t>(ledger::EventType::kAccountCreated) &&
      ev.payload.size() == sizeof(ledger::Account)) {
    ledger::Account a;
    std::memcpy(&a, ev.payload.data(), sizeof(a));
    if (platform::LedgerTenantSeq(a.ledger) != p.tenant_seq) return false;
    *type = "ledger_account.created";
    data->append(R"({"id":")");
    AppendId(data, prefix::kAccount, a.id.value);
    data->append(R"(","currency":")");
    data->append(platform::LedgerCurrency(a.ledger));
    data->append(R"(","gl_code":)");
    data->append(std::to_string(a.code));
    data->push_back('}');
    return true;
  }
  if (ev.type < runtime::kServiceEventTypeFirst) return false;  // no tenant to filter on
  // Every service's events, built-in or not, through the registry (api/module.h): the
  // service renders, the edge filters by tenant (a service cannot leak another's).
  const ServiceModule* m = ModuleOfEvent(ev.type);
  if (m == nullptr || m->render_event == nullptr) return false;  // nobody owns it any more
  u128 tenant = 0;
  std::string module_data;
  if (!m->render_event(ev, &tenant, type, &module_data) || tenant != p.tenant.value) {
    return false;
  }
  data->append(module_data);
  return true;
}

}  // namespace

Result<EventPage> EventFeed::Read(const kernel::Principal& principal, uint64_t after,
                                  uint32_t limit, uint64_t durable_seq_next) {
  EventPage page;
  std::string& out = page.body;
  out.append(R"({"object":"list","data":[)");
  uint32_t shown = 0;
  uint64_t scanned = 0;
  uint64_t last_seq = after;
  bool stopped_early = false;
  CB_RETURN_IF_ERROR(
      reader_->Read(after + 1, durable_seq_next,
                    [&](const journal::RecordHeader& h, std::span<const uint8_t> events) {
                      journal::EventIterator it(events);
                      journal::EventView ev;
                      for (uint64_t event_seq = h.seq_first; it.Next(&ev); event_seq++) {
                        if (event_seq <= after) continue;
                        if (shown == limit || scanned == kEventsScannedMax) {
                          stopped_early = true;
                          return false;
                        }
                        scanned++;
                        last_seq = event_seq;
                        std::string type, data;
                        if (!RenderEvent(ev, principal, &type, &data)) continue;
                        if (shown > 0) out.push_back(',');
                        out.append(R"({"seq":)");
                        out.append(std::to_string(event_seq));
                        out.append(R"(,"object":"event","type":")");
                        out.append(type);
                        out.append(R"(","created_at":)");
                        platform::AppendTimestamp(&out, h.timestamp_ns);
                        out.append(R"(,"data":)");
                        out.append(data);
                        out.push_back('}');
                        shown++;
                      }
                      return true;
                    }));
  out.append(R"(],"has_more":)");
  out.append(stopped_early ? "true" : "false");
  out.append(R"(,"next_cursor":)");
  out.append(stopped_early ? "\"" + std::to_string(last_seq) + "\"" : "null");
  out.append(R"(,"last_seq":)");
  out.append(std::to_string(last_seq));
  out.push_back('}');
  return page;
}

}  // namespace cb::api
