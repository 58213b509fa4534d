#include <algorithm>
#include <cmath>
#include <string>

#include "kernels/conv.h"
#include "kernels/winograd.h"
#include "tests/kernels/kernel_test_util.h"

namespace matte {

namespace {

struct Shape {
  size_t h, w, cin, cout;
  // Extra floats per pixel around the channel slice (input and output live in wider buffers).
  size_t in_gap = 0, out_gap = 0;
  Act act = Act::none;
};

WinogradParams params_of(const Shape& s) {
  WinogradParams p;
  p.h = s.h, p.w = s.w, p.cin = s.cin, p.cout = s.cout;
  p.in_stride = s.cin + s.in_gap, p.out_stride = s.cout + s.out_gap;
  p.act = s.act;
  return p;
}

std::string describe(Isa isa, const Shape& s) {
  return std::string(isa_name(isa)) + " " + std::to_string(s.h) + "x" + std::to_string(s.w) + "x" +
         std::to_string(s.cin) + " -> " + std::to_string(s.cout) + " gaps " + std::to_string(s.in_gap) + "," +
         std::to_string(s.out_gap) + " act " + std::to_string(int(s.act));
}

// A channel slice at offset gap/2 of a wider buffer: NaN outside the slice so reading or writing
// the gaps shows.
std::vector<float> sliced(size_t pixels, size_t channels, size_t gap, uint32_t seed) {
  const size_t stride = channels + gap;
  std::vector<float> s = test::poisoned(pixels * stride);
  const auto values = test::random_floats(pixels * channels, seed, -1.0f, 1.0f);
  for (size_t i = 0; i < pixels; ++i)
    for (size_t c = 0; c < channels; ++c) s[i * stride + gap / 2 + c] = values[i * channels + c];
  return s;
}

// Largest |x| over the non-NaN entries.
float magnitude(const std::vector<float>& x) {
  float m = 0;
  for (float v : x)
    if (!std::isnan(v)) m = std::max(m, std::fabs(v));
  return m;
}

// Largest |got - want| where both are numbers; NaN must match NaN.
float max_error(const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  float e = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    REQUIRE(std::isnan(got[i]) == std::isnan(want[i]));
    if (!std::isnan(got[i])) e = std::max(e, std::fabs(got[i] - want[i]));
  }
  return e;
}

// Index of (tile, point, channel) in a workspace of `channels` channels laid out for `lanes`.
size_t at(size_t t, size_t k, size_t c, size_t channels, size_t lanes) {
  return t * winograd_tile_floats(channels, lanes) + (c / lanes * kWinogradPoints + k) * lanes + c % lanes;
}

// Values (tile, point, channel) from a workspace, in the reference's order.
std::vector<float> canonical(const std::vector<float>& w, size_t tiles, size_t channels, size_t lanes) {
  std::vector<float> out(tiles * kWinogradPoints * channels);
  for (size_t t = 0; t < tiles; ++t)
    for (size_t c = 0; c < channels; ++c)
      for (size_t k = 0; k < kWinogradPoints; ++k)
        out[(t * channels + c) * kWinogradPoints + k] = w[at(t, k, c, channels, lanes)];
  return out;
}

// Reference-ordered values laid out for `lanes`, padding lanes zero.
std::vector<float> laid_out(const std::vector<float>& x, size_t tiles, size_t channels, size_t lanes) {
  std::vector<float> w(tiles * winograd_tile_floats(channels, lanes), 0.0f);
  for (size_t t = 0; t < tiles; ++t)
    for (size_t c = 0; c < channels; ++c)
      for (size_t k = 0; k < kWinogradPoints; ++k)
        w[at(t, k, c, channels, lanes)] = x[(t * channels + c) * kWinogradPoints + k];
  return w;
}

// The whole convolution the way the engine runs it: blocks of `block` tiles through one workspace.
void run_winograd(const WinogradKernels& k, const WinogradParams& p, const float* in, const float* packed, float* out,
                  size_t block) {
  const size_t tiles = winograd_tiles(p);
  std::vector<float> v(block * winograd_tile_floats(p.cin, k.lanes)), m(block * winograd_tile_floats(p.cout, k.lanes));
  for (size_t t0 = 0; t0 < tiles; t0 += block) {
    const size_t n = std::min(block, tiles - t0);
    k.f32_winograd_input(p, in, v.data(), t0, n);
    k.f32_winograd_gemm(p, v.data(), packed, m.data(), n);
    k.f32_winograd_output(p, m.data(), out, t0, n);
  }
}

// The Winograd convolution on isa (blocks of `block` tiles) against the direct reference; returns
// the largest error relative to the magnitude of the output before the activation (the rounding
// scales with it), which must stay within `tolerance`.
float check_against_direct(Isa isa, const Shape& s, size_t block, float tolerance = 1e-4f) {
  CAPTURE(describe(isa, s));
  CAPTURE(block);
  WinogradParams p = params_of(s);
  const uint32_t seed = uint32_t(s.cin * 131 + s.cout * 7 + s.w);
  const auto in = sliced(s.h * s.w, s.cin, s.in_gap, seed);
  const auto weights = test::random_floats(s.cout * s.cin * 9, seed + 1, -1.0f, 1.0f);
  const auto bias = test::random_floats(s.cout, seed + 2);

  ConvParams c{};
  c.in_h = c.out_h = s.h, c.in_w = c.out_w = s.w, c.cin = s.cin, c.cout = s.cout, c.kernel = 3;
  c.pad_top = c.pad_left = 1, c.in_stride = p.in_stride, c.out_stride = p.out_stride, c.act = s.act;
  c.bias = p.bias = bias.data();
  std::vector<float> direct(ref::f32_conv_kxk_packed_size(s.cin, s.cout, 3));
  ref::pack_f32_conv_kxk(s.cin, s.cout, 3, weights.data(), direct.data());
  auto want = test::poisoned(s.h * s.w * p.out_stride), got = want;
  const size_t out_offset = s.out_gap / 2;
  ref::f32_conv_kxk(c, in.data() + s.in_gap / 2, direct.data(), want.data() + out_offset, 0, s.h);
  auto linear = test::poisoned(want.size());
  c.act = Act::none;
  ref::f32_conv_kxk(c, in.data() + s.in_gap / 2, direct.data(), linear.data() + out_offset, 0, s.h);

  const WinogradKernels k = winograd_kernels(isa);
  std::vector<float> packed(k.f32_winograd_packed_size(s.cin, s.cout));
  k.pack_f32_winograd(s.cin, s.cout, weights.data(), packed.data());
  run_winograd(k, p, in.data() + s.in_gap / 2, packed.data(), got.data() + out_offset, block);
  const float error = max_error(got, want) / std::max(1.0f, magnitude(linear));
  CAPTURE(error);
  CHECK(error <= tolerance);
  return error;
}

constexpr Act kActs[] = {Act::none, Act::relu, Act::relu6, Act::sigmoid, Act::tanh, Act::hardswish, Act::hardsigmoid};

}  // namespace

