// Elementwise kernels over n contiguous floats: activations, clamp, and the arithmetic the
// ConvGRU and the deep guided filter need. Output may alias an input.
#pragma once

#include <cstddef>

#include "kernels/activation.h"
#include "kernels/isa.h"

namespace matte {

struct EltwiseKernels {
  // out = act(in)
  void (*f32_vunary)(size_t n, const float* in, float* out, Act act);
  // out = min(max(in, lo), hi)
  void (*f32_vclamp)(size_t n, const float* in, float* out, float lo, float hi);
  // out = a + b, a − b, a·b
  void (*f32_vadd)(size_t n, const float* a, const float* b, float* out);
  void (*f32_vsub)(size_t n, const float* a, const float* b, float* out);
  void (*f32_vmul)(size_t n, const float* a, const float* b, float* out);
  // out = a·b + c
  void (*f32_vmuladd)(size_t n, const float* a, const float* b, const float* c, float* out);
  // out = a·in + b with scalars a, b
  void (*f32_vaffine)(size_t n, const float* in, float* out, float a, float b);
  // ConvGRU state update out = (1 − z)·h + z·c, each product rounded before the sum, as the scalar
  // formula and ONNX Runtime's Sub, Mul, Mul, Add compute it (so every ISA gives the same bits).
  void (*f32_vgru_update)(size_t n, const float* z, const float* h, const float* c, float* out);
  // Mean over the channels of each of n NHWC pixels: out[i·out_stride] = Σ_c in[i·in_stride + c] / channels.
  void (*f32_channel_mean)(size_t n, size_t channels, const float* in, size_t in_stride, float* out, size_t out_stride);
};

namespace ref {
void f32_vunary(size_t n, const float* in, float* out, Act act);
void f32_vclamp(size_t n, const float* in, float* out, float lo, float hi);
void f32_vadd(size_t n, const float* a, const float* b, float* out);
void f32_vsub(size_t n, const float* a, const float* b, float* out);
void f32_vmul(size_t n, const float* a, const float* b, float* out);
void f32_vmuladd(size_t n, const float* a, const float* b, const float* c, float* out);
void f32_vaffine(size_t n, const float* in, float* out, float a, float b);
void f32_vgru_update(size_t n, const float* z, const float* h, const float* c, float* out);
void f32_channel_mean(size_t n, size_t channels, const float* in, size_t in_stride, float* out, size_t out_stride);
}  // namespace ref

template <class Arch>
EltwiseKernels eltwise_table();
extern template EltwiseKernels eltwise_table<Avx512Arch>();
extern template EltwiseKernels eltwise_table<Avx2Arch>();

EltwiseKernels eltwise_kernels(Isa isa);
// The active ISA's table, chosen once.
const EltwiseKernels& eltwise();

}  // namespace matte
