#pragma once
// Append-only array in fixed chunks: elements never move, growth never copies (no stall
// when 10M transfers double a vector), and a background snapshot may read rows [0, n)
// while the writer appends after n. Popping (linked-chain rollback) keeps the chunk.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "base/check.h"
#include "base/memory.h"

namespace cb::ledger {

// Memory comes from calloc/malloc without construction (T is trivially copyable), so
// untouched capacity costs no page faults: an empty vector is cheap to create.
template <typename T, size_t kChunkShift = 14>
class ChunkedVector {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  static constexpr size_t kChunkSize = size_t{1} << kChunkShift;
  static constexpr size_t kChunksMax = (size_t{1} << 32) >> kChunkShift;  // 4G rows

  ChunkedVector() : chunks_(static_cast<T**>(std::calloc(kChunksMax, sizeof(T*)))) {
    CB_CHECK(chunks_ != nullptr);
  }
  ~ChunkedVector() {
    for (size_t i = 0; i < kChunksMax && chunks_[i] != nullptr; i++) Free(chunks_[i]);
    std::free(chunks_);
  }
  ChunkedVector(const ChunkedVector&) = delete;
  ChunkedVector& operator=(const ChunkedVector&) = delete;

  size_t size() const { return size_; }
  T& operator[](size_t i) { return chunks_[i >> kChunkShift][i & (kChunkSize - 1)]; }
  const T& operator[](size_t i) const { return chunks_[i >> kChunkShift][i & (kChunkSize - 1)]; }

  void push_back(const T& value) {
    const size_t chunk = size_ >> kChunkShift;
    CB_CHECK(chunk < kChunksMax);
    if (chunks_[chunk] == nullptr) {
      chunks_[chunk] = static_cast<T*>(Alloc(kChunkSize * sizeof(T)));
      CB_CHECK(chunks_[chunk] != nullptr);
    }
    (*this)[size_] = value;
    size_++;
  }
  // Allocates and touches every chunk needed for `count` rows now.
  void Reserve(size_t count) {
    for (size_t chunk = 0; chunk * kChunkSize < count; chunk++) {
      CB_CHECK(chunk < kChunksMax);
      if (chunks_[chunk] == nullptr) {
        chunks_[chunk] = static_cast<T*>(Alloc(kChunkSize * sizeof(T)));
        CB_CHECK(chunks_[chunk] != nullptr);
        // Touch the pages now (AllocHuge has already zeroed, and so touched, huge chunks).
        if (!kHuge) std::memset(static_cast<void*>(chunks_[chunk]), 0, kChunkSize * sizeof(T));
      }
    }
  }
  void pop_back() {
    CB_CHECK(size_ > 0);
    size_--;
  }
  void clear() { size_ = 0; }

 private:
  static constexpr bool kHuge = kChunkSize * sizeof(T) >= kHugePageBytes;
  static void* Alloc(size_t bytes) { return kHuge ? AllocHuge(bytes) : std::malloc(bytes); }
  static void Free(void* p) {
    if (kHuge) {
      FreeHuge(p);
    } else {
      std::free(p);
    }
  }
  T** chunks_;
  size_t size_ = 0;
};

}  // namespace cb::ledger