TEST_CASE("winograd weight transform of a centre tap is the identity convolution") {
  // g = centre tap only, so the convolution copies its input channel: output = input + bias.
  const float g[9] = {0, 0, 0, 0, 1, 0, 0, 0, 0};
  std::vector<float> u(ref::f32_winograd_packed_size(1, 1));
  ref::pack_f32_winograd(1, 1, g, u.data());
  const Shape s{7, 5, 1, 1};
  WinogradParams p = params_of(s);
  const size_t tiles = winograd_tiles(p);
  const auto in = test::random_floats(s.h * s.w, 3);
  std::vector<float> v(tiles * kWinogradPoints), m(v.size());
  ref::f32_winograd_input(p, in.data(), v.data(), 0, tiles);
  ref::f32_winograd_gemm(p, v.data(), u.data(), m.data(), tiles);
  const float bias = 0.5f;
  p.bias = &bias;
  auto out = test::poisoned(in.size());
  ref::f32_winograd_output(p, m.data(), out.data(), 0, tiles);
  std::vector<float> want(in);
  for (float& x : want) x += bias;
  test::check_close(out, want, 1e-5f, 1e-5f);
}

TEST_CASE("winograd reference convolution matches the direct reference") {
  float worst = 0;
  const std::pair<size_t, size_t> sizes[] = {{1, 1}, {1, 7}, {5, 1}, {2, 3}, {4, 4}, {7, 9}, {8, 13}, {13, 6}};
  size_t i = 0;
  for (size_t cin : {1, 3, 8, 17, 35})
    for (size_t cout : {1, 3, 16, 17}) {
      Shape s{sizes[i % 8].first, sizes[i % 8].second, cin, cout, i % 3, i % 2 * 3, kActs[i % std::size(kActs)]};
      worst = std::max(worst, check_against_direct(Isa::scalar, s, 1 + i % 5));
      ++i;
    }
  MESSAGE("largest error / pre-activation magnitude: " << worst);
}

