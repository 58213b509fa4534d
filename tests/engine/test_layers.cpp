#include <doctest/doctest.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/layers.h"
#include "engine/tensor.h"
#include "kernels/conv.h"
#include "kernels/dwconv.h"
#include "kernels/gemm.h"

namespace matte {
namespace {

struct Case {
  int h, w, cin, cout;
  int kernel = 3, stride = 1, dilation = 1, pad = 1;
  // Extra channels around the input / output slice in their buffers.
  int in_gap = 0, out_gap = 0;
  Act act = Act::none;
};

std::vector<float> random_floats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// A layer, its input as a channel slice of a wider buffer, and the direct reference's output.
struct Fixture {
  Case c;
  DenseConv conv;
  Tensor in_buf;
  View in;
  int out_h, out_w;
  std::vector<float> want;
  // Largest |output| before the activation: Winograd's rounding scales with it.
  float scale = 1;

  explicit Fixture(const Case& cs) : c(cs) {
    const uint32_t seed = uint32_t(c.cin * 31 + c.cout * 7 + c.w);
    const auto weights = random_floats(size_t(c.cout * c.cin * c.kernel * c.kernel), seed);
    const auto bias = random_floats(size_t(c.cout), seed + 1);
    conv = DenseConv(c.cin, c.cout, c.kernel, c.stride, c.dilation, c.pad, weights, bias, c.act);
    in_buf.reshape(c.h, c.w, c.cin + c.in_gap);
    const auto values = random_floats(in_buf.size(), seed + 2);
    std::copy(values.begin(), values.end(), in_buf.data());
    in = in_buf.slice(c.in_gap / 2, c.cin);
    out_h = conv_output_size(c.h, c.kernel, c.stride, c.dilation, c.pad);
    out_w = conv_output_size(c.w, c.kernel, c.stride, c.dilation, c.pad);

    ConvParams p{};
    p.in_h = size_t(c.h), p.in_w = size_t(c.w), p.cin = size_t(c.cin);
    p.out_h = size_t(out_h), p.out_w = size_t(out_w), p.cout = size_t(c.cout), p.kernel = size_t(c.kernel);
    p.stride = size_t(c.stride), p.dilation = size_t(c.dilation), p.pad_top = p.pad_left = size_t(c.pad);
    p.in_stride = in.stride, p.out_stride = size_t(c.cout), p.bias = bias.data(), p.act = c.act;
    std::vector<float> packed(ref::f32_conv_kxk_packed_size(p.cin, p.cout, p.kernel));
    ref::pack_f32_conv_kxk(p.cin, p.cout, p.kernel, weights.data(), packed.data());
    want.resize(size_t(out_h * out_w * c.cout));
    ref::f32_conv_kxk(p, in.data, packed.data(), want.data(), 0, p.out_h);
    std::vector<float> linear(want.size());
    p.act = Act::none;
    ref::f32_conv_kxk(p, in.data, packed.data(), linear.data(), 0, p.out_h);
    for (float x : linear) scale = std::max(scale, std::fabs(x));
  }

  // Runs the layer into a NaN-filled wider buffer; returns the whole buffer.
  std::vector<float> run() const {
    Tensor out_buf;
    out_buf.reshape(out_h, out_w, c.cout + c.out_gap);
    std::fill_n(out_buf.data(), out_buf.size(), std::nanf(""));
    const View out = out_buf.slice(c.out_gap / 2, c.cout);
    conv.run(in, out);
    return {out_buf.data(), out_buf.data() + out_buf.size()};
  }

