#include "kernels/resize.h"
#include "kernels/u8_pixels.h"
#include "kernels/upsample_apply.h"

namespace matte {

namespace ref {

namespace {

// read(x, s) puts the RGB source pixel of column x into s. The interpolation is
// f32_resize_bilinear's reference arithmetic, which is also ONNX Runtime's (nothing fused: this
// file is built without FMA).
template <class Read>
void upsample_apply_row(const UpsampleRow& r, Read read, bool bgr8) {
  const size_t channels = upsample_channels(r.epilogue), tap1 = channels * r.plane;
  for (size_t x = 0; x < r.width; ++x) {
    const float w00 = r.wx0[x] * r.wy0, w01 = r.wx1[x] * r.wy0, w10 = r.wx0[x] * r.wy1, w11 = r.wx1[x] * r.wy1;
    float v[8];
    for (size_t c = 0; c < channels; ++c) {
      const float* t = r.top + c * r.plane + x;
      const float* b = r.bottom + c * r.plane + x;
      v[c] = w00 * t[0] + w01 * t[tap1] + w10 * b[0] + w11 * b[tap1];
    }
    float s[3], alpha, fg[3];
    read(x, s);
    apply_epilogue(r.epilogue, v, s, alpha, fg);
    if (r.alpha) r.alpha[x] = alpha;
    if (r.alpha8) r.alpha8[x] = to_u8(alpha);
    for (size_t c = 0; c < 3; ++c) {
      if (r.foreground[0]) r.foreground[c][x] = fg[c];
      if (r.foreground8) r.foreground8[3 * x + (bgr8 ? 2 - c : c)] = to_u8(fg[c]);
    }
  }
}

}  // namespace

void f32_upsample_expand(Epilogue e, size_t width, const float* row, size_t pixel_stride, const uint32_t* x0,
                         const uint32_t* x1, float* out, size_t plane) {
  const size_t channels = upsample_channels(e);
  for (size_t c = 0; c < channels; ++c) {
    for (size_t x = 0; x < width; ++x) {
      out[c * plane + x] = row[x0[x] * pixel_stride + c];
      out[(channels + c) * plane + x] = row[x1[x] * pixel_stride + c];
    }
  }
}

void u8_upsample_apply_row(const UpsampleRow& r, const uint8_t* src, bool bgr) {
  upsample_apply_row(
      r,
      [&](size_t x, float* s) {
        for (size_t c = 0; c < 3; ++c) s[c] = from_u8(src[3 * x + (bgr ? 2 - c : c)]);
      },
      bgr);
}

void f32_upsample_apply_row(const UpsampleRow& r, const F32SourceRow& src) {
  upsample_apply_row(
      r,
      [&](size_t x, float* s) {
        for (size_t c = 0; c < 3; ++c) s[c] = src.rgb[c][x * src.pixel_stride];
      },
      false);
}

}  // namespace ref

UpsampleColumns upsample_columns(size_t in_w, size_t out_w, float scale_x) {
  UpsampleColumns c{std::vector<uint32_t>(out_w), std::vector<uint32_t>(out_w), std::vector<float>(out_w),
                    std::vector<float>(out_w)};
  for (size_t x = 0; x < out_w; ++x) {
    const ResizeTap t = resize_tap(x, out_w, in_w, scale_x);
    c.x0[x] = static_cast<uint32_t>(t.i0);
    c.x1[x] = static_cast<uint32_t>(t.i1);
    c.wx0[x] = t.w0;
    c.wx1[x] = t.w1;
  }
  return c;
}

UpsampleApplyKernels upsample_apply_kernels(Isa isa) {
  return select_table(
      isa,
      [] {
        return UpsampleApplyKernels{.f32_upsample_expand = ref::f32_upsample_expand,
                                    .u8_upsample_apply_row = ref::u8_upsample_apply_row,
                                    .f32_upsample_apply_row = ref::f32_upsample_apply_row};
      },
      [](auto arch) { return upsample_apply_table<decltype(arch)>(); });
}

const UpsampleApplyKernels& upsample_apply() {
  static const UpsampleApplyKernels table = upsample_apply_kernels(active_isa());
  return table;
}

}  // namespace matte