TEST_CASE("f32_winograd_input matches the reference and zero-fills the padding lanes") {
  test::for_each_vector_isa([&](Isa isa) {
    const WinogradKernels k = winograd_kernels(isa);
    for (auto [h, w] : {std::pair<size_t, size_t>{1, 1}, {3, 2}, {5, 7}, {9, 4}, {8, 8}, {2, 17}})
      for (size_t cin : {1, 3, 8, 16, 17, 35, 64}) {
        const Shape s{h, w, cin, 1, cin % 3};
        CAPTURE(describe(isa, s));
        const WinogradParams p = params_of(s);
        const auto in = sliced(h * w, cin, s.in_gap, uint32_t(cin + w));
        const size_t tiles = winograd_tiles(p);
        // Blocks at the start, in the middle and at the end.
        for (auto [t0, n] : {std::pair<size_t, size_t>{0, tiles}, {tiles / 2, (tiles + 1) / 2}, {tiles - 1, 1}}) {
          std::vector<float> want(n * kWinogradPoints * cin);
          auto got = test::poisoned(n * winograd_tile_floats(cin, k.lanes));
          ref::f32_winograd_input(p, in.data() + s.in_gap / 2, want.data(), t0, n);
          k.f32_winograd_input(p, in.data() + s.in_gap / 2, got.data(), t0, n);
          test::check_close(canonical(got, n, cin, k.lanes), want, 1e-5f * std::max(1.0f, magnitude(want)), 0);
          // Every padding lane is zero, so the GEMM may run over whole vectors.
          test::check_close(got, laid_out(canonical(got, n, cin, k.lanes), n, cin, k.lanes), 0, 0);
        }
      }
  });
}

TEST_CASE("f32_winograd_gemm matches the reference") {
  test::for_each_vector_isa([&](Isa isa) {
    const WinogradKernels k = winograd_kernels(isa);
    for (size_t tiles : {1, 5, 12, 13, 30})
      for (size_t cin : {1, 3, 16, 17, 35, 171})
        for (size_t cout : {1, 8, 9, 12, 16, 20, 28, 33, 40, 41, 64}) {
          CAPTURE(tiles);
          CAPTURE(cin);
          CAPTURE(cout);
          const WinogradParams p = params_of({1, 1, cin, cout});
          const auto v = test::random_floats(tiles * kWinogradPoints * cin, uint32_t(tiles + cin));
          const auto weights = test::random_floats(cout * cin * 9, uint32_t(cout), -1.0f, 1.0f);
          std::vector<float> ref_packed(ref::f32_winograd_packed_size(cin, cout));
          std::vector<float> packed(k.f32_winograd_packed_size(cin, cout));
          ref::pack_f32_winograd(cin, cout, weights.data(), ref_packed.data());
          k.pack_f32_winograd(cin, cout, weights.data(), packed.data());
          std::vector<float> want(tiles * kWinogradPoints * cout);
          auto got = test::poisoned(tiles * winograd_tile_floats(cout, k.lanes));
          ref::f32_winograd_gemm(p, v.data(), ref_packed.data(), want.data(), tiles);
          k.f32_winograd_gemm(p, laid_out(v, tiles, cin, k.lanes).data(), packed.data(), got.data(), tiles);
          test::check_close(canonical(got, tiles, cout, k.lanes), want, 1e-5f * std::max(1.0f, magnitude(want)), 0);
        }
  });
}

