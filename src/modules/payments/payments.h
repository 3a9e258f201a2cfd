#pragma once
// The payments orchestrator (issue 15, ADR 0019): one payment object and one status machine
// for every rail, over the platform's money port (kernel/money_port.h: the payer's checks,
// the risk decision, the ledger) in the payment's own batch. Every transition is a journal
// event with a reason; the payment's history is those events.
#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "api/route_table.h"
#include "base/sha256.h"
#include "kernel/decision_port.h"
#include "kernel/envelope.h"
#include "kernel/ids.h"
#include "kernel/money_port.h"
#include "kernel/screener.h"
#include "runtime/service.h"

namespace cb::modules::payments {

constexpr uint32_t kServiceId = 102;
constexpr uint16_t kEventTypeFirst = 1056;  // kyc has 1040..1055
constexpr uint16_t kEventTypeLast = 1087;
enum class EventType : uint16_t {
  kPaymentCreated = 1056,
  kPaymentStatusChanged = 1057,
  kPaymentMessage = 1058,
  kFeedAdvanced = 1059,
  kReceivedPaymentBooked = 1060,
  kReconciliationCompleted = 1061,
  kStandingOrderCreated = 1062,
  kStandingOrderChanged = 1063,
  kBatchCreated = 1064,
  kBatchProgressed = 1065,
  kScheduledPaymentRan = 1066,
  kFeeScheduleSet = 1067,
};
constexpr uint16_t kEventVersion = 1;

inline constexpr std::string_view kPaymentPrefix = "pay_";
inline constexpr std::string_view kReceivedPaymentPrefix = "rpy_";
inline constexpr std::string_view kReconciliationPrefix = "rec_";
inline constexpr std::string_view kReconExceptionPrefix = "rex_";
inline constexpr std::string_view kStandingOrderPrefix = "so_";
inline constexpr std::string_view kBatchPrefix = "pbt_";

// Limits (the edge answers a clear 400; the service and replay assert them).
constexpr size_t kNameBytesMax = 140;        // ISO 20022 Max140Text
constexpr size_t kReferenceBytesMax = 140;   // remittance information, unstructured
constexpr size_t kEndToEndIdBytesMax = 35;   // ISO 20022 Max35Text (ours: the SEPA set, ASCII)
constexpr size_t kIsoId35BytesMax = 4 * 35;  // another bank's Max35Text: 35 UTF-8 characters
constexpr size_t kAliasBytesMax = 320;       // an email address at most
constexpr size_t kHistoryMax = 16;           // transitions of one payment (the machine has fewer)
constexpr size_t kReasonBytesMax = 256;
constexpr size_t kListScanMax = 10000;  // payments one list page looks at before it answers
constexpr size_t kMessagesMax = 8;      // ISO 20022 messages kept per payment
constexpr size_t kMessageBytesMax = 64 * 1024;
// Routing of `rail: auto` (ADR 0019): SEPA Instant up to this many euro cents, then SEPA.
constexpr u128 kSepaInstantMaxMinor = 100'000'00;
constexpr u128 kFpsMaxMinor = 1'000'000'00;  // Faster Payments' limit, in pence

// Stored in events: append only.
enum class PaymentStatus : uint8_t {
  kCreated = 1,
  kRejected = 2,
  kHeld = 3,
  kFundsReserved = 4,
  kSubmitted = 5,
  kAccepted = 6,
  kSettled = 7,
  kReturned = 8,
  kFailed = 9,
  kCancelled = 10,
};
const char* StatusName(PaymentStatus s);
bool ParseStatus(std::string_view s, PaymentStatus* out);
bool IsFinal(PaymentStatus s);

enum class Rail : uint8_t { kInternal = 1, kSepaInstant = 2, kSepa = 3, kFps = 4, kSwift = 5 };
const char* RailName(Rail r);
bool ParseRail(std::string_view s, Rail* out);

enum class PayeeKind : uint8_t { kAccount = 1, kAlias = 2, kIban = 3, kUkAccount = 4 };
const char* PayeeKindName(PayeeKind k);

// Confirmation of payee, when the payer named an internal payee: stored in events.
enum class CopResult : uint8_t { kNone = 0, kMatch = 1, kCloseMatch = 2, kNoMatch = 3 };

struct Payee {
  PayeeKind kind = PayeeKind::kAccount;
  u128 account = 0;  // internal payees: resolved when created
  std::string alias;
  std::string name;  // as the payer gave it ("" if not)
  std::string iban, bic, sort_code, account_number;
  bool internal() const { return kind == PayeeKind::kAccount || kind == PayeeKind::kAlias; }
};

enum class Direction : uint8_t { kOutbound = 1, kInbound = 2 };

struct Message {
  std::string type;  // "pacs.008.001.08", ...
  Direction direction = Direction::kOutbound;
  TimestampNs at = 0;
  std::string xml;
};

struct Transition {
  PaymentStatus status = PaymentStatus::kCreated;
  TimestampNs at = 0;
  std::string reason_code;  // "" for the expected next step
  std::string reason;
  TimestampNs deadline = 0;  // `accepted`: no answer by then fails the payment
};

struct Payment {
  u128 id = 0, tenant = 0;
  u128 from_account = 0, from_customer = 0;
  Payee to;
  u128 amount_minor = 0;
  std::string currency;
  Rail rail = Rail::kInternal;
  std::string reference, end_to_end_id;
  u128 transfer = 0;  // the ledger transfer moving (or reserving) the money
  u128 decision = 0;  // the risk decision on it, 0 if none
  std::vector<std::string> decision_reasons;
  CopResult cop = CopResult::kNone;
  std::string cop_name;  // the holder's name, shown for a close match only
  PaymentStatus status = PaymentStatus::kCreated;
  std::vector<Transition> history;
  std::vector<Message> messages;  // oldest first
  TimestampNs created = 0;
  uint32_t order = 0;  // position in the tenant's list
  // `scheduled_for` (0: none). While it waits the payment is `created` and nothing moved;
  // its timer then pays it as `creator` (the caller who scheduled it).
  TimestampNs scheduled_for = 0;
  kernel::Principal creator;
  // The tenant's fee for the rail (0: none), reserved with the payment in a linked transfer
  // (FeeTransferOf) to fee_account: posted when it settles, voided when it does not; a
  // return credits back the amount only (the rail was used).
  u128 fee_minor = 0, fee_account = 0;
  bool waiting() const { return status == PaymentStatus::kCreated && scheduled_for != 0; }
};

// Fees (payments_fees.cc): per tenant, rail and currency, replaced whole by the tenant.
constexpr size_t kFeeRulesMax = 32;
struct FeeRule {
  Rail rail = Rail::kSepa;
  std::string currency;
  u128 amount_minor = 0;
  u128 account = 0;  // the tenant's own customer account the fees go to
};
struct FeeSchedule {
  std::vector<FeeRule> rules;
  TimestampNs updated = 0;
};
inline u128 FeeTransferOf(u128 payment) { return kernel::DerivedId(payment, 'F'); }

// Money another bank sent to one of our accounts (an inbound pacs.008), booked once.
struct ReceivedPayment {
  u128 id = 0, tenant = 0, account = 0, customer = 0;
  u128 amount_minor = 0;
  std::string currency;
  std::string debtor_name, debtor_iban, debtor_bic;
  std::string end_to_end_id, message_id, reference;
  std::string dedup_key;  // DedupKey: booked once per key
  u128 transfer = 0;
  TimestampNs created = 0;
};
// A MsgId is unique per sending bank only: the key of an inbound message is both.
inline std::string DedupKey(std::string_view debtor_bic, std::string_view message_id) {
  return std::string(debtor_bic) + "/" + std::string(message_id);
}

// Reconciliation (payments_reconcile.cc): a camt.053 of the bank's settlement account at
// the scheme, matched entry by entry (end-to-end id, amount, direction) against settled
// payments and received payments.
enum class ReconExceptionType : uint8_t {
  kMissingEntry = 1,    // settled here, absent from the statement
  kAmountMismatch = 2,  // on both, amounts differ
  kUnknownEntry = 3,    // on the statement, nothing here
  kStatusMismatch = 4,  // on the statement as settled, here rejected, failed or pending
};
const char* ReconExceptionName(ReconExceptionType t);
bool ParseReconException(std::string_view s, ReconExceptionType* out);
constexpr size_t kReconExceptionsMax = 10'000;   // recorded per reconciliation (all counted)
constexpr size_t kReconciliationsMax = 10'000;   // kept; the oldest are forgotten
constexpr size_t kStatementBytesMax = 4u << 20;  // a camt.053 posted for reconciliation

struct ReconItem {
  ReconExceptionType type = ReconExceptionType::kUnknownEntry;
  std::string end_to_end_id;
  u128 amount_minor = 0;
  bool credit = false;
  u128 object = 0;  // a payment (pay_) for debits, a received payment (rpy_) for credits
  std::string detail;
};

struct Reconciliation {
  u128 id = 0;
  std::string statement_id, account_iban, currency;
  TimestampNs from = 0, to = 0, created = 0;
  uint32_t entries = 0, matched = 0, exceptions_total = 0;
  std::vector<ReconItem> exceptions;
  // Derived, not journaled: the bank-wide list position of exceptions[0] (positions grow
  // in recording order and are never reused, so a cursor outlives forgotten reconciliations).
  uint64_t position_first = 0;
};
// Exception `index` of a reconciliation: its id is fixed by both (replay makes the same).
u128 ReconExceptionId(u128 reconciliation, uint32_t index);
// The alert for the risk core (kernel::ReconciliationAlert) lists this many exception ids.
constexpr size_t kReconAlertExceptionsMax = kernel::ReconciliationAlert::kEntriesMax;

// Scheduled and recurring payments (payments_schedule.cc): each occurrence is a payment made
// by a durable timer, exactly once (its id derives from the order's and the occurrence's).
enum class Frequency : uint8_t { kOnce = 1, kDaily = 2, kWeekly = 3, kMonthly = 4 };
enum class OrderStatus : uint8_t { kActive = 1, kPaused = 2, kCancelled = 3, kCompleted = 4 };
const char* FrequencyName(Frequency f);
bool ParseFrequency(std::string_view s, Frequency* out);
const char* OrderStatusName(OrderStatus s);
constexpr uint32_t kOccurrencesMax = 100'000;  // count at most; an order ends by then
constexpr TimestampNs kScheduleHorizonNs = 366ull * 86400 * 1'000'000'000;  // first run within
// Scheduled payments one tenant may have waiting: the durable timers are shared by every
// tenant (TimerTable::kTimersPerServiceMax), so one cannot take them all.
constexpr uint32_t kScheduledWaitingPerTenantMax = 10'000;

struct StandingOrder {
  u128 id = 0, tenant = 0, customer = 0;
  kernel::Principal creator;  // its occurrences pay as this caller
  u128 from_account = 0;
  Payee to;
  u128 amount_minor = 0;
  std::string currency;
  Rail rail = Rail::kInternal;
  std::string reference;
  Frequency frequency = Frequency::kOnce;
  TimestampNs start = 0;
  uint32_t day_of_month = 0;
  TimestampNs end = 0;     // 0: none
  uint32_t count_max = 0;  // 0: none
  OrderStatus status = OrderStatus::kActive;
  uint32_t runs = 0;
  u128 last_payment = 0;
  TimestampNs created = 0, updated = 0;
};
// When occurrence `n` (from 0) of `o` is due; 0 when there is none (past its count or end).
TimestampNs OccurrenceAt(const StandingOrder& o, uint32_t n);

// --- Ops (decoded and shape-checked at the edge: payments_routes.cc) ------------------------

struct CreatePaymentOp {
  u128 id = 0;  // made at the edge
  u128 from_account = 0;
  Payee to;
  u128 amount_minor = 0;
  std::string currency;
  std::optional<Rail> rail;  // nullopt: "auto"
  std::string reference, end_to_end_id;
  TimestampNs scheduled_for = 0;  // 0: now
};
struct GetPaymentOp {
  u128 id = 0;
};
struct ListPaymentsOp {
  u128 account = 0;  // 0: every account
  std::optional<PaymentStatus> status;
  TimestampNs from = 0, to = UINT64_MAX;
  uint32_t limit = 10;
  uint32_t before = UINT32_MAX;  // cursor: list positions below this (newest first)
};
struct CancelPaymentOp {
  u128 id = 0;
};
struct GetMessagesOp {
  u128 id = 0;
};
struct CreateStandingOrderOp {
  u128 id = 0;              // made at the edge
  CreatePaymentOp payment;  // what each occurrence pays (its id unused)
  Frequency frequency = Frequency::kOnce;
  TimestampNs start = 0;
  uint32_t day_of_month = 0;  // 0: the start's day
  TimestampNs end = 0;
  uint32_t count_max = 0;
};
enum class OrderAction : uint8_t { kPause = 1, kResume = 2, kCancel = 3 };
struct StandingOrderActionOp {
  u128 id = 0;
  OrderAction action = OrderAction::kPause;
};
struct GetStandingOrderOp {
  u128 id = 0;
};
struct ListStandingOrdersOp {
  uint32_t limit = 10;
  uint32_t before = UINT32_MAX;
};
// Bulk payouts (payments_batch.cc): rows checked at the edge, valid ones made into payments
// by the writer a slice per batch (RunDue), each with an id fixed by the batch and its index.
constexpr size_t kBatchItemsMax = 10'000;
constexpr size_t kBatchItemsPerRun = 512;  // payments a writer batch makes for bulk payouts
struct BatchRow {
  uint32_t index = 0, line = 0;
  CreatePaymentOp payment;                             // id unused; from_account the batch's
  std::string error_code, error_field, error_message;  // set: refused
  bool refused_when_made = false;  // valid at the edge; the platform refused its payment
};
struct PaymentBatch {
  u128 id = 0, tenant = 0, customer = 0;
  kernel::Principal creator;
  u128 from_account = 0;
  std::string source;
  std::vector<BatchRow> rows;
  uint32_t next = 0;  // rows below it were worked
  TimestampNs created = 0;
};
u128 BatchPaymentId(u128 batch, uint32_t index);

struct CreateBatchOp {
  u128 id = 0;
  u128 from_account = 0;
  std::string source;
  std::vector<BatchRow> rows;
};
struct GetBatchOp {
  u128 id = 0;
};
struct ReconcileOp {
  u128 id = 0;  // made at the edge
  std::string camt053;
};
struct GetReconciliationOp {
  u128 id = 0;
};
// GET /v1/reconciliation_exceptions: bank-wide, newest first.
struct ListReconExceptionsOp {
  u128 reconciliation = 0;  // 0: every reconciliation kept
  std::optional<ReconExceptionType> type;
  uint32_t limit = 10;
  uint64_t before = UINT64_MAX;  // cursor: list positions below this
};
struct GetReconExceptionOp {
  u128 id = 0;
};
struct GetReceivedOp {
  u128 id = 0;
};
struct ListReceivedOp {
  u128 account = 0;  // 0: every account
  uint32_t limit = 10;
  uint32_t before = UINT32_MAX;  // cursor: list positions below this (newest first)
};
struct GetFeesOp {};
struct SetFeesOp {
  std::vector<FeeRule> rules;  // shape-checked at the edge (unique rail+currency, amounts > 0)
};
// From the outbox subscriber, never a route: the scheme has our message (a 2xx).
struct SchemeDeliveredOp {
  u128 id = 0;
};
// From the outbox subscriber, never a route: the scheme refused our message for good.
struct SchemeRefusedOp {
  u128 id = 0;
  std::string reason;
};
// From the feed poller, never a route: one message of the scheme's feed, in feed order.
struct FeedMessageOp {
  uint64_t seq = 0;
  std::string message_type;
  std::string xml;
};
// From the feed poller: a page of the feed, booked in order in one command. Booked only
// when the feed has been booked up to `read_after` (where the page was read from; 409 and
// nothing booked otherwise): the poller sends a page before the last one's answer, and one
// that failed must not be skipped by the next.
struct FeedPageOp {
  std::vector<FeedMessageOp> messages;
  // When the page was asked for (our clock) if it holds everything the scheme had then (not
  // a full page); 0 otherwise. Sent even for an empty page: it is how a deadline passes.
  TimestampNs read_through_ns = 0;
  std::optional<uint64_t> read_after;  // unset: no check
};
// From the feed poller: where the feed was read up to (answer body: the number).
struct FeedCursorOp {};

struct PaymentOp final : runtime::ServiceOp {
  kernel::Principal caller;
  std::string trace_id;
  std::string idempotency_key;
  Hash256 request_sha256{};
  std::variant<CreatePaymentOp, GetPaymentOp, ListPaymentsOp, CancelPaymentOp, GetMessagesOp,
               GetReceivedOp, ListReceivedOp, ReconcileOp, GetReconciliationOp,
               ListReconExceptionsOp, GetReconExceptionOp, CreateStandingOrderOp,
               StandingOrderActionOp, GetStandingOrderOp, ListStandingOrdersOp, CreateBatchOp,
               GetBatchOp, SchemeDeliveredOp, SchemeRefusedOp, FeedMessageOp, FeedPageOp,
               FeedCursorOp, GetFeesOp, SetFeesOp>
      body;
  uint32_t service_id() const override { return kServiceId; }
  size_t item_count() const override {
    const auto* page = std::get_if<FeedPageOp>(&body);
    return page != nullptr ? std::max<size_t>(1, page->messages.size()) : 1;
  }
};

std::span<const api::RouteSpec> Routes();  // payments_routes.cc
// The payment's JSON (payments_render.cc): every field, null when not set.
std::string RenderPayment(const Payment& p);
std::string RenderMessages(const Payment& p);  // GET /v1/payments/{id}/messages
std::string RenderReceived(const ReceivedPayment& r);
std::string RenderReconciliation(const Reconciliation& r);
// Exception `index` of `r`; `booked_minor` is what we booked for it (nullopt: nothing).
std::string RenderReconException(const Reconciliation& r, uint32_t index,
                                 std::optional<u128> booked_minor);
std::string RenderStandingOrder(const StandingOrder& o);
std::string RenderFees(const FeeSchedule& f);
// A batch with each row's status (the payment's now) and a summary by status.
std::string RenderBatch(const PaymentBatch& b,
                        const std::unordered_map<u128, Payment, kernel::U128Hash>& payments);
// Our pacs.008's MsgId for a payment ("CB" and its id's 26 characters), and back.
std::string MessageIdOf(u128 payment);
u128 PaymentOfMessageId(std::string_view message_id);  // 0: not one of ours

struct PaymentsConfig {
  std::string scheme_url;  // "": no scheme; external payments answer 422 rail_unavailable
  uint64_t answer_timeout_ms = 60'000;  // a submitted payment without an answer fails then
};

class PaymentsService final : public runtime::Service, public kernel::HoldObserver {
 public:
  // `risk` takes the reconciliations' alerts (kernel::ReconciliationAlert); `screener` (may
  // be null: no screening) checks external payees against the sanctions lists the risk
  // service loaded.
  PaymentsService(kernel::EnvelopeRunner* envelope, kernel::MoneyPort* money,
                  kernel::DecisionPort* risk, PaymentsConfig config = {},
                  const kernel::Screener* screener = nullptr);

