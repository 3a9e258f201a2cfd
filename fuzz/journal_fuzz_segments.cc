// Mode 3 of journal_record_fuzzer: a whole journal on a SimDisk, damaged, then recovered.
// The input describes, in order (see Build and Damage): up to 16 records of 1-4 events each,
// where segments roll over and group-commit writes begin, how much preallocated zero space
// follows each segment's data, then up to 4 kinds of damage (bit flips, zeroed ranges of up
// to a sector, truncation, junk appended or written over, a removed segment).
//
// Checked against what was written: ScanJournal returns written records only, in order, and
// drops records only as a torn tail (ADR 0001: never a record whose group-commit write began
// after the damage, nor one in a later segment); ScanJournalPipelined answers exactly like
// ScanJournal; JournalReader reads back every event recovery accepted, and never returns an
// event that differs from the one written under that seq.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "base/check.h"
#include "base/uint128.h"
#include "fuzz/journal_fuzz.h"
#include "journal/reader.h"
#include "journal/scan.h"
#include "journal/sim_disk.h"

namespace cb::fuzz {

namespace {

using namespace cb::journal;

const std::string kDir = "journal";
constexpr size_t kRecordsMax = 16;
constexpr size_t kEventsPerRecordMax = 4;
constexpr size_t kPayloadBytesMax = 64;
constexpr size_t kDamageOpsMax = 4;
constexpr size_t kZeroRangeWordsMax = 64;  // 512 bytes: a lost sector
constexpr TimestampNs kTs0 = 1'700'000'000ull * kNsPerSecond;

struct Written {
  uint64_t segment = 0;
  uint64_t offset = 0;
  uint64_t group_offset = 0;
  Hash256 hash{};
  std::vector<uint8_t> bytes;
};

struct WrittenJournal {
  std::vector<Written> records;
  std::vector<std::vector<uint8_t>> segments;  // file contents, index = segment number
  std::vector<bool> removed;
  uint64_t seq_next = 1;
};

uint64_t SeqFirst(const Written& w) { return LoadLe<uint64_t>(w.bytes.data() + 16); }
uint32_t EventCount(const Written& w) { return LoadLe<uint32_t>(w.bytes.data() + 24); }

WrittenJournal Build(ByteReader& in) {
  WrittenJournal j;
  const size_t count = in.U8() % kRecordsMax + 1;
  const size_t prealloc_bytes = 8 * size_t{in.U8()};
  j.segments.emplace_back();
  Hash256 prev{};
  uint64_t group_offset = 0;
  for (size_t i = 0; i < count; i++) {
    const uint8_t flags = in.U8();
    if (i > 0 && (flags & 1) != 0) j.segments.emplace_back();  // rollover
    std::vector<uint8_t>& seg = j.segments.back();
    if (seg.empty() || (flags & 2) != 0) group_offset = seg.size();  // a new group write
    RecordBuilder builder;
    const size_t events = (flags >> 2) % kEventsPerRecordMax + 1;
    for (size_t e = 0; e < events; e++) {
      const uint16_t type = in.U16();
      const uint16_t version = in.U16();
      const size_t payload_size = in.U8() % (kPayloadBytesMax + 1);
      const std::span<const uint8_t> payload = in.Bytes(payload_size);
      uint8_t* dst = builder.AddEvent(type, version, static_cast<uint32_t>(payload_size));
      if (!payload.empty()) std::memcpy(dst, payload.data(), payload.size());
    }
    Written w;
    w.segment = j.segments.size() - 1;
    w.offset = seg.size();
    w.group_offset = group_offset;
    w.hash = builder.Seal(0, j.seq_next, kTs0 + i, prev, group_offset);
    w.bytes.assign(builder.bytes().begin(), builder.bytes().end());
    seg.insert(seg.end(), w.bytes.begin(), w.bytes.end());
    prev = w.hash;
    j.seq_next += events;
    j.records.push_back(std::move(w));
  }
  for (auto& seg : j.segments) seg.resize(seg.size() + prealloc_bytes, 0);  // fallocated
  j.removed.assign(j.segments.size(), false);
  return j;
}

void Damage(ByteReader& in, WrittenJournal* j) {
  const size_t ops = in.U8() % (kDamageOpsMax + 1);
  for (size_t i = 0; i < ops; i++) {
    const uint8_t kind = in.U8() % 6;
    const size_t s = in.U8() % j->segments.size();
    std::vector<uint8_t>& seg = j->segments[s];
    const size_t at = in.U16() % (seg.size() + 1);
    switch (kind) {
      case 0:  // bit rot
        if (at < seg.size()) seg[at] ^= static_cast<uint8_t>(1u << (in.U8() % 8));
        break;
      case 1: {  // a lost or zeroed sector (or part of one)
        const size_t n = std::min(8 * (in.U8() % kZeroRangeWordsMax + 1), seg.size() - at);
        std::fill_n(seg.begin() + static_cast<std::ptrdiff_t>(at), n, 0);
        break;
      }
      case 2:  // a shorter file
        seg.resize(at);
        break;
      case 3: {  // junk after the end
        const auto junk = in.Bytes(in.U8() % 32);
        seg.insert(seg.end(), junk.begin(), junk.end());
        break;
      }
      case 4: {  // junk over the data
        const auto junk = in.Bytes(std::min<size_t>(in.U8() % 8 + 1, seg.size() - at));
        std::copy(junk.begin(), junk.end(), seg.begin() + static_cast<std::ptrdiff_t>(at));
        break;
      }
      case 5:  // a segment file lost
        j->removed[s] = true;
        break;
    }
  }
}

bool Intact(const WrittenJournal& j, const Written& w) {
  if (j.removed[w.segment]) return false;
  const std::vector<uint8_t>& seg = j.segments[w.segment];
  return seg.size() >= w.offset + w.bytes.size() &&
         std::memcmp(seg.data() + w.offset, w.bytes.data(), w.bytes.size()) == 0;
}

struct ScanOutcome {
  Result<ScanEnd> end = ScanEnd{};
  size_t delivered = 0;
};

// Scans with a consumer that checks each record against the written one and stops after
// `stop_after` records (0: never).
ScanOutcome Scan(SimDisk* disk, const WrittenJournal& j, bool pipelined, size_t stop_after,
                 size_t buffer_bytes_max) {
  ScanOutcome out;
  auto on_record = [&](const RecordRef& r) -> Status {
    CB_CHECK(out.delivered < j.records.size());
    const Written& w = j.records[out.delivered++];
    CB_CHECK(r.position.segment == w.segment);
    CB_CHECK(r.position.offset == w.offset);
    CB_CHECK(r.header->hash == w.hash);
    CB_CHECK(r.events.size() == w.bytes.size() - kRecordHeaderSize);
    CB_CHECK(std::memcmp(r.events.data(), w.bytes.data() + kRecordHeaderSize, r.events.size()) ==
             0);
    if (out.delivered == stop_after) return Status::Aborted("fuzz consumer stops");
    return Status::Ok();
  };
  out.end = pipelined ? ScanJournalPipelined(disk, kDir, ScanStart{}, on_record, buffer_bytes_max)
                      : ScanJournal(disk, kDir, ScanStart{}, on_record);
  return out;
}

void CheckSameOutcome(const ScanOutcome& a, const ScanOutcome& b) {
  CB_CHECK(a.delivered == b.delivered);
  CB_CHECK(a.end.ok() == b.end.ok());
  if (!a.end.ok()) {
    CB_CHECK(a.end.status().code() == b.end.status().code());
    CB_CHECK(a.end.status().message() == b.end.status().message());
    return;
  }
  CB_CHECK(a.end->end.segment == b.end->end.segment);
  CB_CHECK(a.end->end.offset == b.end->end.offset);
  CB_CHECK(a.end->seq_next == b.end->seq_next);
  CB_CHECK(a.end->last_hash == b.end->last_hash);
  CB_CHECK(a.end->records == b.end->records);
  CB_CHECK(a.end->torn_tail == b.end->torn_tail);
  CB_CHECK(a.end->torn_detail == b.end->torn_detail);
}

void CheckRecovered(const WrittenJournal& j, bool damaged, const ScanOutcome& scan) {
  if (!damaged) CB_CHECK(scan.end.ok());
  if (!scan.end.ok()) {
    CB_CHECK(scan.end.status().code() == StatusCode::kDataLoss);
    return;
  }
  const ScanEnd& end = *scan.end;
  CB_CHECK(end.records == scan.delivered);
  const Written* last = scan.delivered == 0 ? nullptr : &j.records[scan.delivered - 1];
  CB_CHECK(end.seq_next == (last ? SeqFirst(*last) + EventCount(*last) : 1));
  CB_CHECK(end.last_hash == (last ? last->hash : Hash256{}));
  CB_CHECK(!end.torn_tail || !end.torn_detail.empty());
  if (!damaged) {
    CB_CHECK(scan.delivered == j.records.size());
    CB_CHECK(!end.torn_tail);
  }
  // Records dropped as a torn tail: none of them may have been written after the damage
  // was (a later group in the same segment, or any later segment) and still be intact.
  for (size_t k = scan.delivered; k < j.records.size(); k++) {
    const Written& w = j.records[k];
    if (!Intact(j, w)) continue;
    CB_CHECK(w.segment <= end.end.segment);
    CB_CHECK(w.segment < end.end.segment || w.group_offset <= end.end.offset);
  }
}

// Every event under `durable_seq_next` read back through JournalReader, oldest first then
// newest first (the second pass starts from the positions the first one noted).
void CheckReads(SimDisk* disk, const WrittenJournal& j, uint64_t durable_seq_next,
                bool must_succeed) {
  JournalReader reader(disk, kDir);
  CB_CHECK(!reader.ReadEvent(0, durable_seq_next).ok());
  CB_CHECK(!reader.ReadEvent(durable_seq_next, durable_seq_next).ok());
  for (int pass = 0; pass < 2; pass++) {
    for (uint64_t i = 1; i < durable_seq_next; i++) {
      const uint64_t seq = pass == 0 ? i : durable_seq_next - i;
      const Result<JournalReader::Event> ev = reader.ReadEvent(seq, durable_seq_next);
      if (!ev.ok()) {
        CB_CHECK(!must_succeed);
        CB_CHECK(ev.status().code() == StatusCode::kDataLoss ||
                 ev.status().code() == StatusCode::kNotFound);
        continue;
      }
      size_t k = 0;  // the record that holds seq
      while (SeqFirst(j.records[k]) + EventCount(j.records[k]) <= seq) k++;
      const Written& w = j.records[k];
      EventIterator it(std::span<const uint8_t>(w.bytes).subspan(kRecordHeaderSize));
      EventView view;
      for (uint64_t s = SeqFirst(w); s <= seq; s++) CB_CHECK(it.Next(&view));
      CB_CHECK(ev->type == view.type);
      CB_CHECK(ev->record_timestamp_ns == LoadLe<uint64_t>(w.bytes.data() + 32));
      CB_CHECK(std::equal(ev->payload.begin(), ev->payload.end(), view.payload.begin(),
                          view.payload.end()));
    }
  }
}

}  // namespace

void FuzzSegments(std::span<const uint8_t> bytes) {
  ByteReader in(bytes);
  WrittenJournal j = Build(in);
  const std::vector<std::vector<uint8_t>> as_written = j.segments;
  Damage(in, &j);
  const bool damaged = j.segments != as_written ||
                       std::find(j.removed.begin(), j.removed.end(), true) != j.removed.end();
  const size_t stop_after = in.U8() % (j.records.size() + 1);
  const size_t buffer_bytes_max = size_t{in.U16()} + 1;

  SimDisk disk(/*seed=*/1, SimDiskFaults{});
  CB_CHECK(disk.CreateDir(kDir).ok());
  for (size_t s = 0; s < j.segments.size(); s++) {
    if (j.removed[s]) continue;
    auto file = disk.Open(JoinPath(kDir, SegmentName(s)), true);
    CB_CHECK(file.ok());
    // An empty write would hand SimFile::WriteAt a null span (memcpy from nullptr: UB).
    if (!j.segments[s].empty()) CB_CHECK((*file)->WriteAt(0, j.segments[s]).ok());
  }

  const ScanOutcome scan = Scan(&disk, j, false, 0, 0);
  CheckSameOutcome(scan, Scan(&disk, j, true, 0, buffer_bytes_max));
  CheckRecovered(j, damaged, scan);
  if (stop_after > 0) {
    // A consumer that stops early gets its own error back from both scans, at the same record.
    const ScanOutcome stopped = Scan(&disk, j, false, stop_after, 0);
    CheckSameOutcome(stopped, Scan(&disk, j, true, stop_after, buffer_bytes_max));
    if (stop_after <= scan.delivered) CB_CHECK(stopped.end.status().code() == StatusCode::kAborted);
  }
  // What recovery accepted is what the writer would call durable: all of it must read back.
  if (scan.end.ok()) CheckReads(&disk, j, scan.end->seq_next, true);
  // Past it (damaged data), reads may fail but must never return another event.
  CheckReads(&disk, j, j.seq_next, false);
}

}  // namespace cb::fuzz
