#include "risk/dry_run.h"

#include "base/json_string.h"
#include "corebank/risk/v1/events.pb.h"
#include "kernel/ids.h"
#include "risk/bundle.h"
#include "risk/decision_input.h"
#include "risk/events.h"
#include "risk/policy_slot.h"

namespace cb::risk {

namespace pb = corebank::risk::v1;

namespace {

bool SameStrings(const std::vector<std::string>& a,
                 const google::protobuf::RepeatedPtrField<std::string>& b) {
  if (a.size() != static_cast<size_t>(b.size())) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (a[i] != b[static_cast<int>(i)]) return false;
  }
  return true;
}

}  // namespace

Status DryRun::OnEvent(const journal::EventView& ev, uint64_t seq) {
  const auto type = static_cast<EventType>(ev.type);
  const int size = static_cast<int>(ev.payload.size());
  if (type == EventType::kPolicyActivated && candidate_ == nullptr) {
    pb::PolicyActivated e;
    if (!e.ParseFromArray(ev.payload.data(), size)) return Status::DataLoss("PolicyActivated");
    BundleFiles files;
    for (const pb::BundleFile& f : e.files()) files.files.emplace_back(f.path(), f.content());
    Result<std::unique_ptr<Policy>> p = Policy::Compile(files);
    if (!p.ok())
      return Status::DataLoss("a journaled bundle no longer compiles: " + p.status().message());
    versions_[e.version()] = *std::move(p);
    return Status::Ok();
  }
  if (type != EventType::kDecisionRecorded) return Status::Ok();
  pb::DecisionRecorded e;
  u128 tenant = 0;
  // Features added after a decision was made read as 0 in it (events are append-only).
  if (!e.ParseFromArray(ev.payload.data(), size) ||
      e.features_size() > static_cast<int>(kFeatureCount) ||
      !kernel::IdFromBytes(e.tenant_id(), &tenant) || e.outcome() > 3) {
    report_.undecodable++;
    return Status::Ok();
  }
  if (tenant_ != 0 && tenant != tenant_) return Status::Ok();
  Policy* policy = candidate_;
  if (policy == nullptr) {
    auto it = versions_.find(e.policy_version());
    if (e.policy_version() == 0 || it == versions_.end()) {
      report_.skipped++;
      return Status::Ok();
    }
    policy = it->second.get();
  }
  RiskInput in;
  FeatureValues f;
  InputOfDecision(e, &in, &f);  // the feature count was checked above
  Verdict v = policy->Evaluate(in, f);
  PolicySlot::Finalize(in, &v);
  report_.decisions++;
  const auto recorded = static_cast<Outcome>(e.outcome());
  bool same = v.outcome == recorded && SameStrings(v.reasons, e.reasons());
  if (candidate_ == nullptr) {
    same = same && SameStrings(v.rules_fired, e.rules_fired()) &&
           SameStrings(v.rule_errors, e.rule_errors()) && v.score == e.score();
  }
  if (same) return Status::Ok();
  report_.changed++;
  report_.transitions[std::string(OutcomeName(recorded)) + "->" + OutcomeName(v.outcome)]++;
  if (report_.changes.size() < kDryRunChangesShownMax) {
    DryRunChange c;
    kernel::IdFromBytes(e.id(), &c.decision);
    c.seq = seq;
    c.recorded_outcome = OutcomeName(recorded);
    c.outcome = OutcomeName(v.outcome);
    c.recorded_reasons.assign(e.reasons().begin(), e.reasons().end());
    c.reasons = v.reasons;
    report_.changes.push_back(std::move(c));
  }
  return Status::Ok();
}

Status DryRun::ReadJournal(journal::JournalReader* reader, uint64_t after,
                           uint64_t durable_seq_next, uint64_t events_max) {
  report_.last_seq = after;
  uint64_t scanned = 0;
  Status failed;
  const Status st =
      reader->Read(after + 1, durable_seq_next,
                   [&](const journal::RecordHeader& h, std::span<const uint8_t> events) {
                     journal::EventIterator it(events);
                     journal::EventView ev;
                     for (uint64_t seq = h.seq_first; it.Next(&ev); seq++) {
                       if (seq <= after)
                         continue;  // the record holding `after` may start before it
                       if (scanned == events_max) {
                         report_.has_more = true;
                         return false;
                       }
                       scanned++;
                       report_.last_seq = seq;
                       if (ev.type < kEventTypeFirst || ev.type > kEventTypeLast) continue;
                       failed = OnEvent(ev, seq);
                       if (!failed.ok()) return false;
                     }
                     return true;
                   });
  return st.ok() ? failed : st;
}

std::string RenderDryRun(const DryRunReport& r) {
  std::string o = R"({"object":"policy_dry_run","decisions":)";
  o.append(std::to_string(r.decisions));
  o.append(R"(,"changed":)").append(std::to_string(r.changed));
  o.append(R"(,"skipped":)").append(std::to_string(r.skipped));
  o.append(R"(,"undecodable":)").append(std::to_string(r.undecodable));
  o.append(R"(,"last_seq":)").append(std::to_string(r.last_seq));
  o.append(R"(,"has_more":)").append(r.has_more ? "true" : "false");
  o.append(R"(,"transitions":{)");
  bool first = true;
  for (const auto& [k, n] : r.transitions) {
    if (!first) o.push_back(',');
    first = false;
    AppendJsonString(&o, k);
    o.push_back(':');
    o.append(std::to_string(n));
  }
  o.append(R"(},"changes":[)");
  for (size_t i = 0; i < r.changes.size(); i++) {
    const DryRunChange& c = r.changes[i];
    if (i > 0) o.push_back(',');
    o.append(R"({"decision":")");
    kernel::AppendId(&o, "dec_", c.decision);
    o.append(R"(","journal_seq":)").append(std::to_string(c.seq));
    o.append(R"(,"recorded_outcome":")").append(c.recorded_outcome);
    o.append(R"(","outcome":")").append(c.outcome);
    o.append(R"(","recorded_reasons":)");
    AppendJsonStringArray(&o, c.recorded_reasons);
    o.append(R"(,"reasons":)");
    AppendJsonStringArray(&o, c.reasons);
    o.push_back('}');
  }
  o.append("]}");
  return o;
}

}  // namespace cb::risk
