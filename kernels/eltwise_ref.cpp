#include "kernels/eltwise.h"

#include <algorithm>

namespace matte {

namespace ref {

void f32_vunary(size_t n, const float* x, float* y, Act act) {
  for (size_t i = 0; i < n; ++i) y[i] = act_ref(act, x[i]);
}

void f32_vclamp(size_t n, const float* x, float* y, float lo, float hi) {
  for (size_t i = 0; i < n; ++i) y[i] = std::min(std::max(x[i], lo), hi);
}

}  // namespace ref

EltwiseKernels eltwise_kernels(Isa isa) {
  return select_table(
      isa, [] { return EltwiseKernels{ref::f32_vunary, ref::f32_vclamp}; },
      [](auto arch) { return eltwise_table<decltype(arch)>(); });
}

const EltwiseKernels& eltwise() {
  static const EltwiseKernels table = eltwise_kernels(active_isa());
  return table;
}

}  // namespace matte
