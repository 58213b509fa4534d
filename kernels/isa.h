// Instruction-set selection: every kernel family has one table per ISA; the active one is picked
// once from CPUID (via xsimd::dispatch) and can be forced narrower with MATTE_ISA=scalar|avx2|avx512.
#pragma once

#include <vector>

#include <xsimd/xsimd.hpp>

namespace matte {

enum class Isa { scalar, avx2, avx512 };

const char* isa_name(Isa isa);
// Widest ISA this CPU runs.
Isa detected_isa();
// Detected ISA, lowered to MATTE_ISA when that is set (an unknown value or one above the CPU's
// is reported on stderr and ignored).
Isa active_isa();
// scalar, then every vector ISA the CPU runs: what tests sweep.
std::vector<Isa> available_isas();

using Avx512Arch = xsimd::avx512bw;
using Avx2Arch = xsimd::fma3<xsimd::avx2>;

// Returns ref() for scalar, simd(Arch{}) for a vector ISA: the one switch every family's
// `<family>_kernels(Isa)` goes through.
template <class Ref, class Simd>
auto select_table(Isa isa, Ref ref, Simd simd) {
  switch (isa) {
    case Isa::avx512: return simd(Avx512Arch{});
    case Isa::avx2: return simd(Avx2Arch{});
    case Isa::scalar: break;
  }
  return ref();
}

}  // namespace matte
