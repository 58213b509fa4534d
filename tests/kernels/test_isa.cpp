#include <cstdlib>
#include <cstring>

#include "tests/kernels/kernel_test_util.h"

namespace matte {

TEST_CASE("the active ISA honours MATTE_ISA and never exceeds the CPU") {
  CHECK(active_isa() <= detected_isa());
  const char* want = std::getenv("MATTE_ISA");
  if (want && std::strcmp(want, "avx2") == 0 && detected_isa() >= Isa::avx2) CHECK(active_isa() == Isa::avx2);
  if (!want) CHECK(active_isa() == detected_isa());
}


}  // namespace matte
