// Elementwise kernels over n contiguous floats: activations, clamp, and the arithmetic the
// ConvGRU and the deep guided filter need. Output may alias an input.
#pragma once

#include <cstddef>

#include "kernels/activation.h"
#include "kernels/isa.h"

namespace matte {

struct EltwiseKernels {
  // y = act(x)
  void (*f32_vunary)(size_t n, const float* x, float* y, Act act);
  // y = min(max(x, lo), hi)
  void (*f32_vclamp)(size_t n, const float* x, float* y, float lo, float hi);
  // y = a + b, a − b, a·b
  void (*f32_vadd)(size_t n, const float* a, const float* b, float* y);
  void (*f32_vsub)(size_t n, const float* a, const float* b, float* y);
  void (*f32_vmul)(size_t n, const float* a, const float* b, float* y);
  // y = a·b + c
  void (*f32_vmuladd)(size_t n, const float* a, const float* b, const float* c, float* y);
  // y = a·x + b with scalars a, b
  void (*f32_vaffine)(size_t n, const float* x, float* y, float a, float b);
  // ConvGRU state update y = (1 − z)·h + z·c, each product rounded before the sum, as the scalar
  // formula and ONNX Runtime's Sub, Mul, Mul, Add compute it (so every ISA gives the same bits).
  void (*f32_vgru_update)(size_t n, const float* z, const float* h, const float* c, float* y);
  // Mean over the channels of each of n NHWC pixels: y[i·y_stride] = Σ_c x[i·x_stride + c] / channels.
  void (*f32_channel_mean)(size_t n, size_t channels, const float* x, size_t x_stride, float* y, size_t y_stride);
};

namespace ref {
void f32_vunary(size_t n, const float* x, float* y, Act act);
void f32_vclamp(size_t n, const float* x, float* y, float lo, float hi);
void f32_vadd(size_t n, const float* a, const float* b, float* y);
void f32_vsub(size_t n, const float* a, const float* b, float* y);
void f32_vmul(size_t n, const float* a, const float* b, float* y);
void f32_vmuladd(size_t n, const float* a, const float* b, const float* c, float* y);
void f32_vaffine(size_t n, const float* x, float* y, float a, float b);
void f32_vgru_update(size_t n, const float* z, const float* h, const float* c, float* y);
void f32_channel_mean(size_t n, size_t channels, const float* x, size_t x_stride, float* y, size_t y_stride);
}  // namespace ref

template <class Arch>
EltwiseKernels eltwise_table();
extern template EltwiseKernels eltwise_table<Avx512Arch>();
extern template EltwiseKernels eltwise_table<Avx2Arch>();

EltwiseKernels eltwise_kernels(Isa isa);
// The active ISA's table, chosen once.
const EltwiseKernels& eltwise();

}  // namespace matte
