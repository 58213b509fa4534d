#include "kernels/coarse_up.h"

#include "kernels/u8_pixels.h"

namespace matte {

namespace ref {

namespace {

// read(x, s) puts the RGB source pixel of column x into s.
template <class Read>
void coarse_up_row(const CoarseUpRow& r, Read read, bool bgr8) {
  const size_t tap1 = kCoarseUpChannels * r.plane;
  for (size_t x = 0; x < r.width; ++x) {
    const float w00 = r.wx0[x] * r.wy0, w01 = r.wx1[x] * r.wy0, w10 = r.wx0[x] * r.wy1, w11 = r.wx1[x] * r.wy1;
    float v[kCoarseUpChannels];
    for (size_t c = 0; c < kCoarseUpChannels; ++c) {
      const float* t = r.top + c * r.plane + x;
      const float* b = r.bottom + c * r.plane + x;
      v[c] = w00 * t[0] + w01 * t[tap1] + w10 * b[0] + w11 * b[tap1];
    }
    float s[3], alpha, fg[3];
    read(x, s);
    coarse_up_apply(v, s, alpha, fg);
    if (r.alpha) r.alpha[x] = alpha;
    if (r.alpha8) r.alpha8[x] = to_u8(alpha);
    for (size_t c = 0; c < 3; ++c) {
      if (r.foreground[0]) r.foreground[c][x] = fg[c];
      if (r.foreground8) r.foreground8[3 * x + (bgr8 ? 2 - c : c)] = to_u8(fg[c]);
    }
  }
}

}  // namespace

void f32_coarse_up_expand(size_t width, const float* row, size_t pixel_stride, const uint32_t* x0, const uint32_t* x1,
                          float* out, size_t plane) {
  for (size_t c = 0; c < kCoarseUpChannels; ++c) {
    for (size_t x = 0; x < width; ++x) {
      out[c * plane + x] = row[x0[x] * pixel_stride + c];
      out[(kCoarseUpChannels + c) * plane + x] = row[x1[x] * pixel_stride + c];
    }
  }
}

void u8_coarse_up_row(const CoarseUpRow& r, const uint8_t* src, bool bgr) {
  coarse_up_row(
      r,
      [&](size_t x, float* s) {
        for (size_t c = 0; c < 3; ++c) s[c] = from_u8(src[3 * x + (bgr ? 2 - c : c)]);
      },
      bgr);
}

void f32_coarse_up_row(const CoarseUpRow& r, const float* src, size_t src_stride) {
  coarse_up_row(
      r,
      [&](size_t x, float* s) {
        for (size_t c = 0; c < 3; ++c) s[c] = src[x * src_stride + c];
      },
      false);
}

}  // namespace ref

CoarseUpKernels coarse_up_kernels(Isa isa) {
  return select_table(
      isa,
      [] { return CoarseUpKernels{ref::f32_coarse_up_expand, ref::u8_coarse_up_row, ref::f32_coarse_up_row}; },
      [](auto arch) { return coarse_up_table<decltype(arch)>(); });
}

const CoarseUpKernels& coarse_up() {
  static const CoarseUpKernels table = coarse_up_kernels(active_isa());
  return table;
}

}  // namespace matte
