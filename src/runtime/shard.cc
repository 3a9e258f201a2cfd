#include "runtime/shard.h"

#include "ledger/events.h"
#include "ledger/ledger.h"
#include "runtime/record_applier.h"

namespace cb::runtime {

using namespace cb::ledger;

std::string JournalDir(const std::string& data_dir) { return JoinPath(data_dir, "journal"); }
std::string SnapshotDir(const std::string& data_dir) { return JoinPath(data_dir, "snapshots"); }

size_t CommandItemCount(const Command& command) {
  return std::visit(
      [](const auto& c) -> size_t {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, CreateAccountsCmd>) return c.accounts.size();
        if constexpr (std::is_same_v<T, CreateTransfersCmd>) return c.transfers.size();
        if constexpr (std::is_same_v<T, LookupAccountsQuery>) return c.ids.size();
        if constexpr (std::is_same_v<T, ServiceCmd>) return c.op->item_count();
        if constexpr (std::is_same_v<T, LookupTransfersQuery>) return c.ids.size();
        return 1;
      },
      command);
}

namespace {
// The services' section comes first in the body; it is only read here and decoded after the
// ledger part has finished and the whole body's CRC has held, so a damaged snapshot never
// reaches a service decoder (they reject malformed input anyway; this keeps garbage that
// happens to parse from being loaded, and the protobuf parser's complaints out of the log).
Status ReadServiceSection(journal::SnapshotReader* reader, Service* service, std::string* out) {
  out->clear();
  uint64_t size = 0;
  CB_RETURN_IF_ERROR(reader->Read(&size, sizeof(size)));
  if (size > reader->body_remaining()) return Status::DataLoss("service section past the end");
  if (size == 0) return Status::Ok();
  if (service == nullptr) return Status::DataLoss("snapshot has service state; no service runs");
  out->resize(size);
  return reader->Read(out->data(), out->size());
}
}  // namespace

Result<std::unique_ptr<Shard>> Shard::Open(Disk* disk, const ShardOptions& options,
                                           RecoveryInfo* info) {
  CB_RETURN_IF_ERROR(disk->CreateDir(options.data_dir));
  std::unique_ptr<Shard> shard(new Shard(disk, options));
  journal::JournalOptions jopts;
  jopts.dir = JournalDir(options.data_dir);
  jopts.segment_bytes = options.segment_bytes;
  jopts.shard = options.shard_id;
  jopts.durability = options.durability;
  jopts.zero_fill = options.journal_zero_fill;
  jopts.pipelined_scan = options.pipelined_recovery;
  jopts.positions = options.journal_positions;

  CB_ASSIGN_OR_RETURN(auto snapshots, journal::ListSnapshots(disk, SnapshotDir(options.data_dir)));
  snapshots.push_back("");  // the last resort: full replay from the beginning
  Status last_error;
  for (const std::string& path : snapshots) {
    auto state =
        std::make_unique<LedgerState>(options.transfers_expected, options.accounts_expected);
    if (options.transfers_expected > 0) state->ReserveRecords(options.transfers_expected);
    journal::ScanStart start;
    if (options.service != nullptr) options.service->Clear();
    if (!path.empty()) {
      auto reader = journal::SnapshotReader::Open(disk, path);
      std::string service_bytes;
      Status st = reader.ok() ? ReadServiceSection(reader->get(), options.service, &service_bytes)
                              : reader.status();
      if (st.ok()) st = SnapshotCodec::Load(reader->get(), state.get());  // checks the CRC
      if (st.ok() && !service_bytes.empty()) st = options.service->LoadSnapshot(service_bytes);
      if (!st.ok()) {
        info->snapshots_rejected.push_back(path + ": " + st.ToString());
        continue;
      }
      const auto& meta = (*reader)->meta();
      start = {meta.position, meta.seq_next, meta.last_hash};
      shard->last_ts_ = meta.timestamp_last_ns;
    } else {
      shard->last_ts_ = 0;
    }
    RecordApplier applier(state.get(), std::nullopt, options.service);
    journal::ScanEnd end;
    auto journal = journal::FileJournal::Open(
        disk, jopts, start,
        [&](const journal::RecordRef& rec) -> Status { return applier.Apply(rec); }, &end);
    if (!journal.ok()) {
      last_error = journal.status();
      if (path.empty()) return last_error;  // the journal itself is damaged
      info->snapshots_rejected.push_back(
          path + ": does not continue into the journal: " + last_error.ToString());
      continue;
    }
    state->CheckInvariants();
    shard->state_ = std::move(state);
    shard->journal_ = std::move(*journal);
    shard->seq_next_ = end.seq_next;
    shard->last_ts_ = std::max(shard->last_ts_, applier.last_event_timestamp());
    info->snapshot_used = path;
    info->events_replayed = applier.events();
    info->seq_next = end.seq_next;
    info->torn_tail = end.torn_tail;
    info->torn_detail = end.torn_detail;
    return shard;
  }
  return last_error;
}

