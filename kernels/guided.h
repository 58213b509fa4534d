// The deep guided filter's full-resolution output, one row at a time and straight from/to the
// frame's pixels, with no full-size intermediate: [A | b] (8 channels at the low resolution)
// interpolated as f32_resize_bilinear does (same taps, same float operations, so the same values),
// then alpha = clamp(A3·mean(s) + b3) and fg_c = clamp(A_c·s_c + b_c + s_c) for the source pixel s,
// written as floats and 8-bit at once, each only when asked for.
//
// A low-resolution row is first expanded (f32_guided_expand) into the values each output column
// reads from it, planar so a row runs vectorised over columns; consecutive output rows share the
// same two expanded rows.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/isa.h"

namespace matte {

// [A0 A1 A2 A3 | b0 b1 b2 b3]
constexpr size_t kGuidedChannels = 8;

// floats of one expanded row: both horizontal taps × 8 channels, `plane` floats each.
static constexpr size_t guided_expanded_size(size_t plane) { return 2 * kGuidedChannels * plane; }

// One output row. Every pointer covers `width` values.
struct GuidedRow {
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
  uint8_t* alpha8 = nullptr;
  uint8_t* foreground8 = nullptr;  // interleaved, in the source's channel order
};

struct GuidedKernels {
  // out[t·8·plane + c·plane + x] = row[x_t[x]·8 + c] for x < width, both taps t (x_0 = x0, x_1 = x1)
  // of every channel c, from one low-resolution row of interleaved [A | b] pixels.
  void (*f32_guided_expand)(size_t width, const float* row, const uint32_t* x0, const uint32_t* x1, float* out,
                            size_t plane);
  // One output row from the source row of 8-bit interleaved pixels, RGB, or BGR when `bgr` (then
  // foreground8 is BGR too).
  void (*u8_guided_row)(const GuidedRow& r, const uint8_t* src, bool bgr);
  // The same from planar float RGB rows; foreground8 is RGB.
  void (*f32_guided_row)(const GuidedRow& r, const float* src_r, const float* src_g, const float* src_b);
};

// The per-pixel formula, shared by the reference and the vector kernels' scalar path. Static for
// the reason given in kernels/resize.h (resize_tap).
[[gnu::always_inline]] static inline void guided_apply(const float* ab, const float* s, float& alpha, float* fg) {
  const float mean = (s[0] + s[1] + s[2]) / 3.0f;
  const float a = ab[3] * mean + ab[7];
  alpha = a < 0.0f ? 0.0f : (a > 1.0f ? 1.0f : a);
  for (int c = 0; c < 3; ++c) {
    const float f = ab[c] * s[c] + ab[4 + c] + s[c];
    fg[c] = f < 0.0f ? 0.0f : (f > 1.0f ? 1.0f : f);
  }
}

namespace ref {
void f32_guided_expand(size_t width, const float* row, const uint32_t* x0, const uint32_t* x1, float* out,
                       size_t plane);
void u8_guided_row(const GuidedRow& r, const uint8_t* src, bool bgr);
void f32_guided_row(const GuidedRow& r, const float* src_r, const float* src_g, const float* src_b);
}  // namespace ref

template <class Arch>
GuidedKernels guided_table();
extern template GuidedKernels guided_table<Avx512Arch>();
extern template GuidedKernels guided_table<Avx2Arch>();

GuidedKernels guided_kernels(Isa isa);
// The active ISA's table, chosen once.
const GuidedKernels& guided();

}  // namespace matte
