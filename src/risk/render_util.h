#pragma once
// What the risk service's renderers share (handlers.cc, monitoring.cc, case_render.cc): the public
// id prefixes of its objects and small JSON pieces.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/time.h"
#include "base/uint128.h"

namespace cb::risk {

struct Alert;
struct Case;

inline constexpr std::string_view kDecisionPrefix = "dec_";
inline constexpr std::string_view kCasePrefix = "case_";
inline constexpr std::string_view kAlertPrefix = "alert_";
inline constexpr std::string_view kTransferPrefix = "tr_";
// Items one filtered list page looks at (GET /v1/cases?status=, GET /v1/alerts?customer=):
// a filter skips entries on the writer, so it is bounded per page.
inline constexpr size_t kCasesScannedMax = 10'000;

void AppendTimestampOrNull(std::string* out, TimestampNs ts);
// `"<prefix><id>"`, or null for 0 (a bank-level alert's or case's customer).
void AppendIdOrNull(std::string* out, std::string_view prefix, u128 id);
// {"type":"api_key"|"user"|"app","id":...} or null (kind 0: nobody, the timer).
void AppendActor(std::string* out, uint32_t kind, u128 id);
// `detail`: a failed rule's error too (root admins).
std::string RenderAlert(const Alert& a, bool detail);
// `with_notes` false: "notes" is null (list pages stay small; GET the case for them).
std::string RenderInvestigation(const Case& c, bool with_notes = true);

}  // namespace cb::risk