void Shard::ExecuteBatch(std::span<const Command* const> commands, TimestampNs now,
                         PreparedBatch* batch, std::vector<Reply>* replies) {
  batch->record.Reset();
  batch->seq_first = seq_next_;
  batch->timestamp_ns = std::max(now, last_ts_ + 1);
  TimestampNs ts_next = batch->timestamp_ns;
  // What is due first, in a fixed order (replay sees the same events): the ledger's pending
  // transfer expiries, then the services' durable timers.
  ExpireDue(state_.get(), batch->timestamp_ns, options_.expiries_per_batch_max, &ts_next,
            &batch->record);
  if (options_.service != nullptr) {
    ServiceContext ctx{.ledger = state_.get(),
                       .out = &batch->record,
                       .ts_next = &ts_next,
                       .seq_first = batch->seq_first,
                       .batch_timestamp = batch->timestamp_ns};
    options_.service->RunDue(ctx);
  }
  replies->assign(commands.size(), Reply{});
  for (size_t i = 0; i < commands.size(); i++) {
    ExecuteOne(*commands[i], &ts_next, batch, &(*replies)[i]);
  }
  seq_next_ += batch->record.event_count();
  if (ts_next > batch->timestamp_ns) last_ts_ = std::max(last_ts_, ts_next - 1);
#if CB_DCHECK_ENABLED
  // Debug and simulation builds: debits = credits per ledger after every batch.
  state_->CheckInvariants();
#endif
}

