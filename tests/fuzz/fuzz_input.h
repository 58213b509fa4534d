// Reads a fuzz input as a stream of choices: small indices, and values biased towards the edges
// (0, -1, limits, huge sizes) where checks are most often missing. Past the end it reads zeros.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>

namespace matte::fuzz {

class FuzzInput {
 public:
  explicit FuzzInput(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  bool empty() const { return pos_ >= bytes_.size(); }
  uint8_t byte() { return empty() ? 0 : bytes_[pos_++]; }
  uint32_t u16() { return byte() | uint32_t{byte()} << 8; }
  // An index below `n` (n > 0).
  size_t index(size_t n) { return u16() % n; }
  std::span<const uint8_t> rest() {
    const auto out = empty() ? std::span<const uint8_t>{} : bytes_.subspan(pos_);
    pos_ = bytes_.size();
    return out;
  }

  int64_t integer() {
    static constexpr std::array<int64_t, 16> edges = {0, 1, -1, 2, 3, 4, 6, 16, 255, 1'000'000'000,
                                                      10'000'000'000, std::numeric_limits<int32_t>::max(),
                                                      std::numeric_limits<int32_t>::min(),
                                                      std::numeric_limits<int64_t>::max(),
                                                      std::numeric_limits<int64_t>::min(), 80000};
    const uint8_t b = byte();
    return b < 128 ? edges[b % edges.size()] : int64_t{b} - 192;
  }

  float real() {
    static constexpr std::array<float, 16> edges = {0.0f, 1.0f, -1.0f, 0.5f, 0.25f, 0.125f, 1.0f / 6.0f, 6.0f,
                                                    1e-30f, 1e30f, 0.1f, 2.0f, std::numeric_limits<float>::infinity(),
                                                    -std::numeric_limits<float>::infinity(),
                                                    std::numeric_limits<float>::quiet_NaN(), 1e-6f};
    const uint8_t b = byte();
    return b < 128 ? edges[b % edges.size()] : static_cast<float>(b - 192) / 16.0f;
  }

  std::string text(size_t max_size = 16) {
    std::string s;
    for (size_t n = byte() % (max_size + 1); n > 0; --n) s += static_cast<char>(byte());
    return s;
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
};

}  // namespace matte::fuzz
