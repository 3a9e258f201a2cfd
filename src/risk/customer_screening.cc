// Sanctions screening of customers (issue 14, docs/risk/monitoring.md "Screening"): every
// customer is screened at onboarding (in the batch that creates it) and again after every
// change of a list (a few a batch, from RunDue). A hit at or above the review threshold
// raises a screening alert for an analyst; at or above the block threshold the customer's
// movements are held (the policy's Finalize adds reason sanctions_match). Hits an analyst
// closed as false positives are remembered per customer and entry.
#include <algorithm>

#include "base/check.h"
#include "journal/format.h"
#include "kernel/ids.h"
#include "risk/ops.h"
#include "risk/screening/screening.h"
#include "risk/service.h"

namespace cb::risk {

namespace pb = corebank::risk::v1;
using kernel::IdBytes;
using kernel::IdFromBytesOrZero;

namespace {

constexpr size_t kCustomerHitsMax = 5;

std::string EntryKey(const pb::ScreeningHitRecord& h) { return h.list() + ":" + h.entry_id(); }

}  // namespace

const char* ScreeningStatusName(ScreeningStatus s) {
  switch (s) {
    case ScreeningStatus::kUnscreened:
      return "unscreened";
    case ScreeningStatus::kClear:
      return "clear";
    case ScreeningStatus::kReview:
      return "review";
    case ScreeningStatus::kMatch:
      return "match";
  }
  return "unknown";
}

const ScreenedCustomer* RiskService::FindScreened(u128 customer) const {
  auto it = screened_.find(customer);
  return it == screened_.end() ? nullptr : &it->second;
}

ScreeningStatus RiskService::StatusOf(u128 tenant, u128 customer,
                                      const std::vector<pb::ScreeningHitRecord>& hits) const {
  const kernel::ScreeningThresholds t = screening_thresholds();
  ScreeningStatus s = ScreeningStatus::kClear;
  for (const pb::ScreeningHitRecord& h : hits) {
    if (cleared_.contains({tenant, customer, EntryKey(h)})) continue;
    if (h.score_bp() >= t.block_bp) return ScreeningStatus::kMatch;
    if (h.score_bp() >= t.review_bp) s = ScreeningStatus::kReview;
  }
  return s;
}

std::string_view RiskService::ScreeningOf(u128 from_customer, u128 to_customer) const {
  ScreeningStatus worst = ScreeningStatus::kClear;
  for (u128 c : {from_customer, to_customer}) {
    if (c == 0) continue;
    auto it = screened_.find(c);
    if (it != screened_.end()) worst = std::max(worst, it->second.status);
  }
  if (worst == ScreeningStatus::kMatch) return "match";
  if (worst == ScreeningStatus::kReview) return "review";
  return "";
}

void RiskService::OnCustomerCreated(const kernel::CustomerFacts& c, runtime::ServiceContext& ctx) {
  ScreenCustomer(c.tenant, c.id, std::string(c.name), c.business, false, ctx);
}

void RiskService::ScreenCustomer(u128 tenant, u128 customer, const std::string& name, bool business,
                                 bool rescreen, runtime::ServiceContext& ctx) {
  pb::CustomerScreened e;
  e.set_tenant_id(IdBytes(tenant));
  e.set_customer_id(IdBytes(customer));
  e.set_name(name);
  e.set_business(business);
  e.set_rescreen(rescreen);
  e.set_at_ns(ctx.batch_timestamp);
  std::vector<pb::ScreeningHitRecord> hits;
  ScreeningStatus status = ScreeningStatus::kUnscreened;
  if (screening_index_ != nullptr) {
    const kernel::ScreeningQuery q{
        .name = name,
        .type = business ? kernel::ScreenedParty::kOrganization : kernel::ScreenedParty::kPerson,
        .country_iso2 = {}};
    // Every hit the index gives (up to kScreenHitsMax), less the ones analysts cleared,
    // then the best five: a cleared hit must not hide the ones below it.
    Result<std::vector<kernel::ScreeningHit>> found = ScreenName(q, kScreenHitsMax);
    CB_CHECK(found.ok());  // the index is loaded
    for (const kernel::ScreeningHit& h : *found) {
      if (hits.size() == kCustomerHitsMax) break;
      if (cleared_.contains({tenant, customer, h.list + ":" + h.entry_id})) continue;
      pb::ScreeningHitRecord* r = e.add_hits();
      r->set_list(h.list);
      r->set_entry_id(h.entry_id);
      r->set_matched_name(h.matched_name);
      r->set_score_bp(h.score_bp);
      hits.push_back(*r);
    }
    status = StatusOf(tenant, customer, hits);
  }
  e.set_status(static_cast<uint32_t>(status));
  // A hit not seen for this customer before (and not cleared) is an alert for an analyst;
  // the same hits again after a list reload are not.
  std::vector<std::string> fresh;
  const ScreenedCustomer* before = FindScreened(customer);
  for (const pb::ScreeningHitRecord& h : hits) {
    const std::string key = EntryKey(h);
    if (cleared_.contains({tenant, customer, key})) continue;
    const bool seen = before != nullptr && std::any_of(before->hits.begin(), before->hits.end(),
                                                       [&](const pb::ScreeningHitRecord& b) {
                                                         return EntryKey(b) == key;
                                                       });
    if (!seen) fresh.push_back(key);
  }
  const uint64_t seq = ctx.NextSeq();
  journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kCustomerScreened),
                           kEventVersion, e);
  CB_CHECK(ApplyCustomerScreened(e).ok());
  if (fresh.empty() || status < ScreeningStatus::kReview) return;
  AlertDraft a;
  // The screen's own journal position: unique, and the same on every replay.
  a.id = kernel::DerivedId(static_cast<u128>(seq), 'S');
  a.tenant = tenant;
  a.customer = customer;
  a.kind = AlertKind::kScreening;
  a.rule = "sanctions_screening";
  // What the new hits are (the customer may have been a match before them already).
  const bool match = std::any_of(hits.begin(), hits.end(), [&](const pb::ScreeningHitRecord& h) {
    return h.score_bp() >= screening_thresholds().block_bp &&
           std::find(fresh.begin(), fresh.end(), EntryKey(h)) != fresh.end();
  });
  a.reason = match ? "sanctions_match" : "sanctions_possible_match";
  a.severity = match ? Severity::kHigh : Severity::kMedium;
  a.entries = std::move(fresh);
  a.movement_at = 0;
  CB_CHECK(RaiseAlert(a, ctx));  // no quiet time for screening alerts
}

