// POST /v1/policies/dry-run: a candidate policy bundle evaluated over every recorded
// decision (risk/dry_run.h), on the read pool, straight from the journal; nothing is
// activated and nothing reaches the writer. Root admins only: the policy is the platform's.
#include <variant>

#include "api/read_pool.h"
#include "api/route_table.h"
#include "api/router.h"
#include "api/router_impl.h"
#include "kernel/ids.h"
#include "risk/bundle.h"
#include "risk/dry_run.h"
#include "risk/ops.h"
#include "risk/policy.h"

namespace cb::api {

namespace {
// Events one request reads before it answers has_more (continue with `after`).
constexpr uint64_t kDryRunEventsScannedMax = 2'000'000;
}  // namespace

void ApiHandler::ServePolicyDryRun(BuiltOp&& built, const kernel::Principal& principal,
                                   const ExchangePtr& ex) {
  const std::string& trace_id = ex->trace.trace_id;
  if (!principal.root) {
    return Finish(ex, ex->Error(kernel::ErrorKind::kPermissionDenied, "root_admin_required",
                                "Policy bundles are the platform operator's (root tenant "
                                "admins)."));
  }
  runtime::Executor* executor = executor_.load();
  journal::JournalReader* reader = journal_reader_.load();
  ReadPool* pool = read_pool_.load();
  if (executor == nullptr || reader == nullptr || pool == nullptr) {
    return Finish(
        ex, ex->Error(kernel::ErrorKind::kUnavailable, "unavailable", "The server is starting."));
  }
  // The route's builder made a RiskOp holding a DryRunPolicyOp (risk_routes.cc).
  std::shared_ptr<runtime::ServiceOp> op = std::move(built.op);
  const uint64_t durable = executor->stats().durable_seq_next.load();
  const bool posted = pool->Post(
      [this, op, reader, durable, ex] {
        const std::string& trace = ex->trace.trace_id;
        const auto& d = std::get<risk::DryRunPolicyOp>(static_cast<risk::RiskOp&>(*op).body);
        risk::BundleFiles files;
        files.files = d.files;
        Result<std::unique_ptr<risk::Policy>> policy = risk::Policy::Compile(files);
        if (!policy.ok()) {
          return Finish(ex, ErrorResponse(kernel::ErrorKind::kUnprocessable, "policy_invalid",
                                          policy.status().message(), "files", trace));
        }
        risk::DryRun run(policy->get());
        const Status st = run.ReadJournal(reader, d.after, durable, kDryRunEventsScannedMax);
        http::Response res;
        if (!st.ok()) {
          std::fprintf(stderr, "corebank: policy dry run failed (trace %s): %s\n", trace.c_str(),
                       st.ToString().c_str());
          res = ErrorResponse(kernel::ErrorKind::kInternal, "internal_error",
                              "The journal could not be read; the trace id is logged.", "", trace);
        } else {
          res.body = risk::RenderDryRun(run.report());
        }
        Finish(ex, std::move(res));
      },
      kernel::IdBytes(principal.tenant.value));
  if (!posted) Finish(ex, Overloaded(trace_id));
}

}  // namespace cb::api
