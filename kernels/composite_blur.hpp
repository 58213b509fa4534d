// u8_blur_small's implementation (kernels/composite.h), shared by the reference and each ISA build:
// elementwise float loops the compiler vectorises, with contraction off (kernels/CMakeLists.txt), so
// every build computes the same values. Internal linkage: compiled once per ISA flag set.
#pragma once

#include <algorithm>
#include <vector>

#include "kernels/composite.h"

namespace matte {

// The small Gaussian along a row of `n` pixels (3 values each), whose ends repeat: `pad` holds the
// row with `radius` copies of each end pixel around it. Each tap is one pass over the whole row, so
// the loops run over contiguous floats.
static inline void gaussian_row(const std::vector<float>& taps, const float* in, size_t n, std::vector<float>& pad,
                                float* out) {
  const size_t radius = taps.size() - 1;
  pad.resize(3 * (n + 2 * radius));
  for (size_t i = 0; i < n + 2 * radius; ++i) {
    const size_t from = std::min(i < radius ? 0 : i - radius, n - 1);
    std::copy_n(in + 3 * from, 3, pad.data() + 3 * i);
  }
  const float* centre = pad.data() + 3 * radius;
  for (size_t e = 0; e < 3 * n; ++e) out[e] = taps[0] * centre[e];
  for (size_t k = 1; k <= radius; ++k) {
    const float *before = centre - 3 * k, *after = centre + 3 * k;
    for (size_t e = 0; e < 3 * n; ++e) out[e] += taps[k] * (before[e] + after[e]);
  }
}

// Block means row by row, each blurred along the row at once (only the blurred rows are kept), then
// the Gaussian down the columns, row by row from the rows above and below (the ends repeat), rounded
// into `small`.
static inline void blur_small(const BlurPlan& plan, const uint8_t* frame, size_t frame_stride, uint16_t* small,
                              BlurBuffers& work) {
  const size_t d = plan.block, sw = plan.small_width, sh = plan.small_height, row_n = 3 * sw;
  work.across.resize(row_n * sh);
  work.means.resize(row_n);
  work.column_sums.resize(3 * plan.width);
  for (size_t j = 0; j < sh; ++j) {
    const size_t y_end = std::min(plan.height, (j + 1) * d);
    std::fill(work.column_sums.begin(), work.column_sums.end(), 0u);
    for (size_t y = j * d; y < y_end; ++y) {
      const uint8_t* row = frame + y * frame_stride;
      for (size_t i = 0; i < work.column_sums.size(); ++i) work.column_sums[i] += row[i];
    }
    for (size_t i = 0; i < sw; ++i) {
      const size_t x_end = std::min(plan.width, (i + 1) * d);
      const auto count = static_cast<float>((x_end - i * d) * (y_end - j * d));
      for (size_t c = 0; c < 3; ++c) {
        uint32_t sum = 0;
        for (size_t x = i * d; x < x_end; ++x) sum += work.column_sums[3 * x + c];
        work.means[3 * i + c] = static_cast<float>(sum) / count;
      }
    }
    gaussian_row(plan.taps, work.means.data(), sw, work.pad, &work.across[row_n * j]);
  }
  const size_t radius = plan.taps.size() - 1;
  float* sum = work.means.data();  // one row
  for (size_t j = 0; j < sh; ++j) {
    const float* centre = &work.across[row_n * j];
    for (size_t e = 0; e < row_n; ++e) sum[e] = plan.taps[0] * centre[e];
    for (size_t k = 1; k <= radius; ++k) {
      const float* above = &work.across[row_n * (j < k ? 0 : j - k)];
      const float* below = &work.across[row_n * std::min(j + k, sh - 1)];
      for (size_t e = 0; e < row_n; ++e) sum[e] += plan.taps[k] * (above[e] + below[e]);
    }
    // round(v·256) of v ≥ 0 without a libm call (which showed in profiles).
    uint16_t* out = small + row_n * j;
    for (size_t e = 0; e < row_n; ++e) out[e] = static_cast<uint16_t>(std::min(sum[e] * 256.0f + 0.5f, 65280.0f));
  }
}

}  // namespace matte
