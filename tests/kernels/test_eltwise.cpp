#include "kernels/eltwise.h"
#include "tests/kernels/kernel_test_util.h"

namespace matte {

TEST_CASE("f32_vunary matches the reference for every activation and length") {
  for (Isa isa : test::vector_isas()) {
    const EltwiseKernels k = eltwise_kernels(isa);
    for (Act act : {Act::none, Act::relu, Act::hardswish, Act::hardsigmoid, Act::sigmoid, Act::tanh}) {
      for (size_t n : {1, 3, 7, 8, 15, 16, 17, 31, 32, 33, 100, 1000}) {
        CAPTURE(isa_name(isa));
        CAPTURE(static_cast<int>(act));
        CAPTURE(n);
        const auto x = test::random_floats(n, 7 + n, -8.0f, 8.0f);
        auto want = test::poisoned(n + 1), got = test::poisoned(n + 1);
        ref::f32_vunary(n, x.data(), want.data(), act);
        k.f32_vunary(n, x.data(), got.data(), act);
        test::check_close(got, want, 1e-6f, 1e-5f);
        CHECK(std::isnan(got[n]));
      }
    }
  }
}

TEST_CASE("f32_vunary runs in place") {
  for (Isa isa : test::vector_isas()) {
    auto x = test::random_floats(37, 3);
    auto want = test::poisoned(37);
    ref::f32_vunary(37, x.data(), want.data(), Act::hardswish);
    eltwise_kernels(isa).f32_vunary(37, x.data(), x.data(), Act::hardswish);
    test::check_close(x, want, 1e-6f, 1e-6f);
  }
}

TEST_CASE("activation references hold known values") {
  CHECK(act_ref(Act::relu, -1.0f) == 0.0f);
  CHECK(act_ref(Act::hardsigmoid, 3.0f) == 1.0f);
  CHECK(act_ref(Act::hardsigmoid, 0.0f) == 0.5f);
  CHECK(act_ref(Act::hardswish, -3.0f) == doctest::Approx(0.0f));
  CHECK(act_ref(Act::hardswish, 1.0f) == doctest::Approx(1.0f * (1.0f / 6.0f + 0.5f)));
  CHECK(act_ref(Act::sigmoid, 0.0f) == 0.5f);
  CHECK(act_ref(Act::tanh, 0.5f) == doctest::Approx(0.46211716f));
}

TEST_CASE("f32_vclamp matches the reference") {
  for (Isa isa : test::vector_isas()) {
    for (size_t n : {1, 5, 16, 19, 64, 257}) {
      CAPTURE(isa_name(isa));
      CAPTURE(n);
      const auto x = test::random_floats(n, 11);
      auto want = test::poisoned(n), got = test::poisoned(n);
      ref::f32_vclamp(n, x.data(), want.data(), 0.0f, 1.0f);
      eltwise_kernels(isa).f32_vclamp(n, x.data(), got.data(), 0.0f, 1.0f);
      test::check_close(got, want, 0.0f, 0.0f);
    }
  }
}

}  // namespace matte
