#include "kernels/gemm.h"

#include <algorithm>

namespace matte {

namespace ref {

size_t f32_gemm_packed_size(size_t cin, size_t cout) { return cin * cout; }

void f32_gemm_pack(size_t cin, size_t cout, const float* w, float* packed) {
  std::copy(w, w + cin * cout, packed);
}

void f32_gemm(const GemmParams& p, const float* in, const float* packed, const float* residual, float* out,
              size_t pixels) {
  for (size_t i = 0; i < pixels; ++i) {
    const float* x = in + i * p.in_stride;
    for (size_t co = 0; co < p.cout; ++co) {
      const float* w = packed + co * p.cin;
      float acc = p.bias ? p.bias[co] : 0.0f;
      for (size_t ci = 0; ci < p.cin; ++ci) acc += x[ci] * (p.scale ? w[ci] * p.scale[ci] : w[ci]);
      acc = act_ref(p.act, acc);
      if (residual) acc += residual[i * p.res_stride + co];
      out[i * p.out_stride + co] = acc;
    }
  }
}

size_t f32_fma_peak(size_t iterations, float* sink) {
  constexpr size_t kChains = 8;
  float acc[kChains];
  const float a = *sink, b = 1.0f - *sink;
  for (size_t c = 0; c < kChains; ++c) acc[c] = static_cast<float>(c);
  for (size_t it = 0; it < iterations; ++it)
    for (size_t c = 0; c < kChains; ++c) acc[c] = acc[c] * a + b;
  float sum = 0.0f;
  for (float x : acc) sum += x;
  *sink = sum;
  return iterations * kChains * 2;
}

}  // namespace ref

GemmKernels gemm_kernels(Isa isa) {
  return select_table(
      isa,
      [] {
        return GemmKernels{.tile_pixels = 1,
                           .f32_gemm_packed_size = ref::f32_gemm_packed_size,
                           .f32_gemm_pack = ref::f32_gemm_pack,
                           .f32_gemm = ref::f32_gemm,
                           .f32_fma_peak = ref::f32_fma_peak};
      },
      [](auto arch) { return gemm_table<decltype(arch)>(); });
}

const GemmKernels& gemm() {
  static const GemmKernels table = gemm_kernels(active_isa());
  return table;
}

}  // namespace matte
