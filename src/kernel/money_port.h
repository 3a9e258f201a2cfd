#pragma once
// What a module that moves customers' money (the payments orchestrator, issue 15) may ask of
// the platform, which owns accounts, aliases and the transfer path: resolve a payee, and
// move money exactly as POST /v1/transfers does (the payer's consent, account and customer
// checks, the risk decision, the ledger), in the caller's batch, so the module's own events
// and the money commit or fail as a unit. The module never writes the ledger itself.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/errors.h"
#include "kernel/ids.h"
#include "kernel/principal.h"
#include "runtime/service.h"

namespace cb::kernel {

// A customer-facing account of the tenant (never an internal one), as a payer sees it.
struct PayeeInfo {
  u128 tenant = 0;
  u128 account = 0;
  u128 customer = 0;        // 0: the account has no customer
  std::string holder_name;  // the customer's name ("" without one): confirmation of payee
  std::string currency;     // ISO 4217
  uint64_t number = 0;      // bank-wide account number (its IBAN's), 0 for none
  bool closed = false;
  bool frozen = false;
};

struct MoveRequest {
  const Principal* caller = nullptr;  // whose consent and role the payer is checked against
  std::string_view trace_id;
  u128 transfer = 0;  // the ledger transfer's id (fresh; the module derives it)
  u128 from_account = 0, to_account = 0;
  u128 amount_minor = 0;
  std::string_view currency;               // the amount's currency, checked against both accounts
  std::string_view description;            // annotated on the transfer (shown in its history)
  std::string_view operation = "payment";  // what the risk policy sees as `operation`
  // An outbound payment: reserve the amount as a pending transfer to the tenant's clearing
  // (settlement) account in the currency (`to_account` is ignored) until FinishReservation.
  // A hold only waits for its case: approval leaves the reservation in place.
  bool to_clearing = false;
  // A fee on an outbound payment (to_clearing only): `fee_minor` from the payer to
  // `fee_account` (a customer account of the same tenant and currency: the tenant's fee
  // income) as transfer `fee_transfer`, reserved like the payment and linked with it in the
  // ledger, so both are made or neither. FinishReservation ends it. 0: no fee.
  u128 fee_transfer = 0, fee_account = 0, fee_minor = 0;
};

// Money arriving from a rail (an inbound credit, a return): clearing -> `account`.
struct CreditRequest {
  TenantId tenant;
  u128 transfer = 0;  // fresh; the module derives it
  u128 account = 0;
  u128 amount_minor = 0;
  std::string_view currency;
  std::string_view description;
};

enum class MoveOutcome : uint8_t {
  kExecuted = 1,  // the ledger posted it
  kHeld = 2,      // reserved as a pending transfer under a risk case (HoldObserver tells the end)
  kRefused = 3,   // the risk policy denied it, or asked for a step-up: nothing moved
  kFailed = 4,    // allowed, but the ledger refused it (funds, limits): nothing moved
  kInvalid = 5,   // the request itself is wrong (accounts, currency, consent): nothing decided
};

struct MoveResult {
  MoveOutcome outcome = MoveOutcome::kInvalid;
  // kInvalid and kRefused: the error the platform would answer for a transfer (its code,
  // message and field; a refusal carries the decision and its reasons). kFailed: the ledger's.
  Answer error;
  std::string code;        // kRefused / kFailed: "risk_denied", "insufficient_user_authentication",
                           // "insufficient_funds", ...
  std::string message;     // for the payment's history
  bool step_up = false;    // kRefused for want of a second factor
  u128 decision = 0;       // 0 when no decision was made
  u128 from_customer = 0;  // the payer account's customer (0: none, or kInvalid)
  std::vector<std::string> reasons;  // the decision's reasons
};

class MoneyPort {
 public:
  virtual ~MoneyPort() = default;
  // The payee named by `account` or, when `alias` is not empty, by its alias (phone/email),
  // in `tenant`; nullopt when there is none, it is another tenant's, or it is internal.
  // Writer thread.
  virtual std::optional<PayeeInfo> ResolvePayee(TenantId tenant, u128 account,
                                                std::string_view alias,
                                                const runtime::ServiceContext& ctx) const = 0;
  // Moves `r.amount_minor` from the payer to the payee as one decided transfer, emitting the
  // ledger's, the platform's and the risk core's events into ctx.out. Writer thread.
  virtual MoveResult Move(const MoveRequest& r, runtime::ServiceContext& ctx) = 0;
  // Posts (`post`: the rail settled it) or voids (rejected, failed, cancelled) a reservation
  // Move made with to_clearing. FailedPrecondition when it is not pending any more.
  virtual Status FinishReservation(TenantId tenant, u128 transfer, bool post,
                                   runtime::ServiceContext& ctx) = 0;
  // Books `r` in the caller's batch, annotated as a rail transfer. NotFound for an account
  // that is not the tenant's customer account, FailedPrecondition for a closed one or another
  // currency. No risk decision: the money has already arrived at the bank.
  virtual Status CreditFromRail(const CreditRequest& r, runtime::ServiceContext& ctx) = 0;
  // The customer account with this IBAN (electronic form), of any tenant: a rail names only
  // the IBAN. Writer thread.
  virtual std::optional<PayeeInfo> AccountByIban(std::string_view iban,
                                                 const runtime::ServiceContext& ctx) const = 0;
};

}  // namespace cb::kernel
