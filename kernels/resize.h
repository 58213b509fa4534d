// Bilinear resize of an NHWC image with PyTorch align_corners=False semantics (ONNX
// coordinate_transformation_mode=pytorch_half_pixel), float arithmetic as ONNX Runtime does it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/isa.h"

namespace matte {

struct ResizeParams {
  size_t in_h, in_w, out_h, out_w, channels;
  // Output/input ratio used in the source coordinate src = (dst + 0.5) / scale - 0.5.
  float scale_y, scale_x;
};

// Interleaved 8-bit pixels (ResizeParams::channels bytes each) of a height×width image. A resize
// may read it as a larger one (in_h × in_w): rows and columns past its edge repeat the last ones,
// edge-replication padding without a padded copy.
struct U8Image {
  const uint8_t* data = nullptr;
  size_t row_stride = 0;  // bytes
  size_t height = 0, width = 0;
};

struct ResizeKernels {
  // Output rows [row_begin, row_end); pixel strides in floats.
  void (*f32_resize_bilinear)(const ResizeParams& p, const float* in, size_t in_stride, float* out, size_t out_stride,
                              size_t row_begin, size_t row_end);
  // The same from 8-bit pixels, each tap read as from_u8 (kernels/u8_pixels.h): bit-identical to
  // f32_resize_bilinear of the converted (and padded) image, without converting it first.
  void (*u8_resize_bilinear)(const ResizeParams& p, const U8Image& in, float* out, size_t out_stride, size_t row_begin,
                             size_t row_end);
};

// floor(in·scale) with the product in float, as ONNX Runtime sizes a Resize given scales.
static inline size_t resize_output_size(size_t in, float scale) {
  return static_cast<size_t>(static_cast<float>(in) * scale);
}

// Resize by a scale factor: the coordinate uses the given scale, not out/in.
static inline ResizeParams resize_by_scale(size_t in_h, size_t in_w, size_t channels, float scale_y, float scale_x) {
  return {in_h, in_w, resize_output_size(in_h, scale_y), resize_output_size(in_w, scale_x), channels, scale_y, scale_x};
}

// Resize to a target size: scale = out/in in float.
static inline ResizeParams resize_to_size(size_t in_h, size_t in_w, size_t channels, size_t out_h, size_t out_w) {
  return {in_h,
          in_w,
          out_h,
          out_w,
          channels,
          static_cast<float>(out_h) / static_cast<float>(in_h),
          static_cast<float>(out_w) / static_cast<float>(in_w)};
}

// One axis of the interpolation: the two source indices and their weights.
struct ResizeTap {
  size_t i0, i1;
  float w0, w1;
};

// pytorch_half_pixel source coordinate for output index `dst`, clamped to [0, in-1]; when both
// neighbours coincide ONNX Runtime weights them 0.5/0.5, which we keep for identical rounding.
// Helpers here are static: each *_simd.cpp build compiles them with its own ISA flags, and a
// shared out-of-line copy could be kept for every caller.
[[gnu::always_inline]] static inline ResizeTap resize_tap(size_t dst, size_t out, size_t in, float scale) {
  float src = out > 1 ? (static_cast<float>(dst) + 0.5f) / scale - 0.5f : 0.0f;
  const float hi = static_cast<float>(in - 1);
  src = src < 0.0f ? 0.0f : (src > hi ? hi : src);
  ResizeTap t;
  t.i0 = static_cast<size_t>(src);
  t.i1 = t.i0 + 1 < in ? t.i0 + 1 : in - 1;
  if (t.i0 == t.i1) {
    t.w0 = t.w1 = 0.5f;
  } else {
    t.w1 = src - static_cast<float>(t.i0);
    t.w0 = static_cast<float>(t.i1) - src;
  }
  return t;
}

namespace ref {
void f32_resize_bilinear(const ResizeParams& p, const float* in, size_t in_stride, float* out, size_t out_stride,
                         size_t row_begin, size_t row_end);
void u8_resize_bilinear(const ResizeParams& p, const U8Image& in, float* out, size_t out_stride, size_t row_begin,
                        size_t row_end);
}  // namespace ref

template <class Arch>
ResizeKernels resize_table();
extern template ResizeKernels resize_table<Avx512Arch>();
extern template ResizeKernels resize_table<Avx2Arch>();

ResizeKernels resize_kernels(Isa isa);
// The active ISA's table, chosen once.
const ResizeKernels& resize();

}  // namespace matte
