#pragma once
// A service's snapshot section written as a plain list of its own events, which loading
// applies in order: each is type (u16 LE) | size (u32 LE) | protobuf payload.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/uint128.h"
#include "journal/format.h"

namespace cb::runtime {

constexpr size_t kSnapshotEventHeaderBytes = 6;

// Any protobuf message (no protobuf header needed here).
template <typename Message>
void AppendSnapshotEvent(std::string* out, uint16_t type, const Message& m) {
  const std::string payload = m.SerializeAsString();
  uint8_t head[kSnapshotEventHeaderBytes];
  StoreLe<uint16_t>(head, type);
  StoreLe<uint32_t>(head + 2, static_cast<uint32_t>(payload.size()));
  out->append(reinterpret_cast<const char*>(head), sizeof(head));
  out->append(payload);
}

// Takes the next event off the front of `section` (not empty); DataLoss, naming `what`, when
// the section is cut short. The view points into `section`'s bytes.
Result<journal::EventView> NextSnapshotEvent(std::string_view* section, uint16_t version,
                                             std::string_view what);

}  // namespace cb::runtime
