// A low-resolution map bilinearly upsampled to the frame and applied to its pixels, one output row
// at a time, straight from/to the frame's pixels with no full-size intermediate: the networks'
// full-resolution output. What is interpolated and how it is applied is the epilogue:
// - guided (RVM's deep guided filter): [A0 A1 A2 A3 | b0 b1 b2 b3] interpolated as
//   f32_resize_bilinear does (same taps, same float operations, so the same values), then
//   alpha = clamp(A3·mean(s) + b3) and fg_c = clamp(A_c·s_c + b_c + s_c);
// - coarse (BGMv2's coarse result): [alpha | foreground residual R G B] interpolated with the plain
//   C++ arithmetic of ONNX Runtime's Resize (weight products, then the four terms summed left to
//   right, nothing fused), then alpha = clamp(a) and fg_c = clamp(r_c + s_c);
// for the source pixel s, written as floats and 8-bit at once, each only when asked for.
//
// A low-resolution row is first expanded (f32_upsample_expand) into the values each output column
// reads from it, planar so a row runs vectorised over columns; consecutive output rows share the
// same two expanded rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/isa.h"
#include "kernels/u8_pixels.h"

namespace matte {

enum class Epilogue { guided, coarse };

// Channels the epilogue interpolates.
static constexpr size_t upsample_channels(Epilogue e) { return e == Epilogue::guided ? 8 : 4; }

// floats of one expanded row: both horizontal taps × the channels, `plane` floats each.
static constexpr size_t upsample_expanded_size(Epilogue e, size_t plane) { return 2 * upsample_channels(e) * plane; }

// One output row. Every pointer covers `width` values.
struct UpsampleRow {
  Epilogue epilogue = Epilogue::guided;
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

// A row of float source pixels: channel c of column x at rgb[c][x·pixel_stride] (planar rows
// with pixel_stride 1, interleaved pixels with rgb = {p, p + 1, p + 2}).
struct F32SourceRow {
  const float* rgb[3] = {};
  size_t pixel_stride = 1;
};

// Every output column's two taps (f32_upsample_expand's x0, x1) and weights (UpsampleRow's wx0,
// wx1) when in_w columns are resized to out_w as f32_resize_bilinear does (scale_x: ResizeParams').
struct UpsampleColumns {
  std::vector<uint32_t> x0, x1;
  std::vector<float> wx0, wx1;
};
UpsampleColumns upsample_columns(size_t in_w, size_t out_w, float scale_x);

struct UpsampleApplyKernels {
  // out[t·C·plane + c·plane + x] = row[x_t[x]·pixel_stride + c] for x < width, both taps t
  // (x_0 = x0, x_1 = x1) of the first C = upsample_channels(e) channels c of a low-resolution
  // row's pixels.
  void (*f32_upsample_expand)(Epilogue e, size_t width, const float* row, size_t pixel_stride, const uint32_t* x0,
                              const uint32_t* x1, float* out, size_t plane);
  // One output row from the source row of 8-bit interleaved pixels, RGB, or BGR when `bgr` (then
  // foreground8 is BGR too).
  void (*u8_upsample_apply_row)(const UpsampleRow& r, const uint8_t* src, bool bgr);
  // The same from float RGB pixels; foreground8 is RGB.
  void (*f32_upsample_apply_row)(const UpsampleRow& r, const F32SourceRow& src);
};

// The per-pixel formulas on the interpolated channels v, shared by the reference and the vector
// kernels' scalar path. Static for the reason given in kernels/resize.h (resize_tap).

[[gnu::always_inline]] static inline void guided_apply(const float* ab, const float* s, float& alpha, float* fg) {
  const float mean = (s[0] + s[1] + s[2]) / 3.0f;
  alpha = clamp01(ab[3] * mean + ab[7]);
  for (int c = 0; c < 3; ++c) fg[c] = clamp01(ab[c] * s[c] + ab[4 + c] + s[c]);
}

[[gnu::always_inline]] static inline void coarse_apply(const float* v, const float* s, float& alpha, float* fg) {
  alpha = clamp01(v[0]);
  for (int c = 0; c < 3; ++c) fg[c] = clamp01(v[1 + c] + s[c]);
}

[[gnu::always_inline]] static inline void apply_epilogue(Epilogue e, const float* v, const float* s, float& alpha,
                                                         float* fg) {
  if (e == Epilogue::guided) guided_apply(v, s, alpha, fg);
  else coarse_apply(v, s, alpha, fg);
}

namespace ref {
void f32_upsample_expand(Epilogue e, size_t width, const float* row, size_t pixel_stride, const uint32_t* x0,
                         const uint32_t* x1, float* out, size_t plane);
void u8_upsample_apply_row(const UpsampleRow& r, const uint8_t* src, bool bgr);
void f32_upsample_apply_row(const UpsampleRow& r, const F32SourceRow& src);
}  // namespace ref

template <class Arch>
UpsampleApplyKernels upsample_apply_table();
extern template UpsampleApplyKernels upsample_apply_table<Avx512Arch>();
extern template UpsampleApplyKernels upsample_apply_table<Avx2Arch>();

UpsampleApplyKernels upsample_apply_kernels(Isa isa);
// The active ISA's table, chosen once.
const UpsampleApplyKernels& upsample_apply();

}  // namespace matte