TEST_CASE("f32_winograd_output matches the reference and writes only its tiles") {
  test::for_each_vector_isa([&](Isa isa) {
    const WinogradKernels k = winograd_kernels(isa);
    size_t i = 0;
    for (auto [h, w] : {std::pair<size_t, size_t>{1, 1}, {3, 2}, {5, 7}, {9, 4}, {8, 8}, {2, 17}})
      for (size_t cout : {1, 3, 8, 16, 17, 40, 64}) {
        const Shape s{h, w, 1, cout, 0, i % 4, kActs[i % std::size(kActs)]};
        CAPTURE(describe(isa, s));
        WinogradParams p = params_of(s);
        const size_t tiles = winograd_tiles(p);
        const auto bias = test::random_floats(cout, uint32_t(cout));
        p.bias = i++ % 5 == 0 ? nullptr : bias.data();
        for (auto [t0, n] : {std::pair<size_t, size_t>{0, tiles}, {tiles / 2, (tiles + 1) / 2}, {tiles - 1, 1}}) {
          const auto m = test::random_floats(n * kWinogradPoints * cout, uint32_t(cout + w + t0));
          auto want = test::poisoned(h * w * p.out_stride), got = want;
          ref::f32_winograd_output(p, m.data(), want.data() + s.out_gap / 2, t0, n);
          k.f32_winograd_output(p, laid_out(m, n, cout, k.lanes).data(), got.data() + s.out_gap / 2, t0, n);
          test::check_close(got, want, 1e-5f * std::max(1.0f, magnitude(want)), 1e-5f);
        }
      }
  });
}

TEST_CASE("winograd convolution matches the direct reference over sizes and channel counts") {
  float worst = 0;
  const std::pair<size_t, size_t> sizes[] = {{1, 1}, {1, 5}, {3, 1}, {2, 2}, {5, 7}, {7, 3}, {9, 13}, {12, 8}, {6, 21}};
  test::for_each_vector_isa([&](Isa isa) {
    size_t i = 0;
    for (size_t cin : {1, 3, 8, 16, 17, 35, 64})
      for (size_t cout : {1, 3, 8, 12, 16, 17, 28, 35, 64}) {
        const auto [h, w] = sizes[i % std::size(sizes)];
        const Shape s{h, w, cin, cout, i % 3 * 2, i % 4, kActs[i % std::size(kActs)]};
        worst = std::max(worst, check_against_direct(isa, s, 12 * (1 + i % 3)));
        ++i;
      }
  });
  MESSAGE("largest error / pre-activation magnitude: " << worst);
}

TEST_CASE("winograd convolution matches the direct reference at RVM and BGMv2 channel counts") {
  float worst = 0;
  test::for_each_vector_isa([&](Isa isa) {
    // Decoder convs (cout halves), ConvGRU convs on slices of [a | h | b | r·h], BGMv2 decoder.
    const Shape shapes[] = {
        {9, 15, 171, 40, 0, 0, Act::relu},      {10, 11, 107, 20, 0, 0, Act::relu},
        {13, 17, 59, 16, 0, 0, Act::relu},      {11, 21, 35, 16, 0, 0, Act::relu},
        {18, 14, 16, 16, 0, 0, Act::relu},      {5, 9, 128, 128, 128, 0, Act::sigmoid},
        {6, 10, 128, 64, 128, 192, Act::tanh},  {7, 6, 80, 80, 80, 0, Act::sigmoid},
        {9, 5, 40, 20, 40, 60, Act::tanh},      {5, 7, 288, 128, 0, 0, Act::relu},
        {9, 9, 152, 64, 0, 0, Act::relu},       {11, 13, 54, 37, 0, 0, Act::none},
    };
    for (const Shape& s : shapes) worst = std::max(worst, check_against_direct(isa, s, 24));
  });
  MESSAGE("largest error / pre-activation magnitude: " << worst);
}

}  // namespace matte
