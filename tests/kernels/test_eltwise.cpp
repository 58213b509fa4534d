#include "kernels/eltwise.h"
#include "tests/kernels/kernel_test_util.h"

namespace matte {

TEST_CASE("f32_vunary matches the reference for every activation and length") {
  test::for_each_vector_isa([&](Isa isa) {
    const EltwiseKernels k = eltwise_kernels(isa);
    for (Act act : {Act::none, Act::relu, Act::hardswish, Act::hardsigmoid, Act::sigmoid, Act::tanh}) {
      for (size_t n : {1, 3, 7, 8, 15, 16, 17, 31, 32, 33, 100, 1000}) {
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
  });
}

TEST_CASE("f32_vunary runs in place") {
  test::for_each_vector_isa([&](Isa isa) {
    auto x = test::random_floats(37, 3);
    auto want = test::poisoned(37);
    ref::f32_vunary(37, x.data(), want.data(), Act::hardswish);
    eltwise_kernels(isa).f32_vunary(37, x.data(), x.data(), Act::hardswish);
    test::check_close(x, want, 1e-6f, 1e-6f);
  });
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
  test::for_each_vector_isa([&](Isa isa) {
    for (size_t n : {1, 5, 16, 19, 64, 257}) {
      CAPTURE(n);
      const auto x = test::random_floats(n, 11);
      auto want = test::poisoned(n), got = test::poisoned(n);
      ref::f32_vclamp(n, x.data(), want.data(), 0.0f, 1.0f);
      eltwise_kernels(isa).f32_vclamp(n, x.data(), got.data(), 0.0f, 1.0f);
      test::check_close(got, want, 0.0f, 0.0f);
    }
  });
}

TEST_CASE("eltwise arithmetic references hold hand-computed values") {
  const std::vector<float> a = {1.0f, -2.0f, 0.5f}, b = {3.0f, 4.0f, -2.0f}, c = {0.25f, 1.0f, 10.0f};
  auto y = test::poisoned(3);
  ref::f32_vadd(3, a.data(), b.data(), y.data());
  test::check_close(y, {4.0f, 2.0f, -1.5f}, 0.0f, 0.0f);
  ref::f32_vsub(3, a.data(), b.data(), y.data());
  test::check_close(y, {-2.0f, -6.0f, 2.5f}, 0.0f, 0.0f);
  ref::f32_vmul(3, a.data(), b.data(), y.data());
  test::check_close(y, {3.0f, -8.0f, -1.0f}, 0.0f, 0.0f);
  ref::f32_vmuladd(3, a.data(), b.data(), c.data(), y.data());
  test::check_close(y, {3.25f, -7.0f, 9.0f}, 0.0f, 0.0f);
  ref::f32_vaffine(3, a.data(), y.data(), 2.0f, -1.0f);
  test::check_close(y, {1.0f, -5.0f, 0.0f}, 0.0f, 0.0f);
  // z = 0 keeps h, z = 1 takes c, z = 0.25 mixes.
  const std::vector<float> z = {0.0f, 1.0f, 0.25f};
  ref::f32_vgru_update(3, z.data(), a.data(), b.data(), y.data());
  test::check_close(y, {1.0f, 4.0f, 0.75f * 0.5f + 0.25f * -2.0f}, 0.0f, 0.0f);
  // Two RGB pixels in a 4-float stride, means written every 2 floats.
  const std::vector<float> px = {1.0f, 2.0f, 6.0f, 100.0f, -3.0f, 0.0f, 0.0f, 100.0f};
  auto m = test::poisoned(4);
  ref::f32_channel_mean(2, 3, px.data(), 4, m.data(), 2);
  CHECK(m[0] == 3.0f);
  CHECK(m[2] == -1.0f);
  CHECK(std::isnan(m[1]));
  CHECK(std::isnan(m[3]));
}

namespace {
const size_t kLengths[] = {1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 100, 1000};
}  // namespace

TEST_CASE("f32_vadd, f32_vsub and f32_vmul match the reference, also in place") {
  using Fn = void (*)(size_t, const float*, const float*, float*);
  struct Op {
    const char* name;
    Fn ref;
    Fn EltwiseKernels::*k;
  };
  const Op ops[] = {{"add", ref::f32_vadd, &EltwiseKernels::f32_vadd},
                    {"sub", ref::f32_vsub, &EltwiseKernels::f32_vsub},
                    {"mul", ref::f32_vmul, &EltwiseKernels::f32_vmul}};
  test::for_each_vector_isa([&](Isa isa) {
    const EltwiseKernels k = eltwise_kernels(isa);
    for (const Op& op : ops) {
      for (size_t n : kLengths) {
        CAPTURE(op.name);
        CAPTURE(n);
        const auto a = test::random_floats(n, 1 + n), b = test::random_floats(n, 2 + n);
        auto want = test::poisoned(n + 1), got = test::poisoned(n + 1);
        op.ref(n, a.data(), b.data(), want.data());
        (k.*op.k)(n, a.data(), b.data(), got.data());
        test::check_close(got, want, 0.0f, 0.0f);
        auto inplace = a;
        inplace.push_back(std::nanf(""));
        (k.*op.k)(n, inplace.data(), b.data(), inplace.data());
        test::check_close(inplace, want, 0.0f, 0.0f);
      }
    }
  });
}

TEST_CASE("f32_vmuladd, f32_vaffine and f32_vgru_update match the reference, also in place") {
  test::for_each_vector_isa([&](Isa isa) {
    const EltwiseKernels k = eltwise_kernels(isa);
    for (size_t n : kLengths) {
      CAPTURE(n);
      const auto a = test::random_floats(n, 3 + n), b = test::random_floats(n, 4 + n),
                 c = test::random_floats(n, 5 + n), z = test::random_floats(n, 6 + n, 0.0f, 1.0f);
      auto want = test::poisoned(n + 1), got = test::poisoned(n + 1);
      // FMA rounds once where the reference rounds twice.
      ref::f32_vmuladd(n, a.data(), b.data(), c.data(), want.data());
      k.f32_vmuladd(n, a.data(), b.data(), c.data(), got.data());
      test::check_close(got, want, 1e-6f, 1e-6f);
      auto inplace = c;
      inplace.push_back(std::nanf(""));
      k.f32_vmuladd(n, a.data(), b.data(), inplace.data(), inplace.data());
      test::check_close(inplace, want, 1e-6f, 1e-6f);

      ref::f32_vaffine(n, a.data(), want.data(), 0.5f, -0.25f);
      k.f32_vaffine(n, a.data(), got.data(), 0.5f, -0.25f);
      test::check_close(got, want, 1e-6f, 1e-6f);

      // Nothing fused: the same bits as the reference.
      ref::f32_vgru_update(n, z.data(), a.data(), b.data(), want.data());
      k.f32_vgru_update(n, z.data(), a.data(), b.data(), got.data());
      test::check_close(got, want, 0.0f, 0.0f);
      inplace = a;  // the hidden state is updated in place
      inplace.push_back(std::nanf(""));
      k.f32_vgru_update(n, z.data(), inplace.data(), b.data(), inplace.data());
      test::check_close(inplace, want, 0.0f, 0.0f);
    }
  });
}

TEST_CASE("f32_channel_mean matches the reference over channels and strides") {
  test::for_each_vector_isa([&](Isa isa) {
    const EltwiseKernels k = eltwise_kernels(isa);
    for (size_t n : {1, 7, 8, 16, 17, 33, 100}) {
      for (size_t channels : {1, 3, 4, 5}) {
        for (size_t x_pad : {0, 1}) {
          for (size_t y_stride : {1, 2, 4}) {
            CAPTURE(n);
            CAPTURE(channels);
            CAPTURE(x_pad);
            CAPTURE(y_stride);
            const size_t xs = channels + x_pad;
            const auto x = test::random_floats(n * xs, static_cast<uint32_t>(n * 7 + channels));
            auto want = test::poisoned(n * y_stride + 1), got = want;
            ref::f32_channel_mean(n, channels, x.data(), xs, want.data() + 1, y_stride);
            k.f32_channel_mean(n, channels, x.data(), xs, got.data() + 1, y_stride);
            test::check_close(got, want, 0.0f, 0.0f);
          }
        }
      }
    }
  });
}

}  // namespace matte
