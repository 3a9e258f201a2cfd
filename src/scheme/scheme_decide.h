#pragma once
// The writer's decisions: (state, command, now) -> the record to write, or an answer without
// one. Pure: ids come from the state's feed sequence and instance id, time from `now`,
// randomness from the seed (scheme_rules.h); the writer applies each record to the state
// before deciding the next command, so a batch decides exactly as one command at a time.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "scheme/scheme_rules.h"
#include "scheme/scheme_service.h"
#include "scheme/scheme_state.h"

namespace cb::scheme {

struct SchemeConfig {
  RuleOptions rules;            // rules.currency: the settlement account's currency
  uint8_t exponent = 2;         // its ISO 4217 minor-unit digits
  std::string settlement_iban;  // electronic form
  uint32_t delay_ms = 0;
};

// What the scheme puts in an agent or name it does not know (the EPC convention).
inline constexpr std::string_view kNotProvided = "NOTPROVIDED";

struct ReceiveDecision {
  std::optional<ReceivedRecord> record;  // set for a new MsgId
  SubmitAnswer answer;
};
ReceiveDecision DecideReceive(const SchemeState& state, const SchemeConfig& config,
                              const TransferSubmission& submission, TimestampNs now);

// The pacs.002 a received transfer is owed; nullopt when none is (answered already, NOANSWER,
// unknown). An error: its answer could not be built (logged; never retried).
Result<std::optional<PublishedRecord>> DecideAnswer(const SchemeState& state,
                                                    const SchemeConfig& config,
                                                    std::string_view message_id, TimestampNs now);
// The pacs.004 of a settled RETURN transfer; nullopt when returned already (or not owed).
Result<std::optional<PublishedRecord>> DecideAutoReturn(const SchemeState& state,
                                                        const SchemeConfig& config,
                                                        std::string_view message_id,
                                                        TimestampNs now);
// InvalidArgument: a field the pacs.008 builder refuses, or an IBAN not of our bank.
Result<PublishedRecord> DecideInboundCredit(const SchemeState& state, const SchemeConfig& config,
                                            const InboundCreditRequest& request, TimestampNs now);
// NotFound: no settled transfer has that EndToEndId; AlreadyExists: each such was returned.
Result<PublishedRecord> DecideSandboxReturn(const SchemeState& state, const SchemeConfig& config,
                                            const ReturnRequest& request, TimestampNs now);

}  // namespace cb::scheme
