#pragma once
// The scheme's core (SchemeService): one writer thread owns the state and the log. Commands
// (from the routes, and from the timer for delayed answers) queue up; the writer takes what
// has queued, decides each (scheme_decide.h), writes their records as one group with one
// fdatasync, and only then publishes to the feed and answers. Concurrent requests share a
// sync (group commit).
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "journal/disk.h"
#include "scheme/scheme_decide.h"
#include "scheme/scheme_feed.h"
#include "scheme/scheme_service.h"
#include "scheme/scheme_state.h"
#include "scheme/scheme_store.h"
#include "scheme/scheme_timer.h"

namespace cb::scheme {

struct EngineLimits {
  // Received transfers and inbound credits a data directory takes; then 507 (every answer
  // still owed is still published). Bounds memory: the state keeps ~300 bytes per transfer.
  uint64_t inputs_max = 2'000'000;
  uint64_t log_bytes_max = uint64_t{64} << 30;
  // Commands waiting for the writer; more is 503 (retry).
  size_t queue_depth_max = 4096;
  size_t queue_bytes_max = size_t{64} << 20;
};

class SchemeEngine final : public SchemeService {
 public:
  // Recovers DIR (creating it and its log). A new log starts with an opening record whose
  // instance id comes from `instance_random`. `report` gets one line for the operator.
  static Result<std::unique_ptr<SchemeEngine>> Open(Disk* disk, const std::string& dir,
                                                    const SchemeConfig& config,
                                                    const EngineLimits& limits, Clock* clock,
                                                    uint64_t instance_random, std::string* report);
  ~SchemeEngine() override { Stop(); }

  // Starts the threads and schedules what recovery found owed, --delay-ms from now.
  void Start();
  // Runs what is queued, then stops the threads; later commands are refused (Unavailable).
  // Idempotent. Stop the HTTP server first.
  void Stop();

  void SubmitTransfer(TransferSubmission submission,
                      std::function<void(Result<SubmitAnswer>)> done) override;
  void InboundCredit(InboundCreditRequest request,
                     std::function<void(Result<CreditAnswer>)> done) override;
  void SandboxReturn(ReturnRequest request,
                     std::function<void(Result<ReturnAnswer>)> done) override;
  void ReadFeed(uint64_t after, uint32_t limit, uint32_t wait_ms,
                std::function<void(Result<FeedPage>)> done) override;
  Result<std::string> StatementXml(payments::iso::MessageType type, TimestampNs from,
                                   TimestampNs to) override;

 private:
  struct SubmitCommand {
    TransferSubmission submission;
    std::function<void(Result<SubmitAnswer>)> done;
  };
  struct AnswerCommand {  // from the timer: publish a transfer's pacs.002
    std::string message_id;
  };
  struct AutoReturnCommand {  // from the timer: publish a RETURN transfer's pacs.004
    std::string message_id;
  };
  struct CreditCommand {
    InboundCreditRequest request;
    std::function<void(Result<CreditAnswer>)> done;
  };
  struct ReturnCommand {
    ReturnRequest request;
    std::function<void(Result<ReturnAnswer>)> done;
  };
  using Command =
      std::variant<SubmitCommand, AnswerCommand, AutoReturnCommand, CreditCommand, ReturnCommand>;

  // What one group publishes and does once it is durable.
  struct Group {
    std::vector<uint8_t> bytes;
    uint64_t offset = 0;  // in the log: every record's group_offset
    std::vector<FeedItem> items;
    std::vector<BookedEntry> entries;
    std::vector<std::function<void()>> after_sync;  // answers and timer tasks
  };

  SchemeEngine(Disk* disk, const SchemeConfig& config, const EngineLimits& limits, Clock* clock)
      : disk_(disk), config_(config), limits_(limits), clock_(clock) {}

  // False (and `command` untouched) when the queue is full or the engine stopped; timer
  // commands are never refused for fullness (their number is bounded by the transfers).
  bool Enqueue(Command&& command, bool from_timer);
  static size_t CommandBytes(const Command& command);
  void WriterLoop();
  void RunGroup(std::vector<Command>* commands);
  void Run(SubmitCommand& command, TimestampNs now, Group* group);
  void Run(AnswerCommand& command, TimestampNs now, Group* group);
  void Run(AutoReturnCommand& command, TimestampNs now, Group* group);
  void Run(CreditCommand& command, TimestampNs now, Group* group);
  void Run(ReturnCommand& command, TimestampNs now, Group* group);
  // Frames the record into the group and applies it to the state.
  void Add(const ReceivedRecord& record, Group* group);
  void Add(const PublishedRecord& record, Group* group);
  // A new input would pass a limit of EngineLimits.
  bool Full(const Group& group) const;
  void ScheduleAnswer(const std::string& message_id, uint64_t due_steady_ns);
  void ScheduleAutoReturn(const std::string& message_id, uint64_t due_steady_ns);
  uint64_t DelayNs() const { return uint64_t{config_.delay_ms} * 1'000'000; }
  // Strictly increasing: statement ids are unique within a run, and (with the wall clock)
  // across restarts.
  uint64_t NextReportNumber();

  Disk* disk_;
  const SchemeConfig config_;
  const EngineLimits limits_;
  Clock* clock_;
  std::string instance_id_;  // set by Open, read-only after
  std::unique_ptr<SchemeLog> log_;
  std::unique_ptr<Feed> feed_;
  Timer timer_;
  SchemeState state_;  // the writer thread's alone once started

  std::mutex mu_;
  std::condition_variable cv_;  // a command queued, or stop
  std::deque<Command> queue_;
  size_t queue_bytes_ = 0;
  bool started_ = false;
  bool stop_ = false;
  std::thread writer_;

  std::mutex report_mu_;
  uint64_t report_number_last_ = 0;
};

}  // namespace cb::scheme
