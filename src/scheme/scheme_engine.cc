// The writer, recovery and the service calls (scheme_engine.h).
#include "scheme/scheme_engine.h"

#include <algorithm>
#include <cstdio>

#include "base/check.h"
#include "scheme/scheme_camt.h"
#include "scheme/scheme_rules.h"

namespace cb::scheme {
namespace {

namespace iso = payments::iso;

// Command bytes one group takes (its records are about as large): the writer stops taking
// commands past this, so one write and its recovery stay bounded.
constexpr size_t kGroupCommandBytesMax = size_t{8} << 20;

Status StoppingOrBusy() { return Status::Unavailable("the scheme is busy or stopping; retry"); }

// Recovery's view of each record: the state, and what the feed held before the crash.
struct Recovered {
  SchemeState* state;
  std::vector<FeedItem> items;
  std::vector<BookedEntry> entries;
};

Status Recover(const RecoveredRecord& r, Recovered* out) {
  switch (r.frame.type) {
    case RecordType::kOpened: {
      CB_ASSIGN_OR_RETURN(OpenedRecord rec, DecodeOpened(r.frame.payload));
      return out->state->ApplyOpened(rec);
    }
    case RecordType::kReceived: {
      CB_ASSIGN_OR_RETURN(ReceivedRecord rec, DecodeReceived(r.frame.payload));
      return out->state->ApplyReceived(rec);
    }
    case RecordType::kPublished: {
      CB_ASSIGN_OR_RETURN(PublishedRecord rec, DecodePublished(r.frame.payload));
      CB_RETURN_IF_ERROR(out->state->ApplyPublished(rec));
      const uint64_t xml_offset = r.payload_offset() + r.frame.payload.size() - rec.xml.size();
      for (uint32_t i = 0; i < rec.copies; i++) {
        out->items.push_back(FeedItem{rec.seq_first + i, rec.message_type, xml_offset,
                                      static_cast<uint32_t>(rec.xml.size())});
      }
      if (rec.entry) {
        if (rec.entry->amount_minor <= 0 ||
            (!out->entries.empty() && rec.entry->booked_ns < out->entries.back().booked_ns)) {
          return Status::DataLoss("scheme log: an entry out of booking order, or not positive");
        }
        out->entries.push_back(*rec.entry);
      }
      return Status::Ok();
    }
  }
  return Status::DataLoss("scheme log: unknown record type");
}

}  // namespace

Result<std::unique_ptr<SchemeEngine>> SchemeEngine::Open(Disk* disk, const std::string& dir,
                                                         const SchemeConfig& config,
                                                         const EngineLimits& limits, Clock* clock,
                                                         uint64_t instance_random,
                                                         std::string* report) {
  std::unique_ptr<SchemeEngine> engine(new SchemeEngine(disk, config, limits, clock));
  Recovered recovered{&engine->state_, {}, {}};
  RecoveryReport rr;
  CB_ASSIGN_OR_RETURN(
      engine->log_,
      SchemeLog::Open(
          disk, dir, [&recovered](const RecoveredRecord& r) { return Recover(r, &recovered); },
          &rr));
  engine->feed_ = std::make_unique<Feed>(engine->log_.get());
  engine->feed_->Publish(recovered.items, recovered.entries);
  if (!engine->state_.opened()) {
    // Only an empty log has no opening record (recovery refuses anything else before it).
    CB_CHECK(engine->log_->end_offset() == 0);
    OpenedRecord opened;
    opened.instance_id = MakeInstanceId(instance_random);
    opened.created_ns = clock->NowNs();
    std::vector<uint8_t> group;
    AppendFrame(&group, RecordType::kOpened, 0, EncodeOpened(opened));
    CB_RETURN_IF_ERROR(engine->log_->AppendGroup(group));
    CB_RETURN_IF_ERROR(engine->state_.ApplyOpened(opened));
  }
  engine->instance_id_ = engine->state_.instance_id();
  size_t owed = 0;
  engine->state_.ForEachUnfinished([&owed](const TransferState&) { owed++; });
  *report = "recovered " + std::to_string(rr.records) + " records: instance " +
            engine->instance_id_ + ", last_seq " + std::to_string(engine->state_.last_seq()) +
            ", entries " + std::to_string(recovered.entries.size()) + ", answers owed " +
            std::to_string(owed);
  if (rr.torn_bytes > 0) {
    *report +=
        "; cut a torn tail of " + std::to_string(rr.torn_bytes) + " bytes at " + rr.torn_detail;
  }
  return engine;
}

void SchemeEngine::Start() {
  // Read before the writer owns the state.
  std::vector<std::pair<std::string, bool>> owed;  // MsgId, answered already
  state_.ForEachUnfinished(
      [&owed](const TransferState& t) { owed.emplace_back(t.message_id, t.answered); });
  feed_->Start();
  timer_.Start();
  {
    std::lock_guard<std::mutex> lock(mu_);
    CB_CHECK(!started_);
    CB_CHECK(!stop_);
    started_ = true;
  }
  writer_ = std::thread([this] { WriterLoop(); });
  // After a restart, --delay-ms counts from now (docs/payments/scheme.md).
  const uint64_t due = MonotonicNowNs() + DelayNs();
  for (const auto& [message_id, answered] : owed) {
    if (answered) {
      ScheduleAutoReturn(message_id, due);
    } else {
      ScheduleAnswer(message_id, due);
    }
  }
}

void SchemeEngine::Stop() {
  // The timer first: its tasks queue commands, and none may arrive once the writer drains.
  timer_.Stop();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  std::deque<Command> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    left.swap(queue_);  // only when never started: the writer drains the queue
  }
  for (Command& c : left) {
    std::visit(
        [](auto& cmd) {
          if constexpr (requires { cmd.done; }) cmd.done(StoppingOrBusy());
        },
        c);
  }
  if (feed_) feed_->Stop();
}

