// Frames in and out of the engine: 8-bit or planar float frames to an NHWC float RGB image in
// [0, 1], and float results back to 8-bit.
#pragma once

#include <cstdint>

#include "engine/matte.h"
#include "engine/tensor.h"

namespace matte {

// Throws Error when the frame has no pixels, no data or a row stride shorter than a row.
void check_frame(const Image8& frame);
void check_frame(const PlanarImage& frame);

// dst: H×W×3 RGB, value/255 (the division ONNX models are fed with), rows in parallel.
void to_rgb_float(const Image8& frame, const View& dst);
void to_rgb_float(const PlanarImage& frame, const View& dst);

// round(v·255), halves away from zero (std::lround's rule), of a value already clamped to [0, 1];
// inline because a libm call per channel showed up in profiles.
inline uint8_t to_u8(float v) {
  const float x = v * 255.0f;
  const int t = static_cast<int>(x);
  return static_cast<uint8_t>(x - static_cast<float>(t) >= 0.5f ? t + 1 : t);
}

}  // namespace matte
