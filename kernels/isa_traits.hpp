// For *_simd.cpp: what a vector kernel asks of the ISA it is built for, in one type.
#pragma once

#include <cstddef>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "kernels/isa.h"

namespace matte {

// What a vector kernel asks of the ISA it is built for (Arch: Avx512Arch, Avx2Arch, or a narrower
// xsimd architecture a tail steps down to): the one place that says which ISA it is.
template <class Arch>
struct IsaTraits {
  static constexpr bool avx512 = std::is_same_v<Arch, Avx512Arch>;
  static constexpr size_t vector_registers = avx512 ? 32 : 16;
  // What channel tails step down to before going scalar (void: nothing narrower is used); SSE4.2
  // for AVX2, as xsimd 8 has no fma3<sse4_2> registers once AVX is on.
  using Narrower = std::conditional_t<avx512, Avx2Arch,
                                      std::conditional_t<std::is_same_v<Arch, Avx2Arch>, xsimd::sse4_2, void>>;
};
// The same for the architecture of an xsimd batch type B.
template <class B>
using BatchIsa = IsaTraits<typename B::arch_type>;

}  // namespace matte