  void Execute(const runtime::ServiceOp& op, runtime::ServiceContext& ctx,
               runtime::Reply* reply) override;
  Status ApplyEvent(const journal::EventView& event, uint64_t seq,
                    TimestampNs record_timestamp) override;
  void Clear() override;
  std::string CaptureSnapshot() const override;
  Status LoadSnapshot(std::string_view bytes) override;
  // kernel::HoldObserver: a payment's held transfer was approved, rejected or timed out.
  void OnHoldResolved(u128 held_transfer, bool approved, runtime::ServiceContext& ctx) override;
  bool HasTimers() const override { return true; }
  // A submitted payment's answer deadline (payments_external.cc).
  void OnTimer(const runtime::Timer& timer, runtime::ServiceContext& ctx) override;
  // Fails submitted payments past their answer deadline, then works bulk payouts through,
  // kBatchItemsPerRun payments a batch (payments_batch.cc).
  void RunDue(runtime::ServiceContext& ctx) override;
  std::optional<TimestampNs> NextDue() const override;

  const Payment* Find(u128 id) const;  // writer thread (tests)
  const ReceivedPayment* FindReceived(u128 id) const;
  const PaymentsConfig& config() const { return config_; }

 private:
  kernel::Answer Create(const PaymentOp& op, const CreatePaymentOp& c,
                        runtime::ServiceContext& ctx);
  kernel::Answer Cancel(const PaymentOp& op, const CancelPaymentOp& c,
                        runtime::ServiceContext& ctx);
  // The payer's account of something paid later (a scheduled payment, a standing order):
  // the tenant's, open, in `currency`; the error to answer, or nullopt and *payer.
  std::optional<kernel::Answer> CheckPayerLater(const PaymentOp& op, u128 from_account,
                                                std::string_view currency,
                                                const runtime::ServiceContext& ctx,
                                                kernel::PayeeInfo* payer) const;
  // A payment scheduled for later: checked and recorded now, its timer armed.
  kernel::Answer Schedule(const PaymentOp& op, Payment p, runtime::ServiceContext& ctx);
  // Moves the money of a payment just created (or fallen due) as `caller`.
  kernel::MoveResult MoveMoney(const Payment& p, const kernel::Principal& caller,
                               std::string_view trace_id, runtime::ServiceContext& ctx);
  // The payment's first transition after its money moved, was held or refused; the answer's
  // HTTP status (201, or 202 when held).
  uint16_t AdvanceAfterMove(Payment& p, const kernel::MoveResult& r, runtime::ServiceContext& ctx);
  // Whether an external payee may not be paid: its name matches a sanctions list entry at
  // the block threshold (false when no lists are loaded).
  bool SanctionsMatch(const Payment& p) const;
  // A scheduled payment's timer fired: its money moves now (payments_create.cc).
  void RunScheduled(Payment& p, runtime::ServiceContext& ctx);
  Status ApplyScheduledRan(u128 id, u128 decision, std::vector<std::string> reasons);
  kernel::Answer List(const PaymentOp& op, const ListPaymentsOp& l) const;
  // The payment as the caller may see it: its tenant's, and a delegated token's own.
  const Payment* Visible(const PaymentOp& op, u128 id) const;
  // Journals and applies a transition.
  void Advance(Payment& p, PaymentStatus to, std::string_view reason_code, std::string_view reason,
               runtime::ServiceContext& ctx, TimestampNs deadline = 0);
  void Insert(Payment p);
  // Journals `p` as created and keeps it; the kept payment.
  Payment& RecordCreated(Payment p, runtime::ServiceContext& ctx);
  Status ApplyTransition(u128 id, const payments::Transition& t);
  Status ApplyMessage(u128 id, Message m);

