#include <doctest/doctest.h>

#include "engine/profile.h"

namespace matte {

TEST_CASE("Profiler sums calls per stage and step in first-seen order") {
  Profiler p;
  p.add("backbone", "features.1", 0.5, 100.0);
  p.add("decoder", "decode1", 0.25, 0.0);
  p.add("backbone", "features.1", 1.5, 300.0);
  const auto& e = p.entries();
  REQUIRE(e.size() == 2);
  CHECK(e[0].stage == "backbone");
  CHECK(e[0].step == "features.1");
  CHECK(e[0].seconds == 2.0);
  CHECK(e[0].flops == 400.0);
  CHECK(e[0].calls == 2);
  CHECK(e[1].step == "decode1");
  CHECK(e[1].calls == 1);
  p.clear();
  CHECK(p.entries().empty());
}

TEST_CASE("ProfileScope records into a profiler and does nothing without one") {
  Profiler p;
  {
    ProfileScope s(&p, "output", "alpha8", 7.0);
  }
  {
    ProfileScope s(nullptr, "output", "ignored");
  }
  REQUIRE(p.entries().size() == 1);
  CHECK(p.entries()[0].calls == 1);
  CHECK(p.entries()[0].flops == 7.0);
  CHECK(p.entries()[0].seconds >= 0.0);
}

}  // namespace matte
