// 8-bit channel values to and from floats in [0, 1], shared by the kernels and the engine so every
// path converts a pixel with the same arithmetic. Internal linkage: each *_simd.cpp build compiles
// them with its own ISA flags, and a shared out-of-line copy could be kept for every caller.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace matte {

// v/255, the division ONNX models are fed with.
[[gnu::always_inline]] static constexpr float from_u8(uint8_t v) { return static_cast<float>(v) / 255.0f; }

// from_u8 of every byte value, for loops where a load is cheaper than a division.
constexpr auto kFromU8 = [] {
  std::array<float, 256> t{};
  for (size_t v = 0; v < t.size(); ++v) t[v] = from_u8(static_cast<uint8_t>(v));
  return t;
}();

// min(max(v, 0), 1), NaN and -0 passed through (std::clamp's comparisons).
[[gnu::always_inline]] static constexpr float clamp01(float v) { return v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v); }

// round(v·255), halves away from zero (std::lround's rule), of a value already clamped to [0, 1];
// no libm call, which showed up in profiles.
[[gnu::always_inline]] static inline uint8_t to_u8(float v) {
  const float x = v * 255.0f;
  const int t = static_cast<int>(x);
  return static_cast<uint8_t>(x - static_cast<float>(t) >= 0.5f ? t + 1 : t);
}

}  // namespace matte