size_t SchemeEngine::CommandBytes(const Command& command) {
  constexpr size_t kFixedBytes = 512;  // ids, names and framing around the XML
  if (const auto* submit = std::get_if<SubmitCommand>(&command)) {
    return kFixedBytes + submit->submission.xml.size();
  }
  return kFixedBytes;
}

bool SchemeEngine::Enqueue(Command&& command, bool from_timer) {
  const size_t bytes = CommandBytes(command);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return false;
    if (!from_timer && (queue_.size() >= limits_.queue_depth_max ||
                        queue_bytes_ + bytes > limits_.queue_bytes_max)) {
      return false;
    }
    queue_bytes_ += bytes;
    queue_.push_back(std::move(command));
  }
  cv_.notify_one();
  return true;
}

void SchemeEngine::WriterLoop() {
  std::vector<Command> commands;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has run
      // Everything queued since the last group shares this group's fdatasync.
      size_t bytes = 0;
      while (!queue_.empty()) {
        const size_t next = CommandBytes(queue_.front());
        if (!commands.empty() && bytes + next > kGroupCommandBytesMax) break;
        bytes += next;
        queue_bytes_ -= next;
        commands.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    RunGroup(&commands);
    commands.clear();
  }
}

void SchemeEngine::RunGroup(std::vector<Command>* commands) {
  // One stamp per group, never below one already written: entries stay in booking order
  // across restarts, and a group's messages agree on their time.
  const TimestampNs now = std::max(clock_->NowNs(), state_.last_stamp_ns());
  Group group;
  group.offset = log_->end_offset();
  for (Command& c : *commands) {
    std::visit([&](auto& cmd) { Run(cmd, now, &group); }, c);
  }
  if (!group.bytes.empty()) {
    const Status st = log_->AppendGroup(group.bytes);
    if (!st.ok()) std::fprintf(stderr, "scheme: log write: %s\n", st.ToString().c_str());
    // What reached the disk is unknown and the state is ahead of it: a restart recovers
    // from what is durable, which is the only safe way on.
    CB_CHECK(st.ok());
  }
  feed_->Publish(group.items, group.entries);
  for (auto& f : group.after_sync) f();
}

bool SchemeEngine::Full(const Group& group) const {
  return state_.inputs() >= limits_.inputs_max ||
         group.offset + group.bytes.size() >= limits_.log_bytes_max;
}

