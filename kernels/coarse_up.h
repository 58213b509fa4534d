// BGMv2's coarse result to full resolution, one row at a time and straight from/to the frame's
// pixels: the coarse [alpha | foreground residual] (4 channels) bilinearly interpolated with the
// plain C++ arithmetic of ONNX Runtime's Resize (weight products, then the four terms summed left
// to right, nothing fused), then alpha = clamp(a) and fg_c = clamp(r_c + s_c) for the source pixel
// s, written as floats and 8-bit at once, each only when asked for.
//
// As in kernels/guided.h, a coarse row is first expanded (f32_coarse_up_expand) into the values
// each output column reads from it, planar, and consecutive output rows share two expanded rows.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/isa.h"

namespace matte {

// [alpha | foreground residual R G B]
constexpr size_t kCoarseUpChannels = 4;

// floats of one expanded row: both horizontal taps × 4 channels, `plane` floats each.
static constexpr size_t coarse_up_expanded_size(size_t plane) { return 2 * kCoarseUpChannels * plane; }

// One output row. Every pointer covers `width` values.
struct CoarseUpRow {
  size_t width = 0;
  // Expanded rows above (top) and below (bottom) the output row, and the distance between the
  // planes of an expanded row (>= width).
  const float* top = nullptr;
  const float* bottom = nullptr;
  size_t plane = 0;
  // Horizontal weights of each output column's two taps, and the row's vertical ones.
  const float* wx0 = nullptr;
  const float* wx1 = nullptr;
  float wy0 = 0.0f, wy1 = 0.0f;
  // Each output null when not wanted (the foreground's three rows all null or all set): nothing is
  // stored there, and the foreground (alpha) is not computed when neither of its forms is wanted.
  float* alpha = nullptr;
  float* foreground[3] = {};  // R, G, B rows (planar)
  // round(·255) of alpha and foreground (interleaved, in the source's channel order).
  uint8_t* alpha8 = nullptr;
  uint8_t* foreground8 = nullptr;
};

struct CoarseUpKernels {
  // out[t·4·plane + c·plane + x] = row[x_t[x]·pixel_stride + c] for x < width, both taps t
  // (x_0 = x0, x_1 = x1) of the first 4 channels c of a coarse row's pixels.
  void (*f32_coarse_up_expand)(size_t width, const float* row, size_t pixel_stride, const uint32_t* x0,
                               const uint32_t* x1, float* out, size_t plane);
  // One output row from the source row of 8-bit interleaved pixels, RGB, or BGR when `bgr` (then
  // foreground8 is BGR too).
  void (*u8_coarse_up_row)(const CoarseUpRow& r, const uint8_t* src, bool bgr);
  // The same from float RGB pixels `src_stride` floats apart; foreground8 is RGB.
  void (*f32_coarse_up_row)(const CoarseUpRow& r, const float* src, size_t src_stride);
};

// The per-pixel formula on an interpolated [alpha | residual], shared by the reference and the
// vector kernels' scalar path. Static for the reason given in kernels/resize.h (resize_tap).
[[gnu::always_inline]] static inline void coarse_up_apply(const float* v, const float* s, float& alpha, float* fg) {
  const auto clamp01 = [](float x) { return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : x); };
  alpha = clamp01(v[0]);
  for (int c = 0; c < 3; ++c) fg[c] = clamp01(v[1 + c] + s[c]);
}

namespace ref {
void f32_coarse_up_expand(size_t width, const float* row, size_t pixel_stride, const uint32_t* x0, const uint32_t* x1,
                          float* out, size_t plane);
void u8_coarse_up_row(const CoarseUpRow& r, const uint8_t* src, bool bgr);
void f32_coarse_up_row(const CoarseUpRow& r, const float* src, size_t src_stride);
}  // namespace ref

template <class Arch>
CoarseUpKernels coarse_up_table();
extern template CoarseUpKernels coarse_up_table<Avx512Arch>();
extern template CoarseUpKernels coarse_up_table<Avx2Arch>();

CoarseUpKernels coarse_up_kernels(Isa isa);
// The active ISA's table, chosen once.
const CoarseUpKernels& coarse_up();

}  // namespace matte
