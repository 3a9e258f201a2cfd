// Activating a risk policy bundle from the process itself: the built-in default at `serve`
// start, and `corebank policy activate --data DIR BUNDLE` (server stopped). Both journal
// the bundle's whole content through the risk service, like POST /v1/policies.
#include <cstdio>
#include <memory>

#include "app/commands.h"
#include "app/default_policy.h"
#include "app/offline_node.h"
#include "journal/reader.h"
#include "risk/bundle.h"
#include "risk/dry_run.h"
#include "risk/ops.h"
#include "runtime/executor.h"
#include "runtime/shard.h"

namespace cb::app {

namespace {

Status Activate(runtime::Executor* executor, risk::Files files, std::string* answer) {
  auto op = std::make_shared<risk::RiskOp>();
  op->body = risk::ActivatePolicyOp{.files = std::move(files), .system = true};
  runtime::Reply r = RunOp(executor, std::move(op));
  if (!r.status.ok()) return r.status;
  *answer = std::move(r.body);
  if (r.http_status != 201) return Status::InvalidArgument(*answer);
  return Status::Ok();
}

}  // namespace

Status ActivateDefaultPolicy(runtime::Executor* executor, std::string* answer) {
  risk::Files files;
  for (const DefaultPolicyFile& f : DefaultPolicyFiles()) files.emplace_back(f.path, f.content);
  return Activate(executor, std::move(files), answer);
}

int RunPolicyActivate(const std::string& data_dir, const std::string& bundle_dir) {
  Result<risk::BundleFiles> bundle = risk::ReadBundleDir(bundle_dir);
  if (!bundle.ok()) {
    std::fprintf(stderr, "policy activate: %s\n", bundle.status().ToString().c_str());
    return 2;
  }
  auto node = OfflineNode::Open(data_dir);
  if (!node.ok()) {
    std::fprintf(stderr, "policy activate: %s\n", node.status().ToString().c_str());
    return 1;
  }
  std::string answer;
  const Status st = Activate(&(*node)->executor(), std::move(bundle->files), &answer);
  if (!st.ok()) {
    // The risk service's error answer names the problem; nothing was journaled.
    std::fprintf(stderr, "policy activate: %s\n", st.message().c_str());
    return 2;
  }
  std::printf("%s\n", answer.c_str());
  return 0;
}

}  // namespace cb::app

namespace cb::app {

// `corebank policy dry-run --data DIR BUNDLE | --replay`: every recorded decision evaluated
// again (risk/dry_run.h). Server stopped or not: it reads the durable journal only.
int RunPolicyDryRun(const std::string& data_dir, const std::string& bundle_dir, bool replay) {
  std::unique_ptr<risk::Policy> candidate;
  if (!replay) {
    Result<risk::BundleFiles> bundle = risk::ReadBundleDir(bundle_dir);
    Result<std::unique_ptr<risk::Policy>> p =
        bundle.ok() ? risk::Policy::Compile(*bundle)
                    : Result<std::unique_ptr<risk::Policy>>(bundle.status());
    if (!p.ok()) {
      std::fprintf(stderr, "policy dry-run: %s\n", p.status().ToString().c_str());
      return 2;
    }
    candidate = *std::move(p);
  }
  auto node = OfflineNode::Open(data_dir);
  if (!node.ok()) {
    std::fprintf(stderr, "policy dry-run: %s\n", node.status().ToString().c_str());
    return 1;
  }
  risk::DryRun run(candidate.get());
  journal::JournalReader reader((*node)->disk(), runtime::JournalDir(data_dir));
  if (const Status st = run.ReadJournal(&reader, 0, (*node)->shard().seq_durable_next());
      !st.ok()) {
    std::fprintf(stderr, "policy dry-run: %s\n", st.ToString().c_str());
    return 1;
  }
  const risk::DryRunReport& r = run.report();
  std::printf("%s\n", risk::RenderDryRun(r).c_str());
  std::printf(
      "policy dry-run: decisions=%llu changed=%llu skipped=%llu undecodable=%llu\n",
      static_cast<unsigned long long>(r.decisions), static_cast<unsigned long long>(r.changed),
      static_cast<unsigned long long>(r.skipped), static_cast<unsigned long long>(r.undecodable));
  // A replay check fails when anything did not reproduce; a candidate's changes are its
  // answer, not a failure.
  return replay && (r.changed > 0 || r.undecodable > 0) ? 1 : 0;
}

}  // namespace cb::app
