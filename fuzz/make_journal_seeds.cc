// Writes the seed corpus of journal_record_fuzzer: records sealed by the real RecordBuilder
// (so the fuzzer starts from what the journal writes, CRC and hash included) and journal
// descriptions for mode 3. Run by hand when the record format changes, and commit the output:
//   cmake --build build-fuzz --target make_journal_seeds
//   build-fuzz/make_journal_seeds fuzz/corpus/journal_record_fuzzer
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "journal/format.h"

namespace {

using namespace cb;
using namespace cb::journal;

constexpr TimestampNs kTs0 = 1'764'892'800ull * kNsPerSecond;  // 2025-12-05T00:00:00Z

struct Event {
  uint16_t type;
  uint16_t version;
  std::string payload;
};

std::vector<uint8_t> Record(const std::vector<Event>& events, uint64_t seq_first,
                            const Hash256& prev, uint64_t group_offset, Hash256* hash) {
  RecordBuilder b;
  for (const Event& e : events) {
    uint8_t* p = b.AddEvent(e.type, e.version, static_cast<uint32_t>(e.payload.size()));
    std::memcpy(p, e.payload.data(), e.payload.size());
  }
  *hash = b.Seal(0, seq_first, kTs0 + seq_first, prev, group_offset);
  return {b.bytes().begin(), b.bytes().end()};
}

bool Write(const std::string& dir, const std::string& name, uint8_t mode,
           const std::vector<uint8_t>& body) {
  const std::string path = dir + "/" + name;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  const bool ok = std::fputc(mode, f) != EOF &&
                  (body.empty() || std::fwrite(body.data(), body.size(), 1, f) == 1);
  return std::fclose(f) == 0 && ok;
}

// Mode 3 input, in the order Build() and Damage() in journal_fuzz_segments.cc read it.
struct JournalDesc {
  std::vector<uint8_t> bytes;
  JournalDesc(uint8_t records, uint8_t prealloc_words)
      : bytes{uint8_t(records - 1), prealloc_words} {}
  void U16(uint16_t v) {
    bytes.push_back(static_cast<uint8_t>(v));
    bytes.push_back(static_cast<uint8_t>(v >> 8));
  }
  // flags: bit 0 starts a new segment, bit 1 a new group-commit write.
  void Record(uint8_t flags, const std::vector<Event>& events) {
    bytes.push_back(static_cast<uint8_t>(flags | (events.size() - 1) << 2));
    for (const Event& e : events) {
      U16(e.type);
      U16(e.version);
      bytes.push_back(static_cast<uint8_t>(e.payload.size()));
      bytes.insert(bytes.end(), e.payload.begin(), e.payload.end());
    }
  }
  // One damage op {kind, segment, offset lo, offset hi, argument}; no early stop.
  void Damage(const std::vector<uint8_t>& op) {
    bytes.push_back(1);
    bytes.insert(bytes.end(), op.begin(), op.end());
    bytes.push_back(0);
  }
  void NoDamage() { bytes.push_back(0); }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  // Payloads shaped like the services' events: fixed little-endian ledger structs and
  // small protobuf messages (ADR 0002), and an empty one.
  const std::vector<Event> transfer = {{1, 1, std::string(32, '\x11')}};
  const std::vector<Event> mixed = {{2, 1, std::string(144, '\x22')},
                                    {101, 1, "\x0a\x04name\x10\x01"},
                                    {102, 1, ""},
                                    {1, 1, std::string(5, '\x7f')}};
  Hash256 h1, h2, h3;
  const auto r1 = Record(transfer, 1, Hash256{}, 0, &h1);
  const auto r2 = Record(mixed, 2, h1, 0, &h2);
  const auto r3 = Record({{3, 2, "x"}}, 6, h2, r1.size() + r2.size(), &h3);
  std::vector<uint8_t> two = r1;
  two.insert(two.end(), r2.begin(), r2.end());
  std::vector<uint8_t> torn(r2.begin(), r2.begin() + static_cast<std::ptrdiff_t>(r2.size() / 2));
  std::vector<uint8_t> zeros(kRecordHeaderSize, 0);

  bool ok = true;
  for (uint8_t mode = 0; mode < 3; mode++) {
    const std::string m = mode == 0 ? "raw" : mode == 1 ? "sealed" : "counted";
    ok = ok && Write(dir, m + "-one-event", mode, r1);
    ok = ok && Write(dir, m + "-four-events", mode, r2);
    ok = ok && Write(dir, m + "-later-group", mode, r3);
  }
  ok = ok && Write(dir, "raw-two-records", 0, two);
  ok = ok && Write(dir, "raw-torn", 0, torn);
  ok = ok && Write(dir, "raw-zeros", 0, zeros);

  // Mode 3: journal descriptions (one segment; a rollover; the rollover with damage).
  JournalDesc one_segment(3, 4);
  one_segment.Record(0, transfer);
  one_segment.Record(0, {{7, 1, "abcdefgh"}});
  one_segment.Record(2, {{8, 1, ""}, {9, 1, "xyz"}});  // a second group-commit write
  one_segment.NoDamage();
  ok = ok && Write(dir, "journal-one-segment", 3, one_segment.bytes);
  JournalDesc rollover(4, 2);
  rollover.Record(0, transfer);
  rollover.Record(2, {{7, 1, "xyz"}});
  rollover.Record(1, {{8, 1, "ok"}, {9, 1, "z"}});  // starts segment 1
  rollover.Record(2, {{10, 1, "last"}});
  JournalDesc damaged = rollover;
  rollover.NoDamage();
  ok = ok && Write(dir, "journal-rollover", 3, rollover.bytes);
  damaged.Damage({1, 1, 0, 0, 1});  // zero 2 words at the start of segment 1
  ok = ok && Write(dir, "journal-rollover-damaged", 3, damaged.bytes);
  JournalDesc flipped(2, 0);
  flipped.Record(0, mixed);
  flipped.Record(2, transfer);
  flipped.Damage({0, 0, 40, 0, 3});  // flip a bit in the first record's header
  ok = ok && Write(dir, "journal-flipped-bit", 3, flipped.bytes);
  if (!ok) {
    std::fprintf(stderr, "make_journal_seeds: cannot write to %s\n", dir.c_str());
    return 1;
  }
  return 0;
}
