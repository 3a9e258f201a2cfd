#pragma once
// The `corebank` subcommands. main.cc parses flags (CLI11) and calls these; each returns
// the process exit code.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "runtime/command.h"
#include "runtime/executor.h"

namespace cb {
class Disk;
}
namespace cb::risk {
struct SanctionsListRecord;
}

namespace cb::app {

struct ServeConfig;
int RunServe(const ServeConfig& config);
// `corebank admin rotate-signing-key --data DIR` (server stopped).
int RunRotateSigningKey(const std::string& data_dir);
int RunCreateKey(const std::string& data_dir, const std::string& tenant, const std::string& role,
                 const std::string& name);
// Runs one op synchronously through the executor (start-up and admin commands); a refused
// submit comes back as the reply's status.
runtime::Reply RunOp(runtime::Executor* executor, std::shared_ptr<const runtime::ServiceOp> op);
// `corebank admin delete-cursor --data DIR --name NAME` (server stopped).
int RunDeleteCursor(const std::string& data_dir, const std::string& name);

struct LedgerBenchOptions {
  std::string data_dir;
  uint64_t accounts = 10000;
  uint64_t transfers = 100000;
  uint32_t batch = 8190;
  std::string durable = "fdatasync";
  uint32_t hot_percent = 0;
  uint32_t in_flight = 2;  // requests outstanding at once: 2 keeps the pipeline full
  bool progress = false;   // print a line per durable batch (crash tests read it)
  uint64_t seed = 42;
  uint64_t snapshot_interval_ms = 0;
};
int RunLedgerBench(const LedgerBenchOptions& options);

// `corebank screen pairs`: stdin lines "nameA<TAB>nameB", one score in [0,1] per line on
// stdout (the server's matcher, type-agnostic). A line without a tab or longer than 8192
// bytes: an error naming the line on stderr, exit 2.
int RunScreenPairs();
// reconcile_cmd.cc: POST a camt.053 to a running server's /v1/reconciliations.
int RunReconcile(const std::string& url, const std::string& key, const std::string& file);
struct ScreeningBenchOptions {
  std::string lists_dir;  // "": the shared data's sanctions directory
  uint64_t names = 10000;
  uint64_t seed = 42;
};
// `corebank bench screening`: screens `names` generated names against the full lists; ends
// with "screening bench: names=N entries=E p50_us=A p99_us=B".
int RunScreeningBench(const ScreeningBenchOptions& options);

int RunReplay(const std::string& data_dir, const std::optional<std::string>& as_of);
int RunAuditVerify(const std::string& data_dir);
int RunSim(uint64_t seed, uint64_t steps, uint64_t seeds);
int RunSnapshot(const std::string& data_dir);
int RunRecoveryBench(const std::string& data_dir);
int RunLookupTransfer(const std::string& data_dir, const std::string& id, uint64_t count);

// `corebank policy activate --data DIR BUNDLE` (server stopped; policy_activate.cc): journals
// the bundle as the active risk policy. 0 done; 2 the bundle does not read, compile or may
// not be activated (its version); 1 the data directory could not be opened.
int RunPolicyActivate(const std::string& data_dir, const std::string& bundle_dir);
// `corebank policy dry-run --data DIR BUNDLE` evaluates BUNDLE over every recorded decision
// and reports which would change (exit 0); `--replay` evaluates each decision with the
// bundle version that made it and exits 1 unless every one reproduces. 2: BUNDLE does not
// read or compile; 1: the data directory could not be read.
int RunPolicyDryRun(const std::string& data_dir, const std::string& bundle_dir, bool replay);
// The built-in default bundle (policies/default), activated through `executor` (serve).
Status ActivateDefaultPolicy(runtime::Executor* executor, std::string* answer);
// The sanctions lists under `sources_dir` stored, journaled when changed, and the index of
// the lists the journal names handed to the risk service (sanctions_start.cc,
// risk/sanctions_load.h): at start and on SIGHUP. `recorded`: the risk service's lists as
// read before the writer ran, kept up to date here (only this journals lists). On an error
// nothing was journaled and the service keeps the index it had.
Status LoadSanctionsLists(Disk* disk, runtime::Executor* executor, const std::string& data_dir,
                          const std::string& sources_dir,
                          std::map<std::string, risk::SanctionsListRecord>* recorded,
                          std::string* line);

// `corebank policy test BUNDLE` (policy_cmd.cc): compile a bundle folder and run its test
// cases, one line per case and a summary. Exit codes below (docs/policy-bundles.md).
constexpr int kPolicyExitOk = 0;
constexpr int kPolicyExitCaseFailed = 1;
constexpr int kPolicyExitBadBundle = 2;
int RunPolicyTest(const std::string& bundle_dir);
// `corebank bench policy [--bundle DIR] [--decisions N]`: p50/p99 of one decision.
int RunPolicyBench(const std::string& bundle_dir, uint64_t decisions, uint64_t seed);

// Peak resident set size of this process in MiB (VmHWM).
uint64_t PeakRssMb();

}  // namespace cb::app
