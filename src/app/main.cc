// corebank: one binary, many subcommands (serve, bench, replay, audit, sim).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "api/module.h"
#include "api/route_table.h"
#include "app/commands.h"
#include "app/modules.h"
#include "app/serve_config.h"
#include "scheme/scheme.h"

int main(int argc, char** argv) {
  // The modules of src/modules/modules.cmake, before anything looks up a route or opens a
  // journal (their services replay their events).
  cb::api::RegisterModules(cb::app::RegisteredModules());
  CLI::App app{"corebank: a bank-as-a-platform core (journal, executor, ledger)"};
  app.require_subcommand(1);

  // serve: defaults < --config file < COREBANK_* environment < flags.
  cb::app::ServeConfig serve_flags;
  std::string serve_config_file;
  bool no_bootstrap = false;
  auto* serve_cmd = app.add_subcommand("serve", "Run the API server (REST /v1, health, metrics)");
  serve_cmd->add_option("--config", serve_config_file, "TOML configuration file");
  auto* o_data = serve_cmd->add_option("--data", serve_flags.data_dir, "Data directory")
                     ->capture_default_str();
  auto* o_listen = serve_cmd->add_option("--listen", serve_flags.listen, "host:port to listen on")
                       ->capture_default_str();
  auto* o_durable = serve_cmd->add_option("--durable", serve_flags.durable, "fdatasync|none")
                        ->check(CLI::IsMember({"fdatasync", "none"}))
                        ->capture_default_str();
  auto* o_snap = serve_cmd
                     ->add_option("--snapshot-interval-s", serve_flags.snapshot_interval_s,
                                  "Seconds between background snapshots (0: off)")
                     ->capture_default_str();
  auto* o_io = serve_cmd->add_option("--io-threads", serve_flags.io_threads, "HTTP io threads")
                   ->capture_default_str();
  auto* o_cert = serve_cmd->add_option("--tls-cert", serve_flags.tls_cert_file, "PEM certificate");
  auto* o_key = serve_cmd->add_option("--tls-key", serve_flags.tls_key_file, "PEM private key");
  auto* o_log =
      serve_cmd->add_option("--access-log", serve_flags.access_log, "stdout | off | file path")
          ->capture_default_str();
  auto* o_issuer = serve_cmd->add_option(
      "--issuer", serve_flags.issuer, "OAuth issuer: our public base URL (default: from --listen)");
  auto* o_scheme = serve_cmd->add_option("--scheme-url", serve_flags.scheme_url,
                                         "The clearing scheme external payments go to (e.g. "
                                         "`corebank scheme`: http://127.0.0.1:8091)");
  serve_cmd->add_flag("--no-bootstrap", no_bootstrap,
                      "Production: never create the sandbox tenant and key on first start");

  // scheme: the sandbox ISO 20022 clearing scheme, a process of its own
  // (docs/payments/scheme.md).
  cb::scheme::SchemeOptions scheme_options;
  auto* scheme_cmd = app.add_subcommand(
      "scheme", "Run the sandbox ISO 20022 clearing scheme (docs/payments/scheme.md)");
  scheme_cmd->add_option("--listen", scheme_options.listen, "host:port (port 0: a free one)")
      ->capture_default_str();
  scheme_cmd->add_option("--data", scheme_options.data_dir, "Data directory")->required();
  scheme_cmd
      ->add_option("--delay-ms", scheme_options.delay_ms,
                   "Receipt of a credit transfer to its pacs.002")
      ->capture_default_str()
      ->check(CLI::Range(uint32_t{0}, uint32_t{86'400'000}));
  scheme_cmd
      ->add_option("--reject-permille", scheme_options.reject_permille,
                   "Share of credit transfers rejected at random (AC01, AC04, AM04, RR04)")
      ->capture_default_str()
      ->check(CLI::Range(uint32_t{0}, uint32_t{1000}));
  scheme_cmd->add_option("--seed", scheme_options.seed, "Seed of the random rejections")
      ->capture_default_str();
  scheme_cmd->add_option("--settlement-iban", scheme_options.settlement_iban,
                         "Our bank's settlement account at the scheme (camt.053/054)");
  scheme_cmd->add_option("--currency", scheme_options.currency, "The settlement currency")
      ->capture_default_str();

  auto* admin_cmd = app.add_subcommand("admin", "Administration (run while the server is stopped)");
  std::string key_data = "./var", key_tenant, key_role = "admin", key_name = "cli";
  auto* create_key_cmd = admin_cmd->add_subcommand("create-key", "Create an API key for a tenant");
  create_key_cmd->add_option("--data", key_data)->capture_default_str();
  create_key_cmd->add_option("--tenant", key_tenant, "Tenant id (ten_...)")->required();
  create_key_cmd->add_option("--role", key_role, "admin|operator|read_only")->capture_default_str();
  create_key_cmd->add_option("--name", key_name)->capture_default_str();
  std::string rotate_data = "./var";
  auto* rotate_cmd = admin_cmd->add_subcommand(
      "rotate-signing-key",
      "Make a new current OAuth signing key; the old one stays published until its tokens expire");
  rotate_cmd->add_option("--data", rotate_data)->capture_default_str();
  std::string cursor_data = "./var", cursor_name;
  auto* delete_cursor_cmd = admin_cmd->add_subcommand(
      "delete-cursor", "Forget a subscriber's durable cursor (it starts over, or is retired)");
  delete_cursor_cmd->add_option("--data", cursor_data)->capture_default_str();
  delete_cursor_cmd->add_option("--name", cursor_name, "The subscriber's name")->required();

  auto* bench_cmd = app.add_subcommand("bench", "Benchmarks");
  bench_cmd->require_subcommand(1);
  cb::app::LedgerBenchOptions bench;
  auto* ledger_cmd = bench_cmd->add_subcommand("ledger", "Ledger throughput through the executor");
  ledger_cmd->add_option("--data", bench.data_dir, "Data directory (must be empty)")->required();
  ledger_cmd->add_option("--accounts", bench.accounts)
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{2}, uint64_t{100'000'000}));
  ledger_cmd->add_option("--transfers", bench.transfers)
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{0}, uint64_t{1'000'000'000}));
  ledger_cmd->add_option("--batch", bench.batch)->capture_default_str()->check(CLI::Range(1, 8190));
  ledger_cmd->add_option("--durable", bench.durable)
      ->check(CLI::IsMember({"fdatasync", "none"}))
      ->capture_default_str();
  ledger_cmd->add_option("--hot-percent", bench.hot_percent)
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  ledger_cmd->add_option("--in-flight", bench.in_flight, "Requests outstanding at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  ledger_cmd->add_flag("--progress", bench.progress, "Print a line per durable batch");
  ledger_cmd->add_option("--seed", bench.seed)->capture_default_str();
  ledger_cmd
      ->add_option("--snapshot-interval-ms", bench.snapshot_interval_ms,
                   "Background snapshots during the run (0: off)")
      ->capture_default_str();

  cb::app::ScreeningBenchOptions screening_bench;
  auto* screening_bench_cmd = bench_cmd->add_subcommand(
      "screening",
      "Screen generated names (list names perturbed, and unlisted names) against the "
      "full sanctions lists; ends with 'screening bench: names=N entries=E p50_us=A "
      "p99_us=B'");
  screening_bench_cmd->add_option(
      "--lists", screening_bench.lists_dir,
      "Directory with ofac_sdn_2019-01/ (or sdn.csv, alt.csv, add.csv directly) and "
      "un/UN_consolidated.xml (or UN_consolidated.xml directly); default: the shared data's "
      "sanctions/");
  screening_bench_cmd->add_option("--names", screening_bench.names)
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{10'000'000}));
  screening_bench_cmd->add_option("--seed", screening_bench.seed)->capture_default_str();

  std::string recovery_dir;
  auto* recovery_cmd =
      bench_cmd->add_subcommand("recovery", "Time a restart: newest snapshot + journal tail");
  recovery_cmd->add_option("--data", recovery_dir)->required();

  std::string reconcile_url = "http://127.0.0.1:8080", reconcile_key, reconcile_file;
  auto* reconcile_cmd = app.add_subcommand(
      "reconcile", "Reconcile a camt.053 statement on a running server (root admin key)");
  reconcile_cmd->add_option("--url", reconcile_url, "The server")->capture_default_str();
  reconcile_cmd->add_option("--key", reconcile_key, "API key (default: $COREBANK_API_KEY)");
  reconcile_cmd->add_option("--file", reconcile_file, "The camt.053.001.08 XML")->required();
  auto* screen_cmd = app.add_subcommand("screen", "Sanctions/PEP name screening");
  screen_cmd->require_subcommand(1);
  auto* screen_pairs_cmd = screen_cmd->add_subcommand(
      "pairs",
      "Read lines 'nameA<TAB>nameB' on stdin, write one similarity score in [0,1] per line on "
      "stdout (the server's matcher, type-agnostic). A line without a tab, or longer than 8192 "
      "bytes: an error naming the line number on stderr and exit status 2");

  std::string snapshot_dir;
  auto* snapshot_cmd = app.add_subcommand("snapshot", "Recover, then write a snapshot now");
  snapshot_cmd->add_option("--data", snapshot_dir)->required();

  std::string replay_dir;
  std::optional<std::string> as_of;
  auto* replay_cmd = app.add_subcommand("replay", "Rebuild state from the journal (no snapshots)");
  replay_cmd->add_option("--data", replay_dir)->required();
  replay_cmd->add_option("--as-of", as_of, "RFC 3339 instant");

  std::string audit_dir;
  auto* audit_cmd = app.add_subcommand("audit", "Audit tools");
  audit_cmd->require_subcommand(1);
  auto* verify_cmd = audit_cmd->add_subcommand("verify", "Check every CRC and the hash chain");
  verify_cmd->add_option("--data", audit_dir)->required();

  uint64_t sim_seed = 1, sim_steps = 1000, sim_seeds = 1;
  auto* sim_cmd = app.add_subcommand("sim", "Deterministic simulation with fault injection");
  sim_cmd->add_option("--seed", sim_seed)->capture_default_str();
  sim_cmd->add_option("--steps", sim_steps)
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{100'000'000}));
  sim_cmd->add_option("--seeds", sim_seeds, "Run this many seeds from --seed on")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{10'000'000}));

  std::string lookup_dir, lookup_id;
  auto* routes_cmd = app.add_subcommand(
      "routes", "Print every /v1 route (method, pattern, service, scope, step-up) and scope");
  auto* lookup_cmd = app.add_subcommand("lookup-transfer", "Find a transfer by id (replays)");
  lookup_cmd->add_option("--data", lookup_dir)->required();
  lookup_cmd->add_option("--id", lookup_id, "Decimal transfer id")->required();
  uint64_t lookup_count = 1;
  lookup_cmd->add_option("--count", lookup_count, "Check ids id .. id+count-1 are all present")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1'000'000'000}));

  // policy: bundles of limits and Lua rules (docs/policy-bundles.md). One subcommand each;
  // the group grows (activate, dry-run) by adding a subcommand here and a branch below.
  auto* policy_cmd = app.add_subcommand("policy", "Risk policy bundles (limits and Lua rules)");
  policy_cmd->require_subcommand(1);
  std::string policy_test_bundle;
  auto* policy_test_cmd = policy_cmd->add_subcommand(
      "test",
      "Compile a bundle and run its test cases (exit 0 pass, 1 a case failed, 2 bad bundle)");
  policy_test_cmd->add_option("BUNDLE", policy_test_bundle, "Bundle folder")->required();

  std::string policy_activate_data = "./var", policy_activate_bundle;
  auto* policy_activate_cmd = policy_cmd->add_subcommand(
      "activate", "Make BUNDLE the active risk policy (server stopped; journaled)");
  policy_activate_cmd->add_option("--data", policy_activate_data)->capture_default_str();
  policy_activate_cmd->add_option("BUNDLE", policy_activate_bundle, "Bundle folder")->required();
  std::string policy_dry_data = "./var", policy_dry_bundle;
  bool policy_dry_replay = false;
  auto* policy_dry_cmd = policy_cmd->add_subcommand(
      "dry-run",
      "Evaluate BUNDLE over every recorded decision (or --replay: the recorded bundles)");
  policy_dry_cmd->add_option("--data", policy_dry_data)->capture_default_str();
  auto* o_dry_bundle = policy_dry_cmd->add_option("BUNDLE", policy_dry_bundle, "Bundle folder");
  policy_dry_cmd
      ->add_flag("--replay", policy_dry_replay,
                 "Each decision with the bundle that made it; exit 1 unless all reproduce")
      ->excludes(o_dry_bundle);
  std::string policy_bench_bundle = "policies/default";
  uint64_t policy_bench_decisions = 200'000, policy_bench_seed = 1;
  auto* policy_bench_cmd =
      bench_cmd->add_subcommand("policy", "One risk decision in process: p50/p99 and rate");
  policy_bench_cmd->add_option("--bundle", policy_bench_bundle)->capture_default_str();
  policy_bench_cmd->add_option("--decisions", policy_bench_decisions)
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{100'000'000}));
  policy_bench_cmd->add_option("--seed", policy_bench_seed)->capture_default_str();

  CLI11_PARSE(app, argc, argv);

  if (serve_cmd->parsed()) {
    cb::app::ServeConfig config;
    if (!serve_config_file.empty()) {
      if (cb::Status st = cb::app::LoadServeConfigFile(serve_config_file, &config); !st.ok()) {
        std::fprintf(stderr, "serve: %s\n", st.ToString().c_str());
        return 2;
      }
    }
    if (cb::Status st = cb::app::ApplyServeEnv(&config); !st.ok()) {
      std::fprintf(stderr, "serve: %s\n", st.ToString().c_str());
      return 2;
    }
    if (o_data->count()) config.data_dir = serve_flags.data_dir;
    if (o_listen->count()) config.listen = serve_flags.listen;
    if (o_durable->count()) config.durable = serve_flags.durable;
    if (o_snap->count()) config.snapshot_interval_s = serve_flags.snapshot_interval_s;
    if (o_io->count()) config.io_threads = serve_flags.io_threads;
    if (o_cert->count()) config.tls_cert_file = serve_flags.tls_cert_file;
    if (o_key->count()) config.tls_key_file = serve_flags.tls_key_file;
    if (o_log->count()) config.access_log = serve_flags.access_log;
    if (o_issuer->count()) config.issuer = serve_flags.issuer;
    if (o_scheme->count()) config.scheme_url = serve_flags.scheme_url;
    if (no_bootstrap) config.bootstrap = false;
    return cb::app::RunServe(config);
  }
  if (scheme_cmd->parsed()) return cb::scheme::RunScheme(scheme_options);
  if (reconcile_cmd->parsed()) {
    return cb::app::RunReconcile(reconcile_url, reconcile_key, reconcile_file);
  }
  if (create_key_cmd->parsed()) {
    return cb::app::RunCreateKey(key_data, key_tenant, key_role, key_name);
  }
  if (rotate_cmd->parsed()) return cb::app::RunRotateSigningKey(rotate_data);
  if (delete_cursor_cmd->parsed()) return cb::app::RunDeleteCursor(cursor_data, cursor_name);
  if (ledger_cmd->parsed()) return cb::app::RunLedgerBench(bench);
  if (recovery_cmd->parsed()) return cb::app::RunRecoveryBench(recovery_dir);
  if (screening_bench_cmd->parsed()) return cb::app::RunScreeningBench(screening_bench);
  if (screen_pairs_cmd->parsed()) return cb::app::RunScreenPairs();
  if (snapshot_cmd->parsed()) return cb::app::RunSnapshot(snapshot_dir);
  if (replay_cmd->parsed()) return cb::app::RunReplay(replay_dir, as_of);
  if (verify_cmd->parsed()) return cb::app::RunAuditVerify(audit_dir);
  if (sim_cmd->parsed()) return cb::app::RunSim(sim_seed, sim_steps, sim_seeds);
  if (routes_cmd->parsed()) {
    std::fputs(cb::api::DumpRoutes().c_str(), stdout);
    return 0;
  }
  if (policy_test_cmd->parsed()) return cb::app::RunPolicyTest(policy_test_bundle);
  if (policy_dry_cmd->parsed()) {
    if (!policy_dry_replay && policy_dry_bundle.empty()) {
      std::fprintf(stderr, "policy dry-run: give a BUNDLE folder or --replay\n");
      return 2;
    }
    return cb::app::RunPolicyDryRun(policy_dry_data, policy_dry_bundle, policy_dry_replay);
  }
  if (policy_activate_cmd->parsed()) {
    return cb::app::RunPolicyActivate(policy_activate_data, policy_activate_bundle);
  }
  if (policy_bench_cmd->parsed()) {
    return cb::app::RunPolicyBench(policy_bench_bundle, policy_bench_decisions, policy_bench_seed);
  }
  if (lookup_cmd->parsed()) return cb::app::RunLookupTransfer(lookup_dir, lookup_id, lookup_count);
  return 2;
}
