#include "journal/position_index.h"

namespace cb::journal {

void PositionIndex::Note(uint64_t seq_first, Position position) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.upper_bound(seq_first);
  if (it != entries_.begin()) {
    const Position& floor = std::prev(it)->second;
    if (std::prev(it)->first == seq_first || !Due(floor, position)) return;
  }
  entries_.emplace_hint(it, seq_first, position);
}

std::optional<PositionIndex::Entry> PositionIndex::Floor(uint64_t seq) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.upper_bound(seq);
  if (it == entries_.begin()) return std::nullopt;
  --it;
  return Entry{it->first, it->second};
}

size_t PositionIndex::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

}  // namespace cb::journal
