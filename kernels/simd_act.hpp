// Vector activations; include only from *_simd.cpp (built per ISA, each in its own namespace).
#pragma once

#include <xsimd/xsimd.hpp>

#include "kernels/activation.h"

namespace matte::simd::inline MATTE_ISA_NAMESPACE {

template <Act A, class B>
inline B act_apply(B x) {
  if constexpr (A == Act::relu) {
    return xsimd::max(x, B(0.0f));
  } else if constexpr (A == Act::relu6) {
    return xsimd::min(xsimd::max(x, B(0.0f)), B(6.0f));
  } else if constexpr (A == Act::hardsigmoid || A == Act::hardswish) {
    B hs = xsimd::min(xsimd::max(xsimd::fma(x, B(1.0f / 6.0f), B(0.5f)), B(0.0f)), B(1.0f));
    if constexpr (A == Act::hardswish) return x * hs;
    return hs;
  } else if constexpr (A == Act::sigmoid) {
    return B(1.0f) / (B(1.0f) + xsimd::exp(-x));
  } else if constexpr (A == Act::tanh) {
    return xsimd::tanh(x);
  } else {
    return x;
  }
}

// Scalar twin for loop tails, same formula as act_ref.
template <Act A>
inline float act_apply(float x) {
  return act_ref(A, x);
}

}  // namespace matte::simd::inline MATTE_ISA_NAMESPACE
