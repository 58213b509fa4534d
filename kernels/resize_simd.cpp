// Built once per ISA (MATTE_ARCH); see eltwise_simd.cpp.
#include <algorithm>
#include <cmath>

#include "kernels/resize.h"
#include "kernels/simd_lanes.hpp"
#include "kernels/u8_pixels.h"

namespace matte {

namespace simd::inline MATTE_ISA_NAMESPACE {

// Vectorised over channels. The x taps are the same for every row, so the output is walked in
// column chunks whose taps sit on the stack: no per-pixel division, no caller buffer. kC > 0 fixes
// the channel count at compile time so the channel loop of small images unrolls away.
template <class Arch, size_t kC>
void resize_bilinear(const ResizeParams& p, const float* in, size_t in_stride, float* out, size_t out_stride,
                     size_t row_begin, size_t row_end) {
  const size_t channels = kC > 0 ? kC : p.channels;
  constexpr size_t kChunk = 64;
  size_t off0[kChunk], off1[kChunk];
  float wx0[kChunk], wx1[kChunk];
  const size_t row = p.in_w * in_stride;
  for (size_t x_begin = 0; x_begin < p.out_w; x_begin += kChunk) {
    const size_t nx = std::min(kChunk, p.out_w - x_begin);
    for (size_t j = 0; j < nx; ++j) {
      const ResizeTap tx = resize_tap(x_begin + j, p.out_w, p.in_w, p.scale_x);
      off0[j] = tx.i0 * in_stride;
      off1[j] = tx.i1 * in_stride;
      wx0[j] = tx.w0;
      wx1[j] = tx.w1;
    }
    for (size_t oy = row_begin; oy < row_end; ++oy) {
      const ResizeTap ty = resize_tap(oy, p.out_h, p.in_h, p.scale_y);
      const float* r0 = in + ty.i0 * row;
      const float* r1 = in + ty.i1 * row;
      float* dst = out + (oy * p.out_w + x_begin) * out_stride;
      for (size_t j = 0; j < nx; ++j, dst += out_stride) {
        const float *a = r0 + off0[j], *b = r0 + off1[j], *c = r1 + off0[j], *d = r1 + off1[j];
        const float w00 = wx0[j] * ty.w0, w01 = wx1[j] * ty.w0, w10 = wx0[j] * ty.w1, w11 = wx1[j] * ty.w1;
        for_lanes<Arch>(channels, [&](auto lanes, size_t ch) {
          using L = decltype(lanes);
          auto v = L::mul(L::set1(w00), L::load(a + ch));
          v = L::fma(L::set1(w01), L::load(b + ch), v);
          v = L::fma(L::set1(w10), L::load(c + ch), v);
          v = L::fma(L::set1(w11), L::load(d + ch), v);
          L::store(dst + ch, v);
        });
      }
    }
  }
}

template <class Arch>
void f32_resize_bilinear(const ResizeParams& p, const float* in, size_t in_stride, float* out, size_t out_stride,
                         size_t row_begin, size_t row_end) {
  switch (p.channels) {
    case 3: return resize_bilinear<Arch, 3>(p, in, in_stride, out, out_stride, row_begin, row_end);
    case 4: return resize_bilinear<Arch, 4>(p, in, in_stride, out, out_stride, row_begin, row_end);
    default: return resize_bilinear<Arch, 0>(p, in, in_stride, out, out_stride, row_begin, row_end);
  }
}

// Downsampling reads few source pixels per output, so scalar code over the channels suffices (a
// tap is a table load, not a division); it repeats the f32 kernel's multiply then fused
// multiply-adds so its results are bit-identical to it. The x taps, clamped to the image, are
// cached per column chunk as there.
template <class Arch>
void u8_resize_bilinear(const ResizeParams& p, const U8Image& in, float* out, size_t out_stride, size_t row_begin,
                        size_t row_end) {
  const size_t channels = p.channels;
  constexpr size_t kChunk = 64;
  size_t off0[kChunk], off1[kChunk];
  float wx0[kChunk], wx1[kChunk];
  for (size_t x_begin = 0; x_begin < p.out_w; x_begin += kChunk) {
    const size_t nx = std::min(kChunk, p.out_w - x_begin);
    for (size_t j = 0; j < nx; ++j) {
      const ResizeTap tx = resize_tap(x_begin + j, p.out_w, p.in_w, p.scale_x);
      off0[j] = std::min(tx.i0, in.width - 1) * channels;
      off1[j] = std::min(tx.i1, in.width - 1) * channels;
      wx0[j] = tx.w0;
      wx1[j] = tx.w1;
    }
    for (size_t oy = row_begin; oy < row_end; ++oy) {
      const ResizeTap ty = resize_tap(oy, p.out_h, p.in_h, p.scale_y);
      const uint8_t* r0 = in.data + std::min(ty.i0, in.height - 1) * in.row_stride;
      const uint8_t* r1 = in.data + std::min(ty.i1, in.height - 1) * in.row_stride;
      float* dst = out + (oy * p.out_w + x_begin) * out_stride;
      for (size_t j = 0; j < nx; ++j, dst += out_stride) {
        const uint8_t *a = r0 + off0[j], *b = r0 + off1[j], *c = r1 + off0[j], *d = r1 + off1[j];
        const float w00 = wx0[j] * ty.w0, w01 = wx1[j] * ty.w0, w10 = wx0[j] * ty.w1, w11 = wx1[j] * ty.w1;
        for (size_t ch = 0; ch < channels; ++ch) {
          float v = w00 * kFromU8[a[ch]];
          v = std::fma(w01, kFromU8[b[ch]], v);
          v = std::fma(w10, kFromU8[c[ch]], v);
          dst[ch] = std::fma(w11, kFromU8[d[ch]], v);
        }
      }
    }
  }
}

}  // namespace simd

template <class Arch>
ResizeKernels resize_table() {
  return {.f32_resize_bilinear = simd::f32_resize_bilinear<Arch>,
          .u8_resize_bilinear = simd::u8_resize_bilinear<Arch>};
}

template ResizeKernels resize_table<MATTE_ARCH>();

}  // namespace matte