  // Largest error relative to `scale`; the gaps must still be NaN.
  float error(const std::vector<float>& got) const {
    const size_t stride = size_t(c.cout + c.out_gap), offset = size_t(c.out_gap / 2);
    float err = 0;
    for (size_t i = 0; i < size_t(out_h * out_w); ++i)
      for (size_t ch = 0; ch < stride; ++ch) {
        const float g = got[i * stride + ch];
        if (ch < offset || ch >= offset + size_t(c.cout)) {
          REQUIRE(std::isnan(g));
          continue;
        }
        const float w = want[i * size_t(c.cout) + ch - offset];
        REQUIRE(!std::isnan(g));
        err = std::max(err, std::fabs(g - w));
      }
    return err / scale;
  }
};

std::string describe(const Case& c) {
  return std::to_string(c.h) + "x" + std::to_string(c.w) + "x" + std::to_string(c.cin) + " -> " +
         std::to_string(c.cout) + " k" + std::to_string(c.kernel) + " s" + std::to_string(c.stride) + " d" +
         std::to_string(c.dilation) + " p" + std::to_string(c.pad) + " gaps " + std::to_string(c.in_gap) + "," +
         std::to_string(c.out_gap);
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("DenseConv matches the direct reference, Winograd 3x3 and direct shapes alike") {
  const Case cases[] = {
      // Winograd: 3×3, stride 1, dilation 1, padding 1; sizes not multiples of the 4×4 tile.
      {1, 1, 3, 8},
      {2, 3, 16, 16, 3, 1, 1, 1, 0, 0, Act::relu},
      {7, 5, 35, 16, 3, 1, 1, 1, 0, 0, Act::relu},
      {17, 30, 128, 64, 3, 1, 1, 1, 128, 192, Act::tanh},  // ConvGRU slice of [a | h | b | r·h]
      {34, 60, 171, 40, 3, 1, 1, 1, 0, 120, Act::relu},    // decoder half written into a wider buffer
      {13, 26, 80, 80, 3, 1, 1, 1, 80, 0, Act::sigmoid},
      {9, 11, 54, 37, 3, 1, 1, 1, 0, 0, Act::none},
      // Direct: stride 2, dilation, no padding, 1×1.
      {9, 14, 6, 32, 3, 2, 1, 1, 0, 0, Act::relu6},
      {17, 30, 32, 24, 3, 1, 3, 3, 0, 0, Act::relu},
      {8, 8, 42, 24, 3, 1, 1, 0, 0, 2, Act::relu},
      {5, 7, 16, 8, 1, 1, 1, 0, 0, 0, Act::hardswish},
  };
  float worst = 0;
  for (const Case& c : cases) {
    CAPTURE(describe(c));
    const Fixture f(c);
    const float err = f.error(f.run());
    CHECK(err <= 1e-4f);
    worst = std::max(worst, err);
  }
  MESSAGE("largest error / pre-activation magnitude: " << worst);
}

TEST_CASE("DenseConv gives the same bits on one thread and two threads") {
  // The work is cut into blocks of tiles independent of the thread count, and every layer shares
  // the threads' workspaces: running other layers in between must not change anything either.
  const Fixture a({34, 60, 107, 20, 3, 1, 1, 1, 0, 0, Act::relu}), b({17, 30, 64, 128, 3, 1, 1, 1, 64, 0, Act::none});
  std::vector<float> a_serial, b_serial;
  tbb::task_arena(1).execute([&] { a_serial = a.run(), b_serial = b.run(); });
  for (int threads : {1, 2}) {
    tbb::task_arena arena(threads);
    arena.execute([&] {
      CHECK(same_bits(a.run(), a_serial));
      CHECK(same_bits(b.run(), b_serial));
      CHECK(same_bits(a.run(), a_serial));
    });
  }
}

namespace {

// A buffer of h·w pixels of `stride` floats, random where a layer reads and NaN elsewhere.
Tensor filled(int h, int w, int stride, uint32_t seed, bool poison) {
  Tensor t;
  t.reshape(h, w, stride);
  const auto values = random_floats(t.size(), seed);
  for (size_t i = 0; i < t.size(); ++i) t.data()[i] = poison ? std::nanf("") : values[i];
  return t;
}

// Largest difference; the gaps around the slice must still be NaN.
float slice_error(const Tensor& got, const View& slice, const std::vector<float>& want) {
  const size_t stride = slice.stride, offset = size_t(slice.data - got.data());
  float err = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const size_t ch = i % stride;
    if (ch < offset || ch >= offset + size_t(slice.channels)) {
      REQUIRE(std::isnan(got.data()[i]));
      continue;
    }
    err = std::max(err, std::fabs(got.data()[i] - want[i / stride * size_t(slice.channels) + ch - offset]));
  }
  return err;
}

}  // namespace

TEST_CASE("PointwiseConv matches the reference GEMM and gives the same bits on one and two threads") {
  // The backbone's small layers (split into chunks of whole micro-tiles), squeeze-excitation
  // scales, residuals, the narrow Cout ≤ 4 path, and channel slices on every side.
  struct Pw {
    int h, w, cin, cout;
    bool scale, residual;
  };
  const Pw cases[] = {{17, 30, 240, 80, false, false}, {17, 30, 672, 112, true, true}, {17, 30, 960, 160, true, false},
                      {34, 60, 40, 120, false, true},   {135, 24, 16, 4, false, false}, {7, 9, 24, 3, true, true},
                      {1, 1, 960, 240, false, false},   {3, 5, 16, 16, false, true}};
  uint32_t seed = 40;
  for (const Pw& c : cases) {
    CAPTURE(c.h);
    CAPTURE(c.w);
    CAPTURE(c.cin);
    CAPTURE(c.cout);
    seed += 4;
    const auto weights = random_floats(size_t(c.cin * c.cout), seed);
    const auto bias = random_floats(size_t(c.cout), seed + 1);
    const auto scale = random_floats(size_t(c.cin), seed + 2);
    const PointwiseConv conv(c.cin, c.cout, weights, bias, Act::hardswish);
    const Tensor in_buf = filled(c.h, c.w, c.cin + 3, seed + 3, false);
    const Tensor res_buf = filled(c.h, c.w, c.cout + 2, seed + 4, false);
    const View in = in_buf.slice(1, c.cin), res = res_buf.slice(2, c.cout);

    GemmParams p;
    p.cin = size_t(c.cin), p.cout = size_t(c.cout);
    p.in_stride = in.stride, p.out_stride = size_t(c.cout), p.res_stride = res.stride;
    p.scale = c.scale ? scale.data() : nullptr;
    p.bias = bias.data();
    p.act = Act::hardswish;
    std::vector<float> want(in.pixels() * size_t(c.cout));
    ref::f32_gemm(p, in.data, weights.data(), c.residual ? res.data : nullptr, want.data(), in.pixels());

    std::vector<float> first;
    for (int threads : {1, 2}) {
      CAPTURE(threads);
      Tensor out_buf = filled(c.h, c.w, c.cout + 5, 0, true);
      const View out = out_buf.slice(4, c.cout);
      tbb::task_arena(threads).execute(
          [&] { conv.run(in, out, c.scale ? scale.data() : nullptr, c.residual ? &res : nullptr); });
      CHECK(slice_error(out_buf, out, want) <= 1e-4f * (1.0f + float(c.cin) / 64.0f));
      const std::vector<float> bits(out_buf.data(), out_buf.data() + out_buf.size());
      if (first.empty()) first = bits;
      CHECK(same_bits(bits, first));
    }
  }
}

TEST_CASE("DepthwiseConv matches the reference and gives the same bits on one and two threads") {
  struct Dw {
    int h, w, channels, kernel, stride, dilation;
  };
  const Dw cases[] = {{17, 30, 960, 5, 1, 2}, {17, 30, 200, 3, 1, 1}, {68, 120, 72, 5, 2, 1},
                      {135, 40, 64, 3, 2, 1}, {5, 3, 24, 3, 1, 1},    {1, 1, 16, 5, 1, 2}};
  uint32_t seed = 80;
  for (const Dw& c : cases) {
    CAPTURE(c.h);
    CAPTURE(c.w);
    CAPTURE(c.channels);
    CAPTURE(c.kernel);
    seed += 3;
    const int pad = (c.kernel - 1) * c.dilation / 2;
    const auto weights = random_floats(size_t(c.channels * c.kernel * c.kernel), seed);
    const auto bias = random_floats(size_t(c.channels), seed + 1);
    const DepthwiseConv conv(c.channels, c.kernel, c.stride, c.dilation, pad, weights, bias, Act::relu6);
    const Tensor in_buf = filled(c.h, c.w, c.channels + 1, seed + 2, false);
    const View in = in_buf.slice(1, c.channels);
    const int oh = conv_output_size(c.h, c.kernel, c.stride, c.dilation, pad);
    const int ow = conv_output_size(c.w, c.kernel, c.stride, c.dilation, pad);

    DwConvParams p;
    p.channels = size_t(c.channels), p.stride = size_t(c.stride), p.dilation = size_t(c.dilation);
    p.pad_top = p.pad_left = size_t(pad);
    p.in_h = size_t(c.h), p.in_w = size_t(c.w), p.out_h = size_t(oh), p.out_w = size_t(ow);
    p.in_stride = in.stride, p.out_stride = size_t(c.channels), p.bias = bias.data(), p.act = Act::relu6;
    std::vector<float> packed(dwconv_packed_size(p.channels, size_t(c.kernel)));
    dwconv_pack(p.channels, size_t(c.kernel), weights.data(), packed.data());
    std::vector<float> want(size_t(oh * ow * c.channels));
    dwconv_for_kernel(dwconv_kernels(Isa::scalar), size_t(c.kernel))(p, in.data, packed.data(), want.data(), 0,
                                                                      p.out_h);

    std::vector<float> first;
    for (int threads : {1, 2}) {
      CAPTURE(threads);
      Tensor out_buf = filled(oh, ow, c.channels + 2, 0, true);
      const View out = out_buf.slice(0, c.channels);
      tbb::task_arena(threads).execute([&] { conv.run(in, out); });
      CHECK(slice_error(out_buf, out, want) <= 1e-5f);
      const std::vector<float> bits(out_buf.data(), out_buf.data() + out_buf.size());
      if (first.empty()) first = bits;
      CHECK(same_bits(bits, first));
    }
  }
}

}  // namespace matte
