#include "journal/reader.h"

#include "base/uint128.h"

namespace cb::journal {

JournalReader::JournalReader(Disk* disk, std::string journal_dir, PositionIndex* positions)
    : disk_(disk), dir_(std::move(journal_dir)), positions_(positions) {
  if (positions_ == nullptr) {
    own_positions_ = std::make_unique<PositionIndex>();
    positions_ = own_positions_.get();
  }
}

Status JournalReader::Read(uint64_t from_seq, uint64_t durable_seq_next, const Visit& visit) {
  Position pos;
  uint64_t seq = 1;
  if (const auto floor = positions_->Floor(from_seq)) {
    pos = floor->position;
    seq = floor->seq_first;
  }
  Position last_noted = pos;
  std::unique_ptr<File> file;
  uint64_t file_segment = UINT64_MAX;
  std::vector<uint8_t> buf;
  while (seq < durable_seq_next) {
    if (file_segment != pos.segment) {
      auto f = disk_->Open(JoinPath(dir_, SegmentName(pos.segment)), false);
      if (!f.ok()) {
        return Status::DataLoss("journal reader: no segment " + SegmentName(pos.segment) +
                                " for seq " + std::to_string(seq));
      }
      file = std::move(*f);
      file_segment = pos.segment;
    }
    uint8_t head[kRecordHeaderSize];
    CB_ASSIGN_OR_RETURN(size_t n, file->ReadAt(pos.offset, head));
    headers_read_.fetch_add(1, std::memory_order_relaxed);
    if (n < sizeof(head) || LoadLe<uint32_t>(head + 4) != kRecordMagic) {
      pos = {pos.segment + 1, 0};  // past the last record of this segment
      continue;
    }
    const uint32_t record_size = LoadLe<uint32_t>(head + 8);
    const uint64_t head_seq = LoadLe<uint64_t>(head + 16);
    const uint32_t event_count = LoadLe<uint32_t>(head + 24);
    if (record_size < kRecordHeaderSize || record_size > kRecordSizeMax || head_seq != seq) {
      return Status::DataLoss("journal reader: bad record header in " + SegmentName(pos.segment) +
                              " at " + std::to_string(pos.offset));
    }
    if (PositionIndex::Due(last_noted, pos)) {
      positions_->Note(seq, pos);
      last_noted = pos;
    }
    const uint64_t next = seq + event_count;
    if (next > from_seq) {
      // Only a record that is returned is read whole and verified (CRC, framing).
      buf.resize(record_size);
      CB_ASSIGN_OR_RETURN(n, file->ReadAt(pos.offset, buf));
      RecordHeader h;
      std::span<const uint8_t> events;
      if (n != record_size || DecodeRecord(buf, &h, &events) != DecodeError::kNone ||
          h.seq_first != seq) {
        return Status::DataLoss("journal reader: unreadable record in " + SegmentName(pos.segment) +
                                " at " + std::to_string(pos.offset));
      }
      if (!visit(h, events)) return Status::Ok();
    }
    seq = next;
    pos.offset += record_size;
  }
  return Status::Ok();
}

Result<JournalReader::Event> JournalReader::ReadEvent(uint64_t seq, uint64_t durable_seq_next) {
  if (seq == 0 || seq >= durable_seq_next) {
    return Status::NotFound("event " + std::to_string(seq) + " is not durable");
  }
  Event out;
  bool found = false;
  CB_RETURN_IF_ERROR(
      Read(seq, durable_seq_next, [&](const RecordHeader& h, std::span<const uint8_t> events) {
        EventIterator it(events);
        EventView ev;
        for (uint64_t s = h.seq_first; it.Next(&ev); s++) {
          if (s != seq) continue;
          out.type = ev.type;
          out.payload.assign(ev.payload.begin(), ev.payload.end());
          out.record_timestamp_ns = h.timestamp_ns;
          found = true;
        }
        return false;  // the first record read holds `seq`
      }));
  if (!found) return Status::NotFound("event " + std::to_string(seq) + " not in the journal");
  return out;
}

}  // namespace cb::journal
