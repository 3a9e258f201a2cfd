#pragma once
// Deterministic simulation: the shard (ledger + journal + snapshots) runs on SimDisk with a
// simulated clock under a random workload (single, pending/post/void/timeouts, linked
// chains, FX via linked transfers, balancing, duplicates, invalid transfers, limit
// changes, close/reopen), with crashes at any point, torn and lost unsynced writes,
// fsync errors and corrupted snapshots. After every step it checks: debits = credits per
// ledger; no flagged limit breached; every acknowledged transfer survives recovery
// unchanged; recovery lands exactly on a batch boundary (nothing half-applied); replay
// reproduces the live state hash. The kernel runs along (ADR 0012): a service schedules,
// cancels and re-arms durable timers, and a subscriber's commits (some sent twice, as after
// a lost answer) note every firing; checked: every due timer fired in its batch, no timer
// fired twice, the notes are the firings' seqs in order without gap or repeat, and replay
// reproduces the services' and the kernel's state.
// The shard runs the real services `serve` runs (platform, identity, every registered module;
// app/platform_stack.h) under a seeded workload of their ops (sim/platform_workload.h) and
// the modules' real subscribers (sim/module_subscribers.h). Also checked: the money audit
// (per tenant and currency) after every step and recovery; a keyed request answers fresh
// once and is replayed identically after, never recorded twice; counters equal the model
// (increments once, reset timers once and on time); the counter module's subscriber counted
// every account opened once; after every crash, a from-scratch replay of the journal equals
// the recovered state (ledger and every service's snapshot bytes). Risk (issue 14): every
// movement the platform ran or held has its decision; cases resolve once (four-eyes, time-
// outs), a held transfer ends posted iff approved; every decision reproduces with the
// bundle that made it (a dry run in replay mode at the end). The same seed reproduces
// the same run (the summary ends with a digest of the final state).
#include <cstdint>
#include <string>

namespace cb::sim {

struct SimOptions {
  uint64_t seed = 1;
  uint64_t steps = 1000;
};

struct SimResult {
  bool ok = true;
  uint64_t failed_step = 0;
  std::string message;
  std::string summary;  // counts of what happened, for humans
};

SimResult RunSimulation(const SimOptions& options);

}  // namespace cb::sim
