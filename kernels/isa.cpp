#include "kernels/isa.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace matte {

namespace {

struct IsaOf {
  Isa operator()(Avx512Arch) const { return Isa::avx512; }
  Isa operator()(Avx2Arch) const { return Isa::avx2; }
  // Every x86-64 CPU has SSE2: the dispatcher's always-available fallback.
  Isa operator()(xsimd::sse2) const { return Isa::scalar; }
};

Isa isa_from_env(Isa detected) {
  const char* want = std::getenv("MATTE_ISA");
  if (!want || !*want) return detected;
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
    if (std::strcmp(want, isa_name(isa)) != 0) continue;
    if (isa > detected) {
      std::fprintf(stderr, "matte: MATTE_ISA=%s is not supported by this CPU, using %s\n", want,
                   isa_name(detected));
      return detected;
    }
    return isa;
  }
  std::fprintf(stderr, "matte: unknown MATTE_ISA=%s (scalar|avx2|avx512), using %s\n", want,
               isa_name(detected));
  return detected;
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    case Isa::scalar: break;
  }
  return "scalar";
}

Isa detected_isa() {
  static const Isa isa =
      xsimd::dispatch<xsimd::arch_list<Avx512Arch, Avx2Arch, xsimd::sse2>>(IsaOf{})();
  return isa;
}

Isa active_isa() {
  static const Isa isa = isa_from_env(detected_isa());
  return isa;
}

std::vector<Isa> available_isas() {
  std::vector<Isa> out{Isa::scalar};
  if (detected_isa() >= Isa::avx2) out.push_back(Isa::avx2);
  if (detected_isa() >= Isa::avx512) out.push_back(Isa::avx512);
  return out;
}

}  // namespace matte
