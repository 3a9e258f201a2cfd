#pragma once
// GET /v1/events: a tenant's journal events after a sequence number, read straight from
// the journal files (the truth), never past what is durable. Runs on io threads; a sparse
// index of record positions (seq -> segment, offset) grows as the feed reads forward, so a
// client polling with its last `seq` costs a few small reads, not a scan.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "journal/disk.h"
#include "journal/scan.h"
#include "platform/key_directory.h"

namespace cb::api {

struct EventPage {
  std::string body;  // {"object":"list","data":[...],"has_more":b,"next_cursor":..,"last_seq":n}
};

class EventFeed {
 public:
  EventFeed(Disk* disk, std::string journal_dir);
  // Events of `principal`'s tenant with seq > after, at most `limit`, below durable_seq_next.
  Result<EventPage> Read(const platform::Principal& principal, uint64_t after, uint32_t limit,
                         uint64_t durable_seq_next);

 private:
  struct Indexed {
    uint64_t seq_first;
    journal::Position position;
  };
  Disk* disk_;
  std::string dir_;
  std::mutex mu_;  // guards index_ (reads themselves use their own file handles)
  std::vector<Indexed> index_;
};

}  // namespace cb::api