void Shard::ExecuteOne(const Command& command, TimestampNs* ts_next, PreparedBatch* batch,
                       Reply* reply) {
  const uint32_t events_before = batch->record.event_count();
  reply->timestamp = *ts_next;
  LedgerState* s = state_.get();
  journal::RecordBuilder* out = &batch->record;
  std::visit(
      [&](const auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, DefineLedgerCmd>) {
          reply->results = {static_cast<uint32_t>(DefineLedger(s, c.info, out))};
        } else if constexpr (std::is_same_v<T, DefineGlCodeCmd>) {
          reply->results = {static_cast<uint32_t>(DefineGlCode(s, c.gl, out))};
        } else if constexpr (std::is_same_v<T, CreateAccountsCmd>) {
          std::vector<AccountResult> r;
          CreateAccounts(s, c.accounts, ts_next, out, &r);
          reply->results.assign(r.size(), 0);
          for (size_t i = 0; i < r.size(); i++) reply->results[i] = static_cast<uint32_t>(r[i]);
        } else if constexpr (std::is_same_v<T, CreateTransfersCmd>) {
          std::vector<TransferResult> r;
          CreateTransfers(s, c.transfers, ts_next, out, &r);
          reply->results.assign(r.size(), 0);
          for (size_t i = 0; i < r.size(); i++) reply->results[i] = static_cast<uint32_t>(r[i]);
        } else if constexpr (std::is_same_v<T, SetAccountLimitCmd>) {
          reply->results = {
              static_cast<uint32_t>(SetAccountLimit(s, c.account_id, c.limit, ts_next, out))};
        } else if constexpr (std::is_same_v<T, CloseAccountCmd>) {
          const AccountResult r = c.reopen ? ReopenAccount(s, c.account_id, ts_next, out)
                                           : CloseAccount(s, c.account_id, ts_next, out);
          reply->results = {static_cast<uint32_t>(r)};
        } else if constexpr (std::is_same_v<T, LookupAccountsQuery>) {
          for (AccountId id : c.ids) {
            const uint32_t row = s->AccountRow(id);
            if (row == kNoRow) continue;
            reply->accounts.push_back(s->account(row));
            reply->accounts.back().history_head = 0;  // state-internal (types.h)
          }
        } else if constexpr (std::is_same_v<T, LookupTransfersQuery>) {
          for (TransferId id : c.ids) {
            const uint32_t row = s->TransferRow(id);
            if (row != kNoRow) reply->transfers.push_back(s->record(row));
          }
        } else if constexpr (std::is_same_v<T, HistoryQueryCmd>) {
          const uint32_t row = s->AccountRow(c.query.account_id);
          reply->found = row != kNoRow;
          if (row != kNoRow) {
            reply->history = s->history().Get(*s, row, c.query);
          }
        } else if constexpr (std::is_same_v<T, BalanceAsOfQuery>) {
          const uint32_t row = s->AccountRow(c.account_id);
          // An account created after the instant did not exist then.
          reply->found = row != kNoRow && s->account(row).timestamp <= c.timestamp;
          if (reply->found) {
            reply->balances = s->history().BalanceAsOf(*s, row, c.timestamp);
          }
        } else if constexpr (std::is_same_v<T, TrialBalanceQuery>) {
          reply->trial_balance = s->TrialBalance();
        } else if constexpr (std::is_same_v<T, ServiceCmd>) {
          if (options_.service == nullptr) {
            reply->status = Status::FailedPrecondition("this shard runs no service");
            return;
          }
          ServiceContext ctx{.ledger = s,
                             .out = out,
                             .ts_next = ts_next,
                             .seq_first = batch->seq_first,
                             .batch_timestamp = batch->timestamp_ns};
          options_.service->Execute(*c.op, ctx, reply);
        }
      },
      command);
  const uint32_t events_after = batch->record.event_count();
  if (events_after > events_before) {
    reply->seq_first = batch->seq_first + events_before;
    reply->seq_last = batch->seq_first + events_after - 1;
  }
}

std::optional<TimestampNs> Shard::NextDue() const {
  std::optional<TimestampNs> next = state_->NextExpiry();
  if (options_.service != nullptr) {
    if (const auto timer = options_.service->NextDue(); timer && (!next || *timer < *next)) {
      next = timer;
    }
  }
  return next;
}

Status Shard::Commit(std::span<PreparedBatch* const> batches) {
  std::vector<journal::BatchToWrite> writes;
  writes.reserve(batches.size());
  for (PreparedBatch* b : batches) {
    if (b->has_events()) writes.push_back({&b->record, b->seq_first, b->timestamp_ns});
  }
  if (writes.empty())
    return journal_->failed() ? Status::Unavailable("journal failed") : Status::Ok();
  return journal_->AppendGroup(writes);
}

SnapshotJob Shard::CaptureSnapshot() const {
  CB_CHECK(journal_->seq_next() == seq_next_);
  SnapshotJob job;
  job.capture = SnapshotCodec::Capture(*state_);
  if (options_.service != nullptr) job.service_state = options_.service->CaptureSnapshot();
  job.meta.seq_next = seq_next_;
  job.meta.position = journal_->position();
  job.meta.last_hash = journal_->last_hash();
  job.meta.timestamp_last_ns = last_ts_;
  return job;
}

Status Shard::WriteSnapshot(const SnapshotJob& job) const {
  CB_ASSIGN_OR_RETURN(auto writer, journal::SnapshotWriter::Create(
                                       disk_, SnapshotDir(options_.data_dir), job.meta));
  // Service section first: u64 size | bytes (size 0 without a service). The ledger body
  // follows and must end the file (its loader checks the remaining size exactly).
  const uint64_t service_size = job.service_state.size();
  CB_RETURN_IF_ERROR(writer->Append(&service_size, sizeof(service_size)));
  if (service_size > 0) {
    CB_RETURN_IF_ERROR(writer->Append(job.service_state.data(), job.service_state.size()));
  }
  CB_RETURN_IF_ERROR(SnapshotCodec::Write(*job.capture, writer.get()));
  return writer->Finish(options_.snapshots_kept);
}

}  // namespace cb::runtime
