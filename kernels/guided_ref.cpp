#include "kernels/guided.h"

#include "kernels/u8_pixels.h"

namespace matte {

namespace ref {

namespace {

// read(x, s) puts the RGB source pixel of column x into s.
template <class Read>
void guided_row(const GuidedRow& r, Read read, bool bgr8) {
  const size_t tap1 = kGuidedChannels * r.plane;
  for (size_t x = 0; x < r.width; ++x) {
    // f32_resize_bilinear's arithmetic.
    const float w00 = r.wx0[x] * r.wy0, w01 = r.wx1[x] * r.wy0, w10 = r.wx0[x] * r.wy1, w11 = r.wx1[x] * r.wy1;
    float ab[kGuidedChannels];
    for (size_t c = 0; c < kGuidedChannels; ++c) {
      const float* t = r.top + c * r.plane + x;
      const float* b = r.bottom + c * r.plane + x;
      ab[c] = w00 * t[0] + w01 * t[tap1] + w10 * b[0] + w11 * b[tap1];
    }
    float s[3], alpha, fg[3];
    read(x, s);
    guided_apply(ab, s, alpha, fg);
    if (r.alpha) r.alpha[x] = alpha;
    if (r.alpha8) r.alpha8[x] = to_u8(alpha);
    for (size_t c = 0; c < 3; ++c) {
      if (r.foreground[0]) r.foreground[c][x] = fg[c];
      if (r.foreground8) r.foreground8[3 * x + (bgr8 ? 2 - c : c)] = to_u8(fg[c]);
    }
  }
}

}  // namespace

void f32_guided_expand(size_t width, const float* row, const uint32_t* x0, const uint32_t* x1, float* out,
                       size_t plane) {
  for (size_t c = 0; c < kGuidedChannels; ++c) {
    for (size_t x = 0; x < width; ++x) {
      out[c * plane + x] = row[x0[x] * kGuidedChannels + c];
      out[(kGuidedChannels + c) * plane + x] = row[x1[x] * kGuidedChannels + c];
    }
  }
}

void u8_guided_row(const GuidedRow& r, const uint8_t* src, bool bgr) {
  guided_row(
      r,
      [&](size_t x, float* s) {
        for (size_t c = 0; c < 3; ++c) s[c] = from_u8(src[3 * x + (bgr ? 2 - c : c)]);
      },
      bgr);
}

void f32_guided_row(const GuidedRow& r, const float* src_r, const float* src_g, const float* src_b) {
  guided_row(
      r,
      [&](size_t x, float* s) {
        s[0] = src_r[x];
        s[1] = src_g[x];
        s[2] = src_b[x];
      },
      false);
}

}  // namespace ref

GuidedKernels guided_kernels(Isa isa) {
  return select_table(
      isa, [] { return GuidedKernels{ref::f32_guided_expand, ref::u8_guided_row, ref::f32_guided_row}; },
      [](auto arch) { return guided_table<decltype(arch)>(); });
}

const GuidedKernels& guided() {
  static const GuidedKernels table = guided_kernels(active_isa());
  return table;
}

}  // namespace matte
