#pragma once
// GET /v1/events: a tenant's journal events after a sequence number, read straight from
// the journal files (the truth, via journal::JournalReader), never past what is durable.
// Runs on io threads.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "journal/disk.h"
#include "journal/reader.h"
#include "kernel/principal.h"

namespace cb::api {

struct EventPage {
  std::string body;  // {"object":"list","data":[...],"has_more":b,"next_cursor":..,"last_seq":n}
};

class EventFeed {
 public:
  explicit EventFeed(journal::JournalReader* reader) : reader_(reader) {}
  // Events of `principal`'s tenant with seq > after, at most `limit`, below durable_seq_next.
  Result<EventPage> Read(const kernel::Principal& principal, uint64_t after, uint32_t limit,
                         uint64_t durable_seq_next);

 private:
  journal::JournalReader* reader_;
};

}  // namespace cb::api
