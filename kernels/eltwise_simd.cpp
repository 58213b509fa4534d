// Built once per ISA (MATTE_ARCH); the templates are identical in every build, only the
// explicit instantiation at the end differs.
#include <algorithm>

#include "kernels/eltwise.h"
#include "kernels/simd_act.hpp"

namespace matte {

namespace simd {

template <class Arch>
void f32_vunary(size_t n, const float* x, float* y, Act act) {
  using B = xsimd::batch<float, Arch>;
  with_act(act, [&](auto tag) {
    constexpr Act A = decltype(tag)::value;
    size_t i = 0;
    for (; i + B::size <= n; i += B::size) act_apply<A>(B::load_unaligned(x + i)).store_unaligned(y + i);
    for (; i < n; ++i) y[i] = act_apply<A>(x[i]);
  });
}

template <class Arch>
void f32_vclamp(size_t n, const float* x, float* y, float lo, float hi) {
  using B = xsimd::batch<float, Arch>;
  const B vlo(lo), vhi(hi);
  size_t i = 0;
  for (; i + B::size <= n; i += B::size)
    xsimd::min(xsimd::max(B::load_unaligned(x + i), vlo), vhi).store_unaligned(y + i);
  for (; i < n; ++i) y[i] = std::min(std::max(x[i], lo), hi);
}

}  // namespace simd

template <class Arch>
EltwiseKernels eltwise_table() {
  return {simd::f32_vunary<Arch>, simd::f32_vclamp<Arch>};
}

template EltwiseKernels eltwise_table<MATTE_ARCH>();

}  // namespace matte