  // payments_external.cc: the rails outside the bank.
  // Why an external payment cannot be made here (no scheme, no IBAN to pay from, too large
  // for the messages), or nullopt.
  std::optional<kernel::Answer> RefuseExternal(const PaymentOp& op, const CreatePaymentOp& c,
                                               const runtime::ServiceContext& ctx) const;
  // funds_reserved -> submitted: builds and checks the pacs.008, records it for the outbox,
  // and sets the answer deadline; a message that fails its XSD fails the payment instead.
  void Submit(Payment& p, runtime::ServiceContext& ctx);
  // Journals and applies a message of the payment.
  void Record(Payment& p, std::string_view type, Direction direction, std::string xml,
              runtime::ServiceContext& ctx);
  // Ends the reservation (post or void) and moves the payment; false if the ledger refused.
  void Finish(Payment& p, bool post, PaymentStatus to, std::string_view reason_code,
              std::string_view reason, runtime::ServiceContext& ctx);
  kernel::Answer OnFeedMessage(const FeedMessageOp& m, runtime::ServiceContext& ctx);
  // An inbound pacs.008: booked to the IBAN's account once per MsgId; "booked", "duplicate"
  // or why it was not (an IBAN not ours, a closed account, another currency).
  std::string BookInbound(const std::string& xml, runtime::ServiceContext& ctx);
  void InsertReceived(ReceivedPayment r);
  kernel::Answer ListReceived(const PaymentOp& op, const ListReceivedOp& l) const;
  kernel::Answer Reconcile(const PaymentOp& op, const ReconcileOp& r, runtime::ServiceContext& ctx);
  // payments_reconcile.cc: the exceptions across reconciliations (root admins).
  kernel::Answer ListReconExceptions(const PaymentOp& op, const ListReconExceptionsOp& l) const;
  kernel::Answer GetReconException(const PaymentOp& op, const GetReconExceptionOp& g) const;
  std::string RenderException(const Reconciliation& r, uint32_t index) const;
  // Raises the reconciliation's alert for the risk core (to `tenant`, the root), in this batch.
  void RaiseAlert(const Reconciliation& r, u128 tenant, runtime::ServiceContext& ctx);
  // payments_schedule.cc
  kernel::Answer CreateOrder(const PaymentOp& op, const CreateStandingOrderOp& c,
                             runtime::ServiceContext& ctx);
  kernel::Answer ActOnOrder(const PaymentOp& op, const StandingOrderActionOp& a,
                            runtime::ServiceContext& ctx);
  kernel::Answer ListOrders(const PaymentOp& op, const ListStandingOrdersOp& l) const;
  kernel::Answer CreateBatch(const PaymentOp& op, const CreateBatchOp& c,
                             runtime::ServiceContext& ctx);
  void InsertBatch(PaymentBatch b);
  const StandingOrder* VisibleOrder(const PaymentOp& op, u128 id) const;
  // Journals the order's new status/runs and (re)arms or drops its timer.
  void ChangeOrder(StandingOrder& o, runtime::ServiceContext& ctx);
  void RunOccurrence(StandingOrder& o, runtime::ServiceContext& ctx);
  Status ApplyOrderChanged(u128 id, OrderStatus status, uint32_t runs, u128 last_payment,
                           TimestampNs at);
  Status ApplyReconciliation(Reconciliation r);
  kernel::Answer OnSchemeRefused(const SchemeRefusedOp& r, runtime::ServiceContext& ctx);
  kernel::Answer OnSchemeDelivered(const SchemeDeliveredOp& d, runtime::ServiceContext& ctx);
  void AdvanceFeed(uint64_t seq, runtime::ServiceContext& ctx);
  // The feed was read through `at`: journaled (and overdue payments failed) only when an
  // answer deadline has passed by then.
  void MarkFeedRead(TimestampNs at, runtime::ServiceContext& ctx);
  Status ApplyFeedAdvanced(uint64_t seq, TimestampNs read_through);
  // payments_fees.cc
  kernel::Answer SetFees(const PaymentOp& op, const SetFeesOp& s, runtime::ServiceContext& ctx);
  kernel::Answer GetFees(const PaymentOp& op) const;
  Status ApplyFees(u128 tenant, FeeSchedule f);
  // The fee rule for an external payment of `p` (its tenant, rail, currency), or null.
  const FeeRule* FeeFor(const Payment& p) const;
  // Ends the fee reservation of `p` with the payment's (no-op without a fee).
  void FinishFee(const Payment& p, bool post, runtime::ServiceContext& ctx);
  void FailOverdue(runtime::ServiceContext& ctx);

