#pragma once
// The platform's events in the public feed (GET /v1/events): the platform module's
// ModuleEventRenderFn (api/module.h). Tenants, keys and idempotency records stay out.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/uint128.h"
#include "journal/format.h"
#include "ledger/types.h"

namespace cb::platform {

// Appends the event's "data" JSON, names its "type" and its tenant; false when the event is
// not public or does not parse.
bool RenderPlatformEvent(const journal::EventView& ev, u128* tenant, std::string* type,
                         std::string* data);

// The ISO 4217 code and scale of a platform ledger (tenant seq * 1000 + numeric code).
uint8_t LedgerScale(ledger::LedgerCode ledger);
std::string_view LedgerCurrency(ledger::LedgerCode ledger);

}  // namespace cb::platform
