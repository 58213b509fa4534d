#include <array>

#include "kernels/gemm.h"
#include "tests/kernels/kernel_test_util.h"

namespace matte {
namespace {

constexpr std::array kActs = {Act::none,        Act::relu,    Act::relu6, Act::hardswish,
                              Act::hardsigmoid, Act::sigmoid, Act::tanh};

struct GemmCase {
  size_t p, cin, cout;
  size_t in_pad = 0, out_pad = 0, res_pad = 0;  // extra floats per pixel: channel slices
  bool scale = false, bias = false, residual = false;
  Act act = Act::none;
  size_t p0 = 0, p1 = SIZE_MAX;  // computed pixel sub-range; SIZE_MAX = up to p
};

// Unused input/residual channels and unwritten outputs are NaN, so any stray read or write shows.
std::vector<float> with_gaps(size_t pixels, size_t channels, size_t stride, uint32_t seed) {
  auto v = test::random_floats(pixels * stride, seed);
  for (size_t i = 0; i < pixels; ++i)
    for (size_t c = channels; c < stride; ++c) v[i * stride + c] = std::nanf("");
  return v;
}

void check_gemm(Isa isa, const GemmCase& c) {
  CAPTURE(isa_name(isa));
  CAPTURE(c.p);
  CAPTURE(c.cin);
  CAPTURE(c.cout);
  CAPTURE(c.in_pad);
  CAPTURE(c.out_pad);
  CAPTURE(c.scale);
  CAPTURE(c.bias);
  CAPTURE(c.residual);
  CAPTURE(static_cast<int>(c.act));
  const uint32_t seed = static_cast<uint32_t>(c.p * 131 + c.cin * 17 + c.cout);
  GemmParams prm;
  prm.cin = c.cin;
  prm.cout = c.cout;
  prm.in_stride = c.cin + c.in_pad;
  prm.out_stride = c.cout + c.out_pad;
  prm.res_stride = c.cout + c.res_pad;
  prm.act = c.act;
  const auto in = with_gaps(c.p, c.cin, prm.in_stride, seed);
  const auto res = with_gaps(c.p, c.cout, prm.res_stride, seed + 1);
  const auto w = test::random_floats(c.cout * c.cin, seed + 2, -1.0f, 1.0f);
  const auto scale = test::random_floats(c.cin, seed + 3, 0.0f, 2.0f);
  const auto bias = test::random_floats(c.cout, seed + 4);
  if (c.scale) prm.scale = scale.data();
  if (c.bias) prm.bias = bias.data();

  const size_t p1 = std::min(c.p1, c.p), n = p1 - c.p0;
  const float* in0 = in.data() + c.p0 * prm.in_stride;
  const float* res0 = c.residual ? res.data() + c.p0 * prm.res_stride : nullptr;
  auto want = test::poisoned(c.p * prm.out_stride), got = want;

  std::vector<float> ref_packed(ref::f32_gemm_packed_size(c.cin, c.cout));
  ref::f32_gemm_pack(c.cin, c.cout, w.data(), ref_packed.data());
  ref::f32_gemm(prm, in0, ref_packed.data(), res0, want.data() + c.p0 * prm.out_stride, n);

  const GemmKernels k = gemm_kernels(isa);
  std::vector<float> packed(k.f32_gemm_packed_size(c.cin, c.cout));
  k.f32_gemm_pack(c.cin, c.cout, w.data(), packed.data());
  k.f32_gemm(prm, in0, packed.data(), res0, got.data() + c.p0 * prm.out_stride, n);

  test::check_close(got, want, 1e-5f * (1.0f + static_cast<float>(c.cin) / 16.0f), 1e-5f);
}

}  // namespace

TEST_CASE("f32_gemm reference matches a hand-computed case") {
  // in [2 px][2 ch], W [3][2], scale, bias, relu, then residual; output stride 4 leaves a gap.
  const std::vector<float> in = {1.0f, 2.0f, -1.0f, 0.5f};
  const std::vector<float> w = {1.0f, 0.0f, 0.0f, 1.0f, 2.0f, -1.0f};
  const std::vector<float> scale = {1.0f, 2.0f}, bias = {0.5f, 0.0f, 0.0f};
  const std::vector<float> res = {1.0f, 1.0f, 1.0f, 2.0f, 2.0f, 2.0f};
  GemmParams prm;
  prm.cin = 2;
  prm.cout = 3;
  prm.in_stride = 2;
  prm.out_stride = 4;
  prm.res_stride = 3;
  prm.scale = scale.data();
  prm.bias = bias.data();
  prm.act = Act::relu;
  const float nan = std::nanf("");
  // px0: relu(1.5)+1, relu(4)+1, relu(2-4)+1; px1: relu(-0.5)+2, relu(1)+2, relu(-2-1)+2.
  const std::vector<float> expected = {2.5f, 5.0f, 1.0f, nan, 2.0f, 3.0f, 2.0f, nan};
  std::vector<Isa> isas = test::vector_isas();
  isas.push_back(Isa::scalar);
  for (Isa isa : isas) {
    CAPTURE(isa_name(isa));
    const GemmKernels k = gemm_kernels(isa);
    std::vector<float> packed(k.f32_gemm_packed_size(2, 3));
    k.f32_gemm_pack(2, 3, w.data(), packed.data());
    auto out = test::poisoned(8);
    k.f32_gemm(prm, in.data(), packed.data(), res.data(), out.data(), 2);
    test::check_close(out, expected, 0.0f, 0.0f);
  }
}

TEST_CASE("f32_gemm matches the reference over channel counts and pixel tails") {
  size_t i = 0;
  for (Isa isa : test::vector_isas())
    for (size_t cout : {1, 4, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 40, 48, 64, 72, 80, 100})
      for (size_t cin : {1, 3, 16, 24, 37})
        for (size_t p : {1, 5, 13, 30}) {
          GemmCase c{p, cin, cout};
          c.in_pad = i % 3 == 0 ? 0 : 5;
          c.out_pad = i % 2 == 0 ? 0 : 3;
          c.res_pad = i % 5 == 0 ? 0 : 2;
          c.scale = i % 2 == 1;
          c.bias = i % 3 != 0;
          c.residual = i % 4 < 2;
          c.act = kActs[i % kActs.size()];
          check_gemm(isa, c);
          ++i;
        }
}

TEST_CASE("f32_gemm matches the reference with every activation and option") {
  for (Isa isa : test::vector_isas())
    for (Act act : kActs)
      for (int opts = 0; opts < 8; ++opts) {
        GemmCase c{23, 40, 72, 3, 8, 1};
        c.scale = opts & 1;
        c.bias = opts & 2;
        c.residual = opts & 4;
        c.act = act;
        check_gemm(isa, c);
      }
}

TEST_CASE("f32_gemm matches the reference when Cin is blocked") {
  for (Isa isa : test::vector_isas())
    for (size_t cin : {255, 256, 257, 600})
      for (size_t cout : {16, 40, 72})
        for (size_t p : {7, 300}) {
          GemmCase c{p, cin, cout, 1, 2, 3, true, true, true, Act::hardswish};
          check_gemm(isa, c);
          c.scale = c.bias = c.residual = false;
          c.act = Act::none;
          check_gemm(isa, c);
        }
}

TEST_CASE("f32_gemm matches the reference on large pixel blocks and row sub-ranges") {
  test::for_each_vector_isa([&](Isa isa) {
    check_gemm(isa, GemmCase{5000, 16, 24, 0, 0, 0, false, true, false, Act::relu});
    check_gemm(isa, GemmCase{5000, 24, 4, 8, 12, 0, false, true, false, Act::sigmoid});
    check_gemm(isa, GemmCase{9, 24, 4, 0, 0, 0, false, true, false, Act::none, 3, 3});
    for (auto [p0, p1] : {std::pair<size_t, size_t>{0, 1}, {7, 38}, {49, 50}, {13, 14}, {20, 20}}) {
      GemmCase c{50, 19, 33, 2, 5, 1, true, true, true, Act::hardswish};
      c.p0 = p0;
      c.p1 = p1;
      check_gemm(isa, c);
    }
  });
}

TEST_CASE("f32_gemm matches the reference with at most 4 output channels") {
  // The narrow path: Cin tails of every size against the vector width, pixel counts around its
  // 8-pixel steps, slices, and every option.
  size_t i = 0;
  for (Isa isa : test::vector_isas())
    for (size_t cout : {1, 2, 3, 4})
      for (size_t cin : {1, 3, 4, 5, 8, 9, 15, 16, 17, 24, 31, 40, 64})
        for (size_t p : {1, 7, 8, 9, 16, 21}) {
          GemmCase c{p, cin, cout};
          c.in_pad = i % 3 == 0 ? 0 : 3;
          c.out_pad = i % 2 == 0 ? 0 : 2;
          c.res_pad = i % 5 == 0 ? 0 : 1;
          c.scale = i % 2 == 1;
          c.bias = i % 3 != 0;
          c.residual = i % 4 < 2;
          c.act = kActs[i % kActs.size()];
          check_gemm(isa, c);
          ++i;
        }
}

TEST_CASE("f32_fma_peak counts its work") {
  std::vector<Isa> isas = test::vector_isas();
  isas.push_back(Isa::scalar);
  for (Isa isa : isas) {
    CAPTURE(isa_name(isa));
    float sink = 0.5f;
    const size_t flops = gemm_kernels(isa).f32_fma_peak(1000, &sink);
    CHECK(flops >= 1000 * 16);
    CHECK(flops % 2000 == 0);
    CHECK(std::isfinite(sink));
  }
}

}  // namespace matte
