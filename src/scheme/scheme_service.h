#pragma once
// What the scheme's HTTP routes (scheme_http.cc) ask of it, as typed commands and answers:
// JSON and XML bodies end at the routes. SchemeEngine (scheme_engine.h) is the one
// implementation; a test may put another behind the routes.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/sha256.h"
#include "base/status.h"
#include "base/time.h"
#include "payments/iso20022.h"

namespace cb::scheme {

// POST /v1/messages: a pacs.008 that passed the XSD.
struct TransferSubmission {
  payments::iso::CreditTransfer transfer;
  std::string xml;  // the bytes as received, kept in the log
  Hash256 body_sha256{};
  uint64_t received_steady_ns = 0;  // MonotonicNowNs() at receipt: --delay-ms counts from it
};
enum class SubmitResult : uint8_t { kAccepted, kDuplicate, kMessageIdReused };
struct SubmitAnswer {
  SubmitResult result = SubmitResult::kAccepted;
  std::string message_id;
  std::string end_to_end_id;  // the original's, for a duplicate
};

// POST /v1/sandbox/inbound_credits, decoded; IBANs in electronic form.
struct InboundCreditRequest {
  std::string iban;  // ours (platform/account_iban.h)
  int64_t amount_minor = 0;
  std::string debtor_name;
  std::string debtor_iban;
  std::string debtor_bic;     // optional
  std::string creditor_name;  // optional: "NOTPROVIDED" (the scheme does not know our names)
  std::string end_to_end_id;  // optional: the MsgId
  std::string remittance;     // optional
  uint32_t copies = 1;
};
struct CreditAnswer {
  std::string message_id;
  std::string end_to_end_id;
  uint64_t seq_first = 0;
};

// POST /v1/sandbox/returns, decoded.
struct ReturnRequest {
  std::string original_end_to_end_id;
  std::string reason_code;
};
struct ReturnAnswer {
  std::string message_id;  // the pacs.004's
  std::string original_message_id;
  uint64_t seq = 0;
};

struct FeedMessage {
  uint64_t seq = 0;
  payments::iso::MessageType type = payments::iso::MessageType::kPacs002;
  std::string xml;
};
struct FeedPage {
  std::vector<FeedMessage> messages;  // oldest first
  uint64_t last_seq = 0;              // the highest sequence published so far
};

class SchemeService {
 public:
  virtual ~SchemeService() = default;
  // Each `done` runs exactly once, on a scheme thread (or this one, for a refusal); it must
  // not block.
  virtual void SubmitTransfer(TransferSubmission submission,
                              std::function<void(Result<SubmitAnswer>)> done) = 0;
  virtual void InboundCredit(InboundCreditRequest request,
                             std::function<void(Result<CreditAnswer>)> done) = 0;
  virtual void SandboxReturn(ReturnRequest request,
                             std::function<void(Result<ReturnAnswer>)> done) = 0;
  // Messages with seq > after, at most `limit`; with none yet and wait_ms > 0, the first ones
  // published within wait_ms (an empty page when none is).
  virtual void ReadFeed(uint64_t after, uint32_t limit, uint32_t wait_ms,
                        std::function<void(Result<FeedPage>)> done) = 0;
  // camt.053 (kCamt053) or camt.054 (kCamt054) of the settlement account: the entries booked
  // in [from, to].
  virtual Result<std::string> StatementXml(payments::iso::MessageType type, TimestampNs from,
                                           TimestampNs to) = 0;
};

}  // namespace cb::scheme