  kernel::EnvelopeRunner* envelope_;
  kernel::MoneyPort* money_;
  kernel::DecisionPort* risk_;
  PaymentsConfig config_;
  const kernel::Screener* screener_;
  uint64_t feed_seq_ = 0;  // the scheme's feed, read up to here
  // ... and read through this time (ours): a deadline before it passed without an answer.
  TimestampNs feed_read_through_ = 0;
  std::unordered_map<u128, ReceivedPayment, kernel::U128Hash> received_;
  std::unordered_map<std::string, u128> received_by_message_;  // DedupKey -> id
  std::map<u128, std::vector<u128>> received_by_tenant_;       // booking order
  std::map<u128, Reconciliation> reconciliations_;             // at most kReconciliationsMax
  std::vector<u128> reconciliation_order_;
  // Derived from reconciliations_: every kept exception as (reconciliation, index) by list
  // position (the front is position exceptions_forgotten_), and by id.
  std::deque<std::pair<u128, uint32_t>> exception_positions_;
  uint64_t exceptions_forgotten_ = 0;
  std::unordered_map<u128, std::pair<u128, uint32_t>, kernel::U128Hash> exceptions_by_id_;
  // Bank-wide, for reconciliation: external payments and received payments in creation
  // order, and by end-to-end id.
  std::vector<u128> external_order_, received_order_;
  std::unordered_map<u128, StandingOrder, kernel::U128Hash> orders_;
  std::map<u128, std::vector<u128>> orders_by_tenant_;
  std::unordered_map<u128, PaymentBatch, kernel::U128Hash> batches_;
  std::vector<u128> batch_order_;   // creation order (snapshots)
  std::vector<u128> batches_open_;  // with rows still to work, oldest first
  // Accepted payments (the scheme has the message) by their journaled answer deadline.
  std::set<std::pair<TimestampNs, u128>> deadlines_;
  std::unordered_multimap<std::string, u128> external_by_e2e_, received_by_e2e_;
  // Snapshots walk by_tenant_ (creation order), so the payments' own map need not be ordered.
  std::unordered_map<u128, Payment, kernel::U128Hash> payments_;
  std::unordered_map<u128, u128, kernel::U128Hash> by_transfer_;
  std::map<u128, std::vector<u128>> by_tenant_;                             // creation order
  std::map<u128, FeeSchedule> fees_;                                        // by tenant
  std::unordered_map<u128, uint32_t, kernel::U128Hash> scheduled_waiting_;  // by tenant
};

}  // namespace cb::modules::payments
