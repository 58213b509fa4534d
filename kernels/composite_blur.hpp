// u8_blur_small's implementation (kernels/composite.h), shared by the reference and each ISA build:
// elementwise float loops the compiler vectorises, with contraction off (kernels/CMakeLists.txt), so
// every build computes the same values. Internal linkage: compiled once per ISA flag set.
#pragma once

#include <algorithm>
#include <vector>

#include "kernels/composite.h"

namespace matte {

// out = Σ taps[k]·(in[i − k] + in[i + k]) over one line of `n` values `step` apart, whose ends
// repeat: `pad` holds the line with `radius` copies of each end value around it. Each tap is one
// pass over the whole line, so the loops run over contiguous floats.
static inline void gaussian_line(const std::vector<float>& taps, const float* in, size_t n, size_t step,
                                 std::vector<float>& pad, float* out) {
  const size_t radius = taps.size() - 1;
  pad.resize((n + 2 * radius) * step);
  for (size_t i = 0; i < n + 2 * radius; ++i) {
    const size_t from = std::min(i < radius ? 0 : i - radius, n - 1);
    std::copy_n(in + from * step, step, pad.data() + i * step);
  }
  const float* centre = pad.data() + radius * step;
  for (size_t e = 0; e < n * step; ++e) out[e] = taps[0] * centre[e];
  for (size_t k = 1; k <= radius; ++k) {
    const float *before = centre - k * step, *after = centre + k * step;
    for (size_t e = 0; e < n * step; ++e) out[e] += taps[k] * (before[e] + after[e]);
  }
}

static inline void blur_small(const BlurPlan& plan, const uint8_t* frame, size_t frame_stride, uint16_t* small,
                              BlurBuffers& work) {
  const size_t d = plan.block, sw = plan.small_width, sh = plan.small_height, n = 3 * sw * sh;
  std::vector<float> &means = work.means, &across = work.across;
  std::vector<uint32_t>& column_sums = work.column_sums;
  means.resize(n);
  across.resize(n);
  column_sums.resize(3 * plan.width);
  for (size_t j = 0; j < sh; ++j) {
    const size_t y_end = std::min(plan.height, (j + 1) * d);
    std::fill(column_sums.begin(), column_sums.end(), 0u);
    for (size_t y = j * d; y < y_end; ++y) {
      const uint8_t* row = frame + y * frame_stride;
      for (size_t i = 0; i < column_sums.size(); ++i) column_sums[i] += row[i];
    }
    for (size_t i = 0; i < sw; ++i) {
      const size_t x_end = std::min(plan.width, (i + 1) * d);
      const auto count = static_cast<float>((x_end - i * d) * (y_end - j * d));
      for (size_t c = 0; c < 3; ++c) {
        uint32_t sum = 0;
        for (size_t x = i * d; x < x_end; ++x) sum += column_sums[3 * x + c];
        means[3 * (j * sw + i) + c] = static_cast<float>(sum) / count;
      }
    }
  }
  for (size_t j = 0; j < sh; ++j) gaussian_line(plan.taps, &means[3 * sw * j], sw, 3, work.pad, &across[3 * sw * j]);
  gaussian_line(plan.taps, across.data(), sh, 3 * sw, work.pad, means.data());
  // round(v·256) of v ≥ 0 without a libm call (which showed in profiles).
  for (size_t i = 0; i < n; ++i) small[i] = static_cast<uint16_t>(std::min(means[i] * 256.0f + 0.5f, 65280.0f));
}

}  // namespace matte
