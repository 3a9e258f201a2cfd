#include "journal/scan.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "base/uint128.h"

namespace cb::journal {

std::string SegmentName(uint64_t index) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "seg-%08" PRIu64 ".cbj", index);
  return buf;
}

bool ParseSegmentName(const std::string& name, uint64_t* index) {
  if (name.size() != 16 || name.compare(0, 4, "seg-") != 0 || name.compare(12, 4, ".cbj") != 0) {
    return false;
  }
  uint64_t v = 0;
  for (size_t i = 4; i < 12; i++) {
    if (name[i] < '0' || name[i] > '9') return false;
    v = v * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  *index = v;
  return true;
}

namespace {

Status ReadWhole(File* file, std::vector<uint8_t>* buf) {
  CB_ASSIGN_OR_RETURN(uint64_t size, file->Size());
  buf->resize(size);
  CB_ASSIGN_OR_RETURN(size_t n, file->ReadAt(0, *buf));
  buf->resize(n);
  return Status::Ok();
}

std::string Where(uint64_t segment, uint64_t offset) {
  char buf[96];
  std::snprintf(buf, sizeof(buf), "segment %s offset %" PRIu64, SegmentName(segment).c_str(),
                offset);
  return buf;
}

// After damage at `bad_offset` of segment `seg`, looks for any valid record that must have
// been written after the damaged one's group-commit write completed: a later record in the
// same segment whose group began after the damage, or any valid record in a later segment
// (segments roll over only after the previous one is synced).
bool ValidRecordWrittenLater(const std::vector<uint8_t>& data, uint64_t bad_offset,
                             bool later_segment) {
  RecordHeader h;
  std::span<const uint8_t> ev;
  for (uint64_t off = later_segment ? 0 : bad_offset + 8; off + kRecordHeaderSize <= data.size();
       off += 8) {
    if (LoadLe<uint32_t>(data.data() + off + 4) != kRecordMagic) continue;
    std::span<const uint8_t> rest(data.data() + off, data.size() - off);
    if (DecodeRecord(rest, &h, &ev) != DecodeError::kNone) continue;
    if (later_segment || h.group_offset > bad_offset) return true;
  }
  return false;
}

}  // namespace

Result<ScanEnd> ScanJournal(Disk* disk, const std::string& dir, const ScanStart& start,
                            const std::function<Status(const RecordRef&)>& on_record) {
  std::vector<uint64_t> segments;
  auto names = disk->List(dir);
  if (!names.ok() && names.status().code() != StatusCode::kNotFound) return names.status();
  if (names.ok()) {
    for (const auto& name : *names) {
      uint64_t index;
      if (ParseSegmentName(name, &index)) segments.push_back(index);
    }
  }
  ScanEnd end;
  end.end = start.position;
  end.seq_next = start.seq_next;
  end.last_hash = start.prev_hash;
  end.segment_count = segments.size();
  for (size_t i = 0; i < segments.size(); i++) {
    if (segments[i] != segments[0] + i) {
      return Status::DataLoss("journal segment missing before " + SegmentName(segments[i]));
    }
  }
  std::vector<uint8_t> data;
  std::vector<uint8_t> later;
  for (size_t si = 0; si < segments.size(); si++) {
    const uint64_t seg = segments[si];
    if (seg < start.position.segment) continue;
    CB_ASSIGN_OR_RETURN(auto file, disk->Open(JoinPath(dir, SegmentName(seg)), false));
    CB_RETURN_IF_ERROR(ReadWhole(file.get(), &data));
    uint64_t off = seg == start.position.segment ? start.position.offset : 0;
    if (off > data.size()) {
      return Status::DataLoss("scan start beyond end of data at " + Where(seg, off));
    }
    while (true) {
      RecordHeader h;
      std::span<const uint8_t> ev;
      std::span<const uint8_t> rest(data.data() + off, data.size() - off);
      const DecodeError err = DecodeRecord(rest, &h, &ev);
      if (err == DecodeError::kNone) {
        if (h.seq_first != end.seq_next || h.prev_hash != end.last_hash) {
          return Status::DataLoss("journal chain broken at " + Where(seg, off) +
                                  ": sequence or prev_hash does not follow the previous record");
        }
        RecordRef ref{{seg, off}, &h, ev};
        CB_RETURN_IF_ERROR(on_record(ref));
        end.seq_next = h.seq_first + h.event_count;
        end.last_hash = h.hash;
        end.timestamp_last_ns = h.timestamp_ns;
        end.records++;
        off += h.record_size;
        end.end = {seg, off};
        continue;
      }
      // End of this segment's data, or damage. Anything but zeros after the end is either
      // an unacknowledged (torn) last group, or corruption if records that were written
      // after that group follow it (later group in this segment, or a later segment,
      // which is only started once this one is synced).
      bool junk_after = err != DecodeError::kZero;
      for (uint64_t k = off; k < data.size() && !junk_after; k++) junk_after = data[k] != 0;
      bool written_later = junk_after && ValidRecordWrittenLater(data, off, false);
      for (size_t sj = si + 1; sj < segments.size() && junk_after && !written_later; sj++) {
        CB_ASSIGN_OR_RETURN(auto f2, disk->Open(JoinPath(dir, SegmentName(segments[sj])), false));
        CB_RETURN_IF_ERROR(ReadWhole(f2.get(), &later));
        written_later = ValidRecordWrittenLater(later, 0, true);
      }
      if (written_later) {
        return Status::DataLoss(std::string("journal corrupt at ") + Where(seg, off) + ": " +
                                DecodeErrorName(err) + " (valid records follow it)");
      }
      if (junk_after) {
        // Report it so the writer zeroes it before appending: stale bytes must never
        // resurface as records.
        end.torn_tail = true;
        end.torn_detail = Where(seg, off) + ": " + DecodeErrorName(err);
        end.end = {seg, off};
        return end;
      }
      break;  // clean end of this segment: continue with the next one
    }
    if (si + 1 < segments.size()) {
      // Rollover: the next record starts at the next segment.
      bool next_has_data = false;
      CB_ASSIGN_OR_RETURN(auto f2, disk->Open(JoinPath(dir, SegmentName(segments[si + 1])), false));
      uint8_t head[kRecordHeaderSize];
      CB_ASSIGN_OR_RETURN(size_t n, f2->ReadAt(0, head));
      for (size_t k = 0; k < n; k++) next_has_data |= head[k] != 0;
      if (!next_has_data) {
        // Zeros over the first record (a lost first sector) may hide later groups: only a
        // segment that is zero throughout is empty. Otherwise the loop judges the damage at
        // its offset 0 like damage anywhere (later group intact: DataLoss; else torn tail).
        // Rare (a crash between creating a segment and its first sync), so one extra read.
        CB_RETURN_IF_ERROR(ReadWhole(f2.get(), &later));
        for (size_t k = 0; k < later.size() && !next_has_data; k++) next_has_data = later[k] != 0;
      }
      if (!next_has_data) {
        // An empty (preallocated) newest segment: the tail ends here.
        bool any_later = false;
        for (size_t sj = si + 2; sj < segments.size(); sj++) {
          CB_ASSIGN_OR_RETURN(auto f3, disk->Open(JoinPath(dir, SegmentName(segments[sj])), false));
          CB_RETURN_IF_ERROR(ReadWhole(f3.get(), &later));
          any_later |= ValidRecordWrittenLater(later, 0, true);
        }
        if (any_later) {
          return Status::DataLoss("journal corrupt: " + SegmentName(segments[si + 1]) +
                                  " is empty but later segments hold records");
        }
        end.end = {segments[si + 1], 0};
        return end;
      }
      end.end = {segments[si + 1], 0};
    }
  }
  return end;
}

}  // namespace cb::journal
