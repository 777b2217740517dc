// Shared by the fuzz targets: reads the fuzzer's bytes as small numbers and
// strings (0 once exhausted), and a check that crashes so libFuzzer keeps the input.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

namespace fuzz {

class Input {
 public:
  Input(const uint8_t *d, size_t n) : d_(d), n_(n) {}
  bool empty() const { return n_ == 0; }
  uint8_t byte() {
    if (!n_) return 0;
    --n_;
    return *d_++;
  }
  size_t num(size_t max) {
    size_t v = byte() | (static_cast<size_t>(byte()) << 8);
    return max ? v % (max + 1) : 0;
  }
  std::string bytes(size_t max) {
    size_t k = std::min(num(max), n_);
    std::string s(reinterpret_cast<const char *>(d_), k);
    d_ += k;
    n_ -= k;
    return s;
  }

 private:
  const uint8_t *d_;
  size_t n_;
};

inline void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace fuzz
