#pragma once
// The scheme's state as its log defines it: the transfers it received and where each stands.
// Recovery and the live writer apply the same records through the same functions, so a
// restart rebuilds exactly the state the writer had. Owned by one thread (the writer).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "scheme/scheme_record.h"

namespace cb::scheme {

// A received credit transfer; its XML stays in the log.
struct TransferState {
  std::string message_id;
  std::string end_to_end_id;
  std::string tx_id;
  Hash256 body_sha256{};
  payments::iso::Amount amount;
  std::string remittance;
  Outcome outcome;
  bool answered = false;  // its pacs.002 is on the feed
  bool settled = false;   // ... and said ACSC
  bool returned = false;  // a pacs.004 returned it
};

class SchemeState {
 public:
  // DataLoss when a record does not follow the ones before (not first / a second Opened, a
  // feed sequence gap, a MsgId received twice, an answer to nothing): the log is not ours.
  Status ApplyOpened(const OpenedRecord& record);
  Status ApplyReceived(const ReceivedRecord& record);
  Status ApplyPublished(const PublishedRecord& record);

  bool opened() const { return !instance_id_.empty(); }
  const std::string& instance_id() const { return instance_id_; }
  uint64_t last_seq() const { return last_seq_; }
  // The newest stamp of any record: the writer never stamps below it (entries stay sorted).
  TimestampNs last_stamp_ns() const { return last_stamp_ns_; }
  // Received transfers and inbound credits so far (the inputs limit; a return needs a
  // settled transfer, so returns are bounded by them).
  uint64_t inputs() const { return inputs_; }

  const TransferState* FindTransfer(std::string_view message_id) const;
  // The first settled transfer (in order of receipt) with this EndToEndId that no pacs.004
  // returned; nullptr with *any_settled telling whether one was settled at all.
  const TransferState* FindReturnable(std::string_view end_to_end_id, bool* any_settled) const;
  // What a restart owes: transfers without their pacs.002 (NOANSWER aside), and RETURN
  // transfers settled but not returned. In order of receipt.
  void ForEachUnfinished(const std::function<void(const TransferState&)>& fn) const;

 private:
  std::string instance_id_;
  uint64_t last_seq_ = 0;
  TimestampNs last_stamp_ns_ = 0;
  uint64_t inputs_ = 0;
  std::unordered_map<std::string, TransferState> transfers_;
  // Into transfers_ (its nodes never move): order of receipt, so that nothing a reply or a
  // restart does depends on the hash order.
  std::vector<TransferState*> receipt_order_;
  std::unordered_map<std::string, std::vector<TransferState*>> by_end_to_end_id_;
};

}  // namespace cb::scheme