void SchemeEngine::Add(const ReceivedRecord& record, Group* group) {
  AppendFrame(&group->bytes, RecordType::kReceived, group->offset, EncodeReceived(record));
  const Status st = state_.ApplyReceived(record);
  CB_CHECK(st.ok());  // decided against this very state
}

void SchemeEngine::Add(const PublishedRecord& record, Group* group) {
  const std::vector<uint8_t> payload = EncodePublished(record);
  const uint64_t payload_offset = group->offset + group->bytes.size() + kRecordHeaderBytes;
  AppendFrame(&group->bytes, RecordType::kPublished, group->offset, payload);
  const Status st = state_.ApplyPublished(record);
  CB_CHECK(st.ok());  // decided against this very state
  CB_CHECK(record.xml.size() <= payload.size());
  // The XML is the payload's last field.
  const uint64_t xml_offset = payload_offset + payload.size() - record.xml.size();
  for (uint32_t i = 0; i < record.copies; i++) {
    group->items.push_back(FeedItem{record.seq_first + i, record.message_type, xml_offset,
                                    static_cast<uint32_t>(record.xml.size())});
  }
  if (record.entry) group->entries.push_back(*record.entry);
}

void SchemeEngine::Run(SubmitCommand& c, TimestampNs now, Group* group) {
  ReceiveDecision d = DecideReceive(state_, config_, c.submission, now);
  if (d.record) {
    if (Full(*group)) {
      group->after_sync.push_back([done = std::move(c.done)] {
        done(Status::ResourceExhausted("the scheme's data directory is full; start a new one"));
      });
      return;
    }
    Add(*d.record, group);
    if (d.record->outcome.kind == OutcomeKind::kNoAnswer) {
      // Never answered.
    } else if (DelayNs() == 0) {
      // Due now: the pacs.002 goes in this group, durable with the receipt by the same
      // fdatasync and published with it, instead of a timer's round and a group of its own
      // (a second fdatasync on every answer's path).
      AnswerCommand answer{d.record->message_id};
      Run(answer, now, group);
    } else {
      const uint64_t due = c.submission.received_steady_ns + DelayNs();
      group->after_sync.push_back(
          [this, id = d.record->message_id, due] { ScheduleAnswer(id, due); });
    }
  }
  // Also a duplicate waits for this group: its original may be in it.
  group->after_sync.push_back([done = std::move(c.done), answer = std::move(d.answer)]() mutable {
    done(std::move(answer));
  });
}

void SchemeEngine::Run(AnswerCommand& c, TimestampNs now, Group* group) {
  Result<std::optional<PublishedRecord>> rec = DecideAnswer(state_, config_, c.message_id, now);
  if (!rec.ok()) {
    // Ids only: a status of the XML builders may quote a field, and names are PII.
    std::fprintf(stderr, "scheme: cannot build the pacs.002 for MsgId %s (%s); not answered\n",
                 c.message_id.c_str(), StatusCodeName(rec.status().code()));
    return;
  }
  if (!rec->has_value()) return;  // answered already (a timer and a restart both owed it)
  Add(**rec, group);
  const TransferState* t = state_.FindTransfer(c.message_id);
  CB_CHECK(t != nullptr);
  if (t->settled && t->outcome.kind == OutcomeKind::kReturn) {
    // "--delay-ms later": counted from when its pacs.002 is published.
    group->after_sync.push_back(
        [this, id = c.message_id] { ScheduleAutoReturn(id, MonotonicNowNs() + DelayNs()); });
  }
}

void SchemeEngine::Run(AutoReturnCommand& c, TimestampNs now, Group* group) {
  Result<std::optional<PublishedRecord>> rec = DecideAutoReturn(state_, config_, c.message_id, now);
  if (!rec.ok()) {
    std::fprintf(stderr, "scheme: cannot build the pacs.004 for MsgId %s (%s); not returned\n",
                 c.message_id.c_str(), StatusCodeName(rec.status().code()));
    return;
  }
  if (rec->has_value()) Add(**rec, group);
}

