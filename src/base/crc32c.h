#pragma once
// CRC-32C (Castagnoli), hardware accelerated with SSE4.2 where available. Frames journal
// records and snapshots so a reader can tell a torn or flipped byte from valid data.
#include <cstddef>
#include <cstdint>

namespace cb {
// Extends `crc` (0 for a fresh checksum) over `data[0, size)`.
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t size);
inline uint32_t Crc32c(const void* data, size_t size) { return Crc32cExtend(0, data, size); }
}  // namespace cb
