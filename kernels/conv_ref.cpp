#include <algorithm>

#include "kernels/conv.h"

namespace matte {

size_t conv_panels_size(size_t cin, size_t cout, size_t k, size_t nr) {
  size_t floats = 0;
  for (size_t c0 = 0, w = 0; c0 < cout; c0 += w) floats += (w = conv_panel_width(nr, cout - c0));
  return floats * k * k * cin;
}

void pack_conv_panels(size_t cin, size_t cout, size_t k, size_t nr, const float* weights, float* packed) {
  const size_t taps = k * k;
  for (size_t c0 = 0, width = 0; c0 < cout; c0 += width) {
    width = conv_panel_width(nr, cout - c0);
    const size_t n = std::min(width, cout - c0);
    // Every panel before this one is full, so its offset follows from c0.
    float* panel = packed + c0 * taps * cin;
    std::fill(panel, panel + width * taps * cin, 0.0f);
    for (size_t j = 0; j < n; ++j)
      for (size_t ci = 0; ci < cin; ++ci)
        for (size_t t = 0; t < taps; ++t) panel[(t * cin + ci) * width + j] = weights[((c0 + j) * cin + ci) * taps + t];
  }
}

namespace ref {

size_t f32_conv_kxk_packed_size(size_t cin, size_t cout, size_t k) { return conv_panels_size(cin, cout, k, 1); }

void pack_f32_conv_kxk(size_t cin, size_t cout, size_t k, const float* weights, float* packed) {
  pack_conv_panels(cin, cout, k, 1, weights, packed);
}

void f32_conv_kxk(const ConvParams& p, const float* in, const float* packed, float* out, size_t row_begin,
                  size_t row_end) {
  const size_t k = p.kernel, per_channel = k * k * p.cin;
  for (size_t oy = row_begin; oy < row_end; ++oy) {
    for (size_t ox = 0; ox < p.out_w; ++ox) {
      float* dst = out + (oy * p.out_w + ox) * p.out_stride;
      for (size_t co = 0; co < p.cout; ++co) {
        const float* w = packed + co * per_channel;
        float acc = p.bias ? p.bias[co] : 0.0f;
        for (size_t ky = 0; ky < k; ++ky) {
          const ptrdiff_t iy = ptrdiff_t(oy * p.stride + ky * p.dilation) - ptrdiff_t(p.pad_top);
          if (iy < 0 || iy >= ptrdiff_t(p.in_h)) continue;
          for (size_t kx = 0; kx < k; ++kx) {
            const ptrdiff_t ix = ptrdiff_t(ox * p.stride + kx * p.dilation) - ptrdiff_t(p.pad_left);
            if (ix < 0 || ix >= ptrdiff_t(p.in_w)) continue;
            const float* src = in + (size_t(iy) * p.in_w + size_t(ix)) * p.in_stride;
            const float* wt = w + (ky * k + kx) * p.cin;
            for (size_t ci = 0; ci < p.cin; ++ci) acc += src[ci] * wt[ci];
          }
        }
        dst[co] = act_ref(p.act, acc);
      }
    }
  }
}

}  // namespace ref

ConvKernels conv_kernels(Isa isa) {
  return select_table(
      isa,
      [] {
        return ConvKernels{.f32_conv_kxk_packed_size = ref::f32_conv_kxk_packed_size,
                           .pack_f32_conv_kxk = ref::pack_f32_conv_kxk,
                           .f32_conv_kxk = ref::f32_conv_kxk};
      },
      [](auto arch) { return conv_table<decltype(arch)>(); });
}

const ConvKernels& conv() {
  static const ConvKernels table = conv_kernels(active_isa());
  return table;
}

}  // namespace matte
