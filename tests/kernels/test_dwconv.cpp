#include <algorithm>
#include <array>

#include "kernels/dwconv.h"
#include "tests/kernels/kernel_test_util.h"

namespace matte {
namespace {

struct Shape {
  size_t h, w;
};

// Output size for zero padding pad_top/left before and pad_top/left + extra after.
size_t out_extent(size_t in, size_t pad, size_t extra, size_t kernel, size_t stride, size_t dilation) {
  const size_t span = (kernel - 1) * dilation + 1, padded = in + 2 * pad + extra;
  return padded < span ? 0 : (padded - span) / stride + 1;
}

// Pixel-strided buffer ending right after the last pixel's channels; the gaps are NaN so a read
// outside the channel slice poisons the result.
std::vector<float> strided_input(size_t pixels, size_t channels, size_t stride, uint32_t seed) {
  const auto values = test::random_floats(pixels * channels, seed);
  auto buf = test::poisoned((pixels - 1) * stride + channels);
  for (size_t i = 0; i < pixels; ++i)
    std::copy_n(values.begin() + static_cast<ptrdiff_t>(i * channels), channels,
                buf.begin() + static_cast<ptrdiff_t>(i * stride));
  return buf;
}

std::vector<float> packed_random_weights(size_t channels, size_t kernel, uint32_t seed) {
  const auto w = test::random_floats(channels * kernel * kernel, seed, -1.0f, 1.0f);
  std::vector<float> packed(dwconv_packed_size(channels, kernel));
  dwconv_pack(channels, kernel, w.data(), packed.data());
  return packed;
}

// Runs the ISA's kernel over rows [row_begin, row_end) in two calls split at row_mid and compares with
// the reference over the same rows; every unwritten float (other rows, slice gaps) must stay NaN.
void compare(Isa isa, size_t kernel, DwConvParams p, uint32_t seed, size_t row_begin, size_t row_mid,
             size_t row_end, bool with_bias) {
  const auto input = strided_input(p.in_h * p.in_w, p.channels, p.in_stride, seed);
  const auto weights = packed_random_weights(p.channels, kernel, seed + 1);
  const auto bias = test::random_floats(p.channels, seed + 2);
  const size_t out_size = p.out_h * p.out_w * p.out_stride;
  auto want = test::poisoned(out_size), got = test::poisoned(out_size);
  p.bias = with_bias ? bias.data() : nullptr;
  dwconv_for_kernel(dwconv_kernels(Isa::scalar), kernel)(p, input.data(), weights.data(), want.data(), row_begin,
                                                         row_end);
  const DwConvFn fn = dwconv_for_kernel(dwconv_kernels(isa), kernel);
  fn(p, input.data(), weights.data(), got.data(), row_begin, row_mid);
  fn(p, input.data(), weights.data(), got.data(), row_mid, row_end);
  test::check_close(got, want, 1e-5f, 1e-5f);
  // The reference itself leaves the gaps alone and writes finite numbers everywhere else.
  for (size_t i = 0; i < out_size; ++i) {
    const size_t y = i / (p.out_w * p.out_stride);
    const bool written = y >= row_begin && y < row_end && i % p.out_stride < p.channels;
    if (written != !std::isnan(want[i])) {
      CAPTURE(i);
      REQUIRE(written == !std::isnan(want[i]));
    }
  }
}

const std::array kActs{Act::none, Act::relu, Act::relu6, Act::hardswish, Act::hardsigmoid, Act::sigmoid, Act::tanh};

}  // namespace

TEST_CASE("dwconv reference on a hand-computed 3x3 case") {
  // One channel of 1..9 in a 3×3 image, all-ones weights, pad 1: each output sums its neighbourhood.
  const std::vector<float> input{1, 2, 3, 4, 5, 6, 7, 8, 9};
  std::vector<float> weights(9, 1.0f), packed(9);
  dwconv_pack(1, 3, weights.data(), packed.data());
  const float bias = -20.0f;
  DwConvParams p{.channels = 1, .stride = 1, .dilation = 1, .pad_top = 1, .pad_left = 1, .in_h = 3, .in_w = 3,
                 .out_h = 3, .out_w = 3, .in_stride = 1, .out_stride = 1, .bias = &bias, .act = Act::relu};
  auto out = test::poisoned(9);
  ref::f32_dwconv_3x3(p, input.data(), packed.data(), out.data(), 0, 3);
  // Sums 12 21 16 / 27 45 33 / 24 39 28, minus 20, ReLU.
  test::check_close(out, {0, 1, 0, 7, 25, 13, 4, 19, 8}, 0.0f, 0.0f);

  // Stride 2, dilation 1, no padding, no bias, two interleaved channels (the second scaled by 2).
  std::vector<float> in2(18);
  for (size_t i = 0; i < 9; ++i) in2[2 * i] = input[i], in2[2 * i + 1] = 2 * input[i];
  std::vector<float> w2(18, 1.0f), packed2(18);
  dwconv_pack(2, 3, w2.data(), packed2.data());
  p = {.channels = 2, .stride = 2, .dilation = 1, .pad_top = 0, .pad_left = 0, .in_h = 3, .in_w = 3,
       .out_h = 1, .out_w = 1, .in_stride = 2, .out_stride = 2, .act = Act::none};
  auto out2 = test::poisoned(2);
  ref::f32_dwconv_3x3(p, in2.data(), packed2.data(), out2.data(), 0, 1);
  test::check_close(out2, {45, 90}, 0.0f, 0.0f);

  // 5×5 with dilation 2 and pad 4 on a 1×1 image: only the centre tap (index 12) lands inside.
  std::vector<float> w5(25, 0.0f), packed5(25);
  w5[12] = 3.0f;
  dwconv_pack(1, 5, w5.data(), packed5.data());
  p = {.channels = 1, .stride = 1, .dilation = 2, .pad_top = 4, .pad_left = 4, .in_h = 1, .in_w = 1,
       .out_h = 1, .out_w = 1, .in_stride = 1, .out_stride = 1, .act = Act::none};
  float x = 1.5f, y = 0.0f;
  ref::f32_dwconv_5x5(p, &x, packed5.data(), &y, 0, 1);
  CHECK(y == 4.5f);
}

TEST_CASE("dwconv matches the reference over kernels, strides, dilations, paddings and channel counts") {
  const std::vector<Shape> shapes{{1, 1}, {1, 9}, {8, 1}, {5, 7}, {9, 14}, {12, 5}};
  const std::vector<size_t> channel_counts{1, 3, 4, 7, 8, 12, 16, 17, 24, 33, 40};
  uint32_t seed = 1;
  test::for_each_vector_isa([&](Isa isa) {
    for (size_t kernel : {3, 5}) {
      for (size_t stride : {1, 2}) {
        for (size_t dilation : {1, 2}) {
          for (const Shape& s : shapes) {
            for (size_t c : channel_counts) {
              // Same-size padding, no padding, and lopsided padding with an extra bottom/right.
              const size_t same = (kernel - 1) * dilation / 2;
              for (auto [pad, extra] : {std::pair{same, size_t{0}}, std::pair{size_t{0}, size_t{0}},
                                        std::pair{size_t{1}, size_t{2}}}) {
                ++seed;
                DwConvParams p{};
                p.channels = c;
                p.stride = stride;
                p.dilation = dilation;
                p.pad_top = pad;
                p.pad_left = pad + seed % 2;
                p.in_h = s.h;
                p.in_w = s.w;
                p.out_h = out_extent(s.h, pad, extra, kernel, stride, dilation);
                p.out_w = out_extent(s.w, p.pad_left, extra, kernel, stride, dilation);
                if (p.out_h == 0 || p.out_w == 0) continue;
                // Alternate dense tensors with channel slices of wider buffers.
                p.in_stride = c + (seed % 3 == 0 ? 0 : 5);
                p.out_stride = c + (seed % 4 == 0 ? 0 : 3);
                p.act = kActs[seed % kActs.size()];
                CAPTURE(kernel);
                CAPTURE(stride);
                CAPTURE(dilation);
                CAPTURE(s.h);
                CAPTURE(s.w);
                CAPTURE(c);
                CAPTURE(pad);
                CAPTURE(p.pad_left);
                CAPTURE(extra);
                compare(isa, kernel, p, seed, 0, p.out_h / 2, p.out_h, seed % 5 != 0);
              }
            }
          }
        }
      }
    }
  });
}

TEST_CASE("dwconv writes only the requested output rows") {
  test::for_each_vector_isa([&](Isa isa) {
    for (size_t kernel : {3, 5}) {
      for (size_t c : {4, 24, 72}) {
        CAPTURE(kernel);
        CAPTURE(c);
        DwConvParams p{.channels = c, .stride = 1, .dilation = 1, .pad_top = kernel / 2,
                       .pad_left = kernel / 2, .in_h = 11, .in_w = 13, .out_h = 11, .out_w = 13,
                       .in_stride = c + 8, .out_stride = c + 1, .act = Act::hardswish};
        compare(isa, kernel, p, 99, 2, 2, 9, true);
        compare(isa, kernel, p, 98, 0, 1, 1, true);
        compare(isa, kernel, p, 97, 10, 10, 11, true);
      }
    }
  });
}

TEST_CASE("dwconv matches the reference at network channel counts") {
  // Full vectors plus the 8-lane tail AVX-512 takes for C = 72, 120, 184, 200.
  test::for_each_vector_isa([&](Isa isa) {
    for (size_t c : {64, 72, 120, 184, 200}) {
      for (size_t kernel : {3, 5}) {
        for (size_t stride : {1, 2}) {
          CAPTURE(c);
          CAPTURE(kernel);
          CAPTURE(stride);
          const size_t pad = kernel / 2;
          DwConvParams p{.channels = c, .stride = stride, .dilation = 1, .pad_top = pad, .pad_left = pad,
                         .in_h = 9, .in_w = 10, .out_h = 0, .out_w = 0, .in_stride = c,
                         .out_stride = c, .act = Act::hardswish};
          p.out_h = out_extent(p.in_h, pad, 0, kernel, stride, 1);
          p.out_w = out_extent(p.in_w, pad, 0, kernel, stride, 1);
          compare(isa, kernel, p, static_cast<uint32_t>(c + kernel + stride), 0, 3, p.out_h, true);
        }
      }
    }
  });
}

TEST_CASE("dwconv matches the reference on rows wide enough for whole pixel groups") {
  // Interior groups, clipped border groups and the overlapping last group of each row, for the
  // stride and dilation pairs the kernels specialise and for others (stride 3, stride 2 with
  // dilation 2) that take the per-pixel loop.
  uint32_t seed = 500;
  for (Isa isa : test::vector_isas())
    for (size_t kernel : {3, 5})
      for (auto [stride, dilation] : {std::pair<size_t, size_t>{1, 1}, {2, 1}, {1, 2}, {2, 2}, {3, 1}})
        for (size_t w : {8, 9, 16, 23, 37, 61})
          for (size_t c : {5, 16, 24}) {
            ++seed;
            CAPTURE(isa_name(isa));
            CAPTURE(kernel);
            CAPTURE(stride);
            CAPTURE(dilation);
            CAPTURE(w);
            CAPTURE(c);
            const size_t pad = (kernel - 1) * dilation / 2;
            DwConvParams p{.channels = c, .stride = stride, .dilation = dilation, .pad_top = pad, .pad_left = pad,
                           .in_h = 6, .in_w = w, .out_h = 0, .out_w = 0, .in_stride = c + seed % 3,
                           .out_stride = c + seed % 2, .act = kActs[seed % kActs.size()]};
            p.out_h = out_extent(p.in_h, pad, 0, kernel, stride, dilation);
            p.out_w = out_extent(p.in_w, pad, 0, kernel, stride, dilation);
            compare(isa, kernel, p, seed, 0, 2, p.out_h, seed % 4 != 0);
          }
}

TEST_CASE("dwconv as the guided filter's 3x3 box filter") {
  // C = 4, weights 1/9, no bias, pad 1: every output is the zero-padded 3×3 mean.
  const size_t h = 7, w = 6, c = 4;
  const auto input = test::random_floats(h * w * c, 5);
  std::vector<float> weights(c * 9, 1.0f / 9.0f), packed(dwconv_packed_size(c, 3));
  dwconv_pack(c, 3, weights.data(), packed.data());
  const DwConvParams p{.channels = c, .stride = 1, .dilation = 1, .pad_top = 1, .pad_left = 1, .in_h = h,
                       .in_w = w, .out_h = h, .out_w = w, .in_stride = c, .out_stride = c,
                       .act = Act::none};
  std::vector<float> want(h * w * c, 0.0f);
  for (size_t y = 0; y < h; ++y)
    for (size_t x = 0; x < w; ++x)
      for (size_t ch = 0; ch < c; ++ch) {
        float sum = 0.0f;
        for (size_t iy = y > 0 ? y - 1 : 0; iy <= std::min(h - 1, y + 1); ++iy)
          for (size_t ix = x > 0 ? x - 1 : 0; ix <= std::min(w - 1, x + 1); ++ix) sum += input[(iy * w + ix) * c + ch];
        want[(y * w + x) * c + ch] = sum / 9.0f;
      }
  for (Isa isa : available_isas()) {
    CAPTURE(isa_name(isa));
    auto got = test::poisoned(h * w * c);
    dwconv_kernels(isa).f32_dwconv_3x3(p, input.data(), packed.data(), got.data(), 0, h);
    test::check_close(got, want, 1e-6f, 1e-5f);
  }
}

}  // namespace matte