void SchemeEngine::Run(CreditCommand& c, TimestampNs now, Group* group) {
  if (Full(*group)) {
    group->after_sync.push_back([done = std::move(c.done)] {
      done(Status::ResourceExhausted("the scheme's data directory is full; start a new one"));
    });
    return;
  }
  Result<PublishedRecord> rec = DecideInboundCredit(state_, config_, c.request, now);
  if (!rec.ok()) {
    group->after_sync.push_back([done = std::move(c.done), st = rec.status()] { done(st); });
    return;
  }
  Add(*rec, group);
  CreditAnswer answer{rec->message_id, rec->entry->end_to_end_id, rec->seq_first};
  group->after_sync.push_back([done = std::move(c.done), answer = std::move(answer)]() mutable {
    done(std::move(answer));
  });
}

void SchemeEngine::Run(ReturnCommand& c, TimestampNs now, Group* group) {
  Result<PublishedRecord> rec = DecideSandboxReturn(state_, config_, c.request, now);
  if (!rec.ok()) {
    group->after_sync.push_back([done = std::move(c.done), st = rec.status()] { done(st); });
    return;
  }
  Add(*rec, group);
  ReturnAnswer answer{rec->message_id, rec->subject_message_id, rec->seq_first};
  group->after_sync.push_back([done = std::move(c.done), answer = std::move(answer)]() mutable {
    done(std::move(answer));
  });
}

void SchemeEngine::ScheduleAnswer(const std::string& message_id, uint64_t due_steady_ns) {
  timer_.Schedule(due_steady_ns, [this, message_id] {
    // Refused only while stopping: the next start owes the answer again.
    Enqueue(AnswerCommand{message_id}, /*from_timer=*/true);
  });
}

void SchemeEngine::ScheduleAutoReturn(const std::string& message_id, uint64_t due_steady_ns) {
  timer_.Schedule(due_steady_ns, [this, message_id] {
    Enqueue(AutoReturnCommand{message_id}, /*from_timer=*/true);
  });
}

void SchemeEngine::SubmitTransfer(TransferSubmission submission,
                                  std::function<void(Result<SubmitAnswer>)> done) {
  Command c = SubmitCommand{std::move(submission), std::move(done)};
  if (!Enqueue(std::move(c), false)) std::get<SubmitCommand>(c).done(StoppingOrBusy());
}

void SchemeEngine::InboundCredit(InboundCreditRequest request,
                                 std::function<void(Result<CreditAnswer>)> done) {
  Command c = CreditCommand{std::move(request), std::move(done)};
  if (!Enqueue(std::move(c), false)) std::get<CreditCommand>(c).done(StoppingOrBusy());
}

void SchemeEngine::SandboxReturn(ReturnRequest request,
                                 std::function<void(Result<ReturnAnswer>)> done) {
  Command c = ReturnCommand{std::move(request), std::move(done)};
  if (!Enqueue(std::move(c), false)) std::get<ReturnCommand>(c).done(StoppingOrBusy());
}

void SchemeEngine::ReadFeed(uint64_t after, uint32_t limit, uint32_t wait_ms,
                            std::function<void(Result<FeedPage>)> done) {
  Result<FeedPage> page = feed_->Read(after, limit);
  if (!page.ok() || !page->messages.empty() || wait_ms == 0) {
    done(std::move(page));
    return;
  }
  feed_->Wait(after, limit, MonotonicNowNs() + uint64_t{wait_ms} * 1'000'000, std::move(done));
}

uint64_t SchemeEngine::NextReportNumber() {
  std::lock_guard<std::mutex> lock(report_mu_);
  report_number_last_ = std::max(clock_->NowNs(), report_number_last_ + 1);
  return report_number_last_;
}

Result<std::string> SchemeEngine::StatementXml(iso::MessageType type, TimestampNs from,
                                               TimestampNs to) {
  CB_CHECK(type == iso::MessageType::kCamt053 || type == iso::MessageType::kCamt054);
  CB_ASSIGN_OR_RETURN(EntryRange range, feed_->Entries(from, to, iso::kCamtEntriesMax));
  const uint64_t number = NextReportNumber();
  const IdKind kind =
      type == iso::MessageType::kCamt053 ? IdKind::kStatement : IdKind::kNotification;
  return BuildAccountReport(type, range, config_, MakeMessageId(instance_id_, kind, number), from,
                            to, clock_->NowNs());
}

}  // namespace cb::scheme
