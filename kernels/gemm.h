// Pointwise (1×1) convolution as a cache-blocked GEMM over P pixels:
//   out[p][co] = act(Σ_ci in[p][ci]·scale[ci]·W[co][ci] + bias[co]) + residual[p][co]
// The caller splits the pixel range across threads by offsetting in, residual and out.
#pragma once

#include <cstddef>

#include "kernels/activation.h"
#include "kernels/isa.h"

namespace matte {

struct GemmParams {
  size_t cin = 0, cout = 0;
  // Pixel strides in floats: in_stride >= cin, out_stride >= cout, res_stride >= cout.
  size_t in_stride = 0, out_stride = 0, res_stride = 0;
  // [cin] per-input-channel factor (squeeze-and-excitation), or nullptr.
  const float* scale = nullptr;
  // [cout], or nullptr.
  const float* bias = nullptr;
  Act act = Act::none;
};

struct GemmKernels {
  // Pixels of the micro-tile: a pixel range that is a multiple of it computes no padding rows.
  size_t tile_pixels = 1;
  // Floats f32_gemm_pack writes for a [cout][cin] weight.
  size_t (*f32_gemm_packed_size)(size_t cin, size_t cout);
  // Repacks ONNX/PyTorch weights w[cout][cin] into the layout f32_gemm reads.
  void (*f32_gemm_pack)(size_t cin, size_t cout, const float* w, float* packed);
  // `pixels` pixels; residual (nullptr = none, else read at res_stride) is added after the
  // activation. out must not overlap in or residual: partial sums go through it when cin is blocked.
  void (*f32_gemm)(const GemmParams& p, const float* in, const float* packed, const float* residual, float* out,
                   size_t pixels);
  // Runs `iterations` rounds of independent register FMA chains, stores their sum to *sink so the
  // work stays observable, and returns the FLOPs done (multiply-add = 2): the core's FMA peak.
  size_t (*f32_fma_peak)(size_t iterations, float* sink);
};

namespace ref {
// The reference "packs" by copying: its layout is the source layout [cout][cin].
size_t f32_gemm_packed_size(size_t cin, size_t cout);
void f32_gemm_pack(size_t cin, size_t cout, const float* w, float* packed);
void f32_gemm(const GemmParams& p, const float* in, const float* packed, const float* residual, float* out,
              size_t pixels);
size_t f32_fma_peak(size_t iterations, float* sink);
}  // namespace ref

template <class Arch>
GemmKernels gemm_table();
extern template GemmKernels gemm_table<Avx512Arch>();
extern template GemmKernels gemm_table<Avx2Arch>();

GemmKernels gemm_kernels(Isa isa);
// The active ISA's table, chosen once.
const GemmKernels& gemm();

}  // namespace matte