Status RiskService::ApplyCustomerScreened(const pb::CustomerScreened& e) {
  const u128 tenant = IdFromBytesOrZero(e.tenant_id());
  const u128 customer = IdFromBytesOrZero(e.customer_id());
  if (tenant == 0 || customer == 0 || e.status() > static_cast<uint32_t>(ScreeningStatus::kMatch) ||
      e.hits_size() > static_cast<int>(kCustomerHitsMax)) {
    return Status::DataLoss("undecodable CustomerScreened");
  }
  ScreenedCustomer& s = screened_[customer];
  if (s.tenant != 0 && s.tenant != tenant) return Status::DataLoss("CustomerScreened: tenant");
  s.tenant = tenant;
  s.name = e.name();
  s.business = e.business();
  s.status = static_cast<ScreeningStatus>(e.status());
  s.hits.assign(e.hits().begin(), e.hits().end());
  s.at = e.at_ns();
  rescreen_.erase({tenant, customer});
  return Status::Ok();
}

void RiskService::ClearFalsePositives(const Case& c) {
  for (u128 id : c.alerts) {
    const Alert& a = alerts_.at(id);
    if (a.kind != AlertKind::kScreening) continue;
    for (const std::string& entry : a.entries) cleared_.insert({c.tenant, c.customer, entry});
  }
  // The standing changes by its own event (RecordScreeningStanding), not here: replay must
  // not recompute it with thresholds the server may have changed since.
}

void RiskService::RecordScreeningStanding(u128 tenant, u128 customer,
                                          runtime::ServiceContext& ctx) {
  auto it = screened_.find(customer);
  if (it == screened_.end() || it->second.tenant != tenant ||
      it->second.status == ScreeningStatus::kUnscreened) {
    return;
  }
  const ScreeningStatus now = StatusOf(tenant, customer, it->second.hits);
  if (now == it->second.status) return;
  pb::CustomerScreened e;
  e.set_tenant_id(IdBytes(tenant));
  e.set_customer_id(IdBytes(customer));
  e.set_name(it->second.name);
  e.set_business(it->second.business);
  for (const pb::ScreeningHitRecord& h : it->second.hits) *e.add_hits() = h;
  e.set_status(static_cast<uint32_t>(now));
  e.set_at_ns(ctx.batch_timestamp);
  journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kCustomerScreened),
                           kEventVersion, e);
  CB_CHECK(ApplyCustomerScreened(e).ok());
}

}  // namespace cb::risk
