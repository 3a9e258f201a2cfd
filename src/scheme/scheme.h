#pragma once
// `corebank scheme`: a sandbox ISO 20022 clearing scheme in its own process
// (docs/payments/scheme.md). Scheme wires the durable engine (scheme_engine.h) to the
// project's HTTP server; RunScheme is the subcommand.
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"

namespace cb::scheme {

struct SchemeOptions {
  std::string listen = "127.0.0.1:8091";  // an IP literal and a port; port 0 picks a free one
  std::string data_dir;                   // required
  uint32_t delay_ms = 0;                  // receipt -> pacs.002 (and pacs.002 -> RETURN's pacs.004)
  uint32_t reject_permille = 0;           // 0..1000
  uint64_t seed = 1;
  std::string settlement_iban;  // "": kDefaultSettlementIban
  std::string currency = "EUR";
  int io_threads = 2;
};

// Our bank's settlement account at the scheme when --settlement-iban is not given: the bank's
// own sort code with account number 0, which no customer account has (platform/account_iban.h
// numbers them from 1).
inline constexpr char kDefaultSettlementIban[] = "GB31CBNK00000100000000";

class SchemeEngine;
class SchemeHttpHandler;

class Scheme {
 public:
  // Recovers the data directory and starts serving. InvalidArgument for bad options;
  // DataLoss for a log that is damaged beyond a torn tail. `report`: the recovery's line.
  static Result<std::unique_ptr<Scheme>> Start(const SchemeOptions& options, std::string* report);
  ~Scheme();
  Scheme(const Scheme&) = delete;
  Scheme& operator=(const Scheme&) = delete;

  uint16_t port() const;
  // Stops serving, publishes what is queued, joins every thread. Idempotent.
  void Stop();

 private:
  struct Parts;
  explicit Scheme(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// `corebank scheme ...`: runs until SIGINT or SIGTERM. Prints "scheme: listening on
// http://HOST:PORT (data DIR)" once ready. Exit 0 after a signal, 2 for bad options, 1 when
// the data directory cannot be recovered.
int RunScheme(const SchemeOptions& options);

}  // namespace cb::scheme
