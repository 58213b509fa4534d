#include "kernels/dwconv.h"

#include <cstdint>

namespace matte {

void dwconv_pack(size_t channels, size_t kernel, const float* weights, float* packed) {
  const size_t taps = kernel * kernel;
  for (size_t c = 0; c < channels; ++c)
    for (size_t t = 0; t < taps; ++t) packed[t * channels + c] = weights[c * taps + t];
}

namespace ref {
namespace {

void dwconv(size_t kernel, const DwConvParams& p, const float* in, const float* w, float* out, size_t row_begin,
            size_t row_end) {
  const auto h = static_cast<int64_t>(p.in_h), wd = static_cast<int64_t>(p.in_w);
  for (size_t y = row_begin; y < row_end; ++y) {
    for (size_t x = 0; x < p.out_w; ++x) {
      for (size_t c = 0; c < p.channels; ++c) {
        float acc = p.bias ? p.bias[c] : 0.0f;
        for (size_t ky = 0; ky < kernel; ++ky) {
          const int64_t iy = static_cast<int64_t>(y * p.stride + ky * p.dilation) - static_cast<int64_t>(p.pad_top);
          if (iy < 0 || iy >= h) continue;
          for (size_t kx = 0; kx < kernel; ++kx) {
            const int64_t ix =
                static_cast<int64_t>(x * p.stride + kx * p.dilation) - static_cast<int64_t>(p.pad_left);
            if (ix < 0 || ix >= wd) continue;
            acc += in[(static_cast<size_t>(iy) * p.in_w + static_cast<size_t>(ix)) * p.in_stride + c] *
                   w[(ky * kernel + kx) * p.channels + c];
          }
        }
        out[(y * p.out_w + x) * p.out_stride + c] = act_ref(p.act, acc);
      }
    }
  }
}

}  // namespace

void f32_dwconv_3x3(const DwConvParams& p, const float* in, const float* packed, float* out,
                    size_t row_begin, size_t row_end) {
  dwconv(3, p, in, packed, out, row_begin, row_end);
}

void f32_dwconv_5x5(const DwConvParams& p, const float* in, const float* packed, float* out,
                    size_t row_begin, size_t row_end) {
  dwconv(5, p, in, packed, out, row_begin, row_end);
}

}  // namespace ref

DwConvKernels dwconv_kernels(Isa isa) {
  return select_table(
      isa,
      [] {
        return DwConvKernels{.f32_dwconv_3x3 = ref::f32_dwconv_3x3,
                             .f32_dwconv_5x5 = ref::f32_dwconv_5x5};
      },
      [](auto arch) { return dwconv_table<decltype(arch)>(); });
}

const DwConvKernels& dwconv() {
  static const DwConvKernels table = dwconv_kernels(active_isa());
  return table;
}

DwConvFn dwconv_for_kernel(const DwConvKernels& table, size_t kernel) {
  switch (kernel) {
    case 3: return table.f32_dwconv_3x3;
    case 5: return table.f32_dwconv_5x5;
    default: return nullptr;
  }
}

}  // namespace matte
