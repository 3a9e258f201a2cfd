#include "runtime/snapshot_events.h"

namespace cb::runtime {

Result<journal::EventView> NextSnapshotEvent(std::string_view* section, uint16_t version,
                                             std::string_view what) {
  const auto* p = reinterpret_cast<const uint8_t*>(section->data());
  if (section->size() < kSnapshotEventHeaderBytes) {
    return Status::DataLoss(std::string(what) + " snapshot: truncated header");
  }
  const uint16_t type = LoadLe<uint16_t>(p);
  const uint32_t size = LoadLe<uint32_t>(p + 2);
  if (section->size() - kSnapshotEventHeaderBytes < size) {
    return Status::DataLoss(std::string(what) + " snapshot: truncated event");
  }
  journal::EventView ev{type, version, {p + kSnapshotEventHeaderBytes, size}};
  section->remove_prefix(kSnapshotEventHeaderBytes + size);
  return ev;
}

}  // namespace cb::runtime
