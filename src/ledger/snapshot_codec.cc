#include "ledger/snapshot_codec.h"

namespace cb::ledger {

std::unique_ptr<SnapshotCapture> SnapshotCodec::Capture(const LedgerState& s) {
  auto c = std::make_unique<SnapshotCapture>();
  c->ledgers = s.ledgers_;
  c->chart = s.chart_;
  c->accounts.assign(s.accounts_.begin(), s.accounts_.end());
  c->record_count = s.records_.size();
  c->statuses.resize(c->record_count);
  for (size_t i = 0; i < c->record_count; i++) c->statuses[i] = s.status_[i];
  c->records_digest = s.records_digest_;
  c->state = &s;
  return c;
}

Status SnapshotCodec::Write(const SnapshotCapture& c, journal::SnapshotWriter* w) {
  const uint64_t counts[5] = {c.ledgers.size(), c.chart.size(), c.accounts.size(), c.record_count,
                              c.records_digest};
  CB_RETURN_IF_ERROR(w->Append(counts, sizeof(counts)));
  for (const auto& [k, v] : c.ledgers) CB_RETURN_IF_ERROR(w->Append(&v, sizeof(v)));
  for (const auto& [k, v] : c.chart) CB_RETURN_IF_ERROR(w->Append(&v, sizeof(v)));
  CB_RETURN_IF_ERROR(w->Append(c.accounts.data(), c.accounts.size() * sizeof(Account)));
  const auto& records = c.state->records_;
  constexpr size_t kChunk = ChunkedVector<Transfer>::kChunkSize;
  for (uint64_t i = 0; i < c.record_count; i += kChunk) {
    const size_t n = std::min<uint64_t>(kChunk, c.record_count - i);
    CB_RETURN_IF_ERROR(w->Append(&records[i], n * sizeof(Transfer)));
  }
  CB_RETURN_IF_ERROR(w->Append(c.statuses.data(), c.statuses.size()));
  return Status::Ok();
}

Status SnapshotCodec::Load(journal::SnapshotReader* r, LedgerState* s) {
  CB_CHECK(s->accounts_.empty());
  CB_CHECK(s->records_.size() == 0);
  uint64_t counts[5];
  CB_RETURN_IF_ERROR(r->Read(counts, sizeof(counts)));
  const uint64_t need = counts[0] * sizeof(LedgerInfo) + counts[1] * sizeof(GlCode) +
                        counts[2] * sizeof(Account) + counts[3] * (sizeof(Transfer) + 1);
  if (counts[2] >= kNoRow || counts[3] >= kNoRow || need != r->body_remaining()) {
    return Status::DataLoss("snapshot counts do not match its size");
  }
  for (uint64_t i = 0; i < counts[0]; i++) {
    LedgerInfo v;
    CB_RETURN_IF_ERROR(r->Read(&v, sizeof(v)));
    if (v.ledger == 0 || s->ledgers_.contains(v.ledger)) return Status::DataLoss("bad ledger");
    s->ledgers_[v.ledger] = v;
  }
  for (uint64_t i = 0; i < counts[1]; i++) {
    GlCode v;
    CB_RETURN_IF_ERROR(r->Read(&v, sizeof(v)));
    if (v.code == 0 || s->chart_.contains(v.code)) return Status::DataLoss("bad gl code");
    s->chart_[v.code] = v;
  }
  s->accounts_.resize(counts[2]);
  s->ReserveRecords(counts[3]);
  CB_RETURN_IF_ERROR(r->Read(s->accounts_.data(), counts[2] * sizeof(Account)));
  constexpr size_t kChunk = ChunkedVector<Transfer>::kChunkSize;
  {
    std::vector<Transfer> buf(kChunk);
    for (uint64_t i = 0; i < counts[3]; i += kChunk) {
      const size_t n = std::min<uint64_t>(kChunk, counts[3] - i);
      CB_RETURN_IF_ERROR(r->Read(buf.data(), n * sizeof(Transfer)));
      for (size_t k = 0; k < n; k++) s->records_.push_back(buf[k]);
    }
  }
  {
    std::vector<uint8_t> buf(kChunk);
    for (uint64_t i = 0; i < counts[3]; i += kChunk) {
      const size_t n = std::min<uint64_t>(kChunk, counts[3] - i);
      CB_RETURN_IF_ERROR(r->Read(buf.data(), n));
      for (size_t k = 0; k < n; k++) {
        if (buf[k] > static_cast<uint8_t>(PendingStatus::kExpired)) {
          return Status::DataLoss("bad pending status in snapshot");
        }
        s->status_.push_back(buf[k]);
      }
    }
  }
  // Verify the checksum before trusting anything for the indexes.
  CB_RETURN_IF_ERROR(r->Finish());
  for (uint32_t row = 0; row < counts[2]; row++) {
    if (s->account_index_.Find(s->accounts_[row].id.value) != kNoRow) {
      return Status::DataLoss("duplicate account in snapshot");
    }
    s->account_index_.Insert(s->accounts_[row].id.value, row);
  }
  s->transfer_index_.Reserve(counts[3]);
  s->history_.Clear();
  // Chain heads are rebuilt from the records below, not trusted from the file.
  for (Account& a : s->accounts_) a.history_head = 0;
  uint64_t digest = 0;
  for (uint32_t row = 0; row < counts[3]; row++) {
    const Transfer& t = s->records_[row];
    const uint32_t dr = s->account_index_.Find(t.debit_account_id.value);
    const uint32_t cr = s->account_index_.Find(t.credit_account_id.value);
    if (dr == kNoRow || cr == kNoRow) return Status::DataLoss("snapshot record names no account");
    if (dr == cr) return Status::DataLoss("snapshot record debits and credits one account");
    uint32_t prow = kNoRow;
    if (t.flags & (kTransferPostPending | kTransferVoidPending | kTransferExpiryRecord)) {
      prow = s->transfer_index_.Find(t.pending_id.value);
      if (prow == kNoRow || prow >= row)
        return Status::DataLoss("snapshot record names no pending");
    }
    // The same chain links AppendRecord makes (history.h).
    s->record_accounts_.push_back(
        {dr, cr, prow, s->accounts_[dr].history_head - 1, s->accounts_[cr].history_head - 1});
    s->accounts_[dr].history_head = row + 1;
    s->accounts_[cr].history_head = row + 1;
    if (!t.id.zero()) s->transfer_index_.Insert(t.id.value, row);
    if (s->status_[row] == static_cast<uint8_t>(PendingStatus::kPending) && t.timeout_s > 0) {
      s->expiries_.insert({ExpiresAt(t), row});
    }
    digest = MixRecordDigest(digest, t);
  }
  if (digest != counts[4]) return Status::DataLoss("snapshot records digest mismatch");
  s->records_digest_ = digest;
  return Status::Ok();
}

}  // namespace cb::ledger
