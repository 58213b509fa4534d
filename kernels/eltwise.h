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
};

namespace ref {
void f32_vunary(size_t n, const float* x, float* y, Act act);
void f32_vclamp(size_t n, const float* x, float* y, float lo, float hi);
}  // namespace ref

template <class Arch>
EltwiseKernels eltwise_table();
extern template EltwiseKernels eltwise_table<Avx512Arch>();
extern template EltwiseKernels eltwise_table<Avx2Arch>();

EltwiseKernels eltwise_kernels(Isa isa);
// The active ISA's table, chosen once.
const EltwiseKernels& eltwise();

}  // namespace matte
