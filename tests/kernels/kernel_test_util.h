// Shared by the kernel suites: deterministic data, poison-filled outputs, tolerant and bitwise
// comparison, the loop over the vector ISAs.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/isa.h"

namespace matte::test {

// Outputs start as NaN so a skipped write shows up as a mismatch.
inline std::vector<float> poisoned(size_t n) { return std::vector<float>(n, std::nanf("")); }

inline std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -2.0f, float hi = 2.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// |a - b| <= atol + rtol·|b| everywhere, NaN in the same places; reports the first mismatch.
inline void check_close(const std::vector<float>& got, const std::vector<float>& want, float atol = 1e-5f,
                        float rtol = 1e-5f) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const bool both_nan = std::isnan(got[i]) && std::isnan(want[i]);
    if (both_nan) continue;
    const bool ok = std::fabs(got[i] - want[i]) <= atol + rtol * std::fabs(want[i]);
    if (!ok) {
      CAPTURE(i);
      CAPTURE(got[i]);
      CAPTURE(want[i]);
      REQUIRE(ok);
    }
  }
}

// Every vector ISA this CPU runs (the scalar table is the reference itself).
inline std::vector<Isa> vector_isas() {
  std::vector<Isa> out;
  for (Isa isa : available_isas())
    if (isa != Isa::scalar) out.push_back(isa);
  return out;
}

// fn(isa) for every vector ISA, the ISA's name captured for the checks fn makes.
template <class Fn>
void for_each_vector_isa(Fn fn) {
  for (Isa isa : vector_isas()) {
    const std::string isa_text = isa_name(isa);
    CAPTURE(isa_text);
    fn(isa);
  }
}

// 8-bit outputs start as this, so a skipped or stray write shows.
constexpr uint8_t kPoison8 = 0xa5;

// The same size and the same bytes (NaN equal to the same NaN, -0 unequal to 0).
template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

}  // namespace matte::test
