#include "risk/policy_slot.h"

#include "base/check.h"
#include "risk/bundle.h"
#include "risk/policy.h"

namespace cb::risk {

std::shared_ptr<Policy> PolicyCache::Find(const Hash256& sha256) const {
  for (const std::shared_ptr<Policy>& p : entries_) {
    if (p->hash() == sha256) return p;
  }
  return nullptr;
}

void PolicyCache::Put(std::shared_ptr<Policy> policy) {
  CB_CHECK(policy != nullptr);
  if (entries_.size() == kEntriesMax) entries_.pop_front();
  entries_.push_back(std::move(policy));
}

Result<Bundle> PolicySlot::Compile(Files files, PolicyCache* cache) {
  BundleFiles bf;
  bf.files = files;
  Bundle b;
  b.policy = cache == nullptr ? nullptr : cache->Find(BundleHash(bf));
  if (b.policy == nullptr) {
    Result<std::unique_ptr<Policy>> compiled = Policy::Compile(bf);
    if (!compiled.ok()) return compiled.status();
    b.policy = std::shared_ptr<Policy>(std::move(*compiled));
    if (cache != nullptr) cache->Put(b.policy);
  }
  b.name = b.policy->name();
  // Manifests allow versions up to INT64_MAX; the journal and the API keep 32 bits.
  if (b.policy->version() > static_cast<int64_t>(UINT32_MAX)) {
    return Status::InvalidArgument("manifest.toml: version must be at most 4294967295");
  }
  b.version = static_cast<uint32_t>(b.policy->version());
  b.sha256 = b.policy->hash();
  b.files = std::move(files);
  return b;
}

Status PolicySlot::CanActivate(const Bundle& b) const {
  for (const Bundle& earlier : history_) {
    if (earlier.version == b.version) {
      if (earlier.sha256 == b.sha256) return Status::Ok();  // a roll-back to it
      return Status::FailedPrecondition("version " + std::to_string(b.version) +
                                        " was activated before with other content; give "
                                        "this bundle a new version");
    }
  }
  const Bundle* now = active();
  if (now != nullptr && b.version < now->version) {
    return Status::FailedPrecondition("version " + std::to_string(b.version) +
                                      " is below the active version " +
                                      std::to_string(now->version));
  }
  return Status::Ok();
}

void PolicySlot::Install(Bundle b) {
  for (size_t i = 0; i < history_.size(); i++) {
    if (history_[i].version == b.version) {
      CB_CHECK(history_[i].sha256 == b.sha256);  // CanActivate held when it was journaled
      history_[i].activated = b.activated;
      active_ = static_cast<long>(i);
      return;
    }
  }
  history_.push_back(std::move(b));
  active_ = static_cast<long>(history_.size()) - 1;
}

const Bundle* PolicySlot::FindVersion(uint32_t version) const {
  for (const Bundle& b : history_) {
    if (b.version == version) return &b;
  }
  return nullptr;
}

Verdict PolicySlot::Evaluate(const RiskInput& in, const FeatureValues& f) const {
  const Bundle* b = active();
  if (b == nullptr) return Verdict{};
  Verdict v = b->policy->Evaluate(in, f);
  Finalize(in, &v);
  return v;
}

void PolicySlot::Finalize(const RiskInput& in, Verdict* v) {
  if (v->outcome == Outcome::kStepUp && in.role != "user") {
    v->outcome = Outcome::kHold;
    v->reasons.emplace_back("step_up_unavailable");
  }
  // A customer matched on a sanctions list moves nothing without an analyst, whatever the
  // bundle says (a deny stays a deny).
  if (in.screening == "match" && v->outcome < Outcome::kHold) {
    v->outcome = Outcome::kHold;
    v->reasons.emplace_back("sanctions_match");
  }
}

uint64_t PolicySlot::hold_timeout_s() const {
  const Bundle* b = active();
  return b == nullptr ? 0 : b->policy->hold_timeout_s();
}

}  // namespace cb::risk
