#include <string>

#include "kernels/conv.h"
#include "tests/kernels/kernel_test_util.h"

namespace matte {

namespace {

struct Shape {
  size_t in_h, in_w, cin, cout, k;
  size_t stride = 1, dilation = 1;
  size_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  // Extra floats per pixel around the channel slice (input and output live in wider buffers).
  size_t in_gap = 0, out_gap = 0;
  Act act = Act::none;
  bool bias = true;
};

ConvParams params_of(const Shape& s) {
  const size_t span = s.dilation * (s.k - 1) + 1;
  ConvParams p{};
  p.in_h = s.in_h, p.in_w = s.in_w, p.cin = s.cin, p.cout = s.cout, p.kernel = s.k;
  p.out_h = (s.in_h + s.pad_top + s.pad_bottom - span) / s.stride + 1;
  p.out_w = (s.in_w + s.pad_left + s.pad_right - span) / s.stride + 1;
  p.stride = s.stride, p.dilation = s.dilation, p.pad_top = s.pad_top, p.pad_left = s.pad_left;
  p.in_stride = s.cin + s.in_gap, p.out_stride = s.cout + s.out_gap;
  p.act = s.act;
  return p;
}

// A channel slice of a wider buffer: NaN outside the slice so reading or writing the gaps shows.
struct Sliced {
  std::vector<float> data;
  size_t offset;
};

Sliced sliced(size_t pixels, size_t channels, size_t gap, uint32_t seed) {
  const size_t stride = channels + gap;
  Sliced s{test::poisoned(pixels * stride), gap / 2};
  const auto values = test::random_floats(pixels * channels, seed, -1.0f, 1.0f);
  for (size_t i = 0; i < pixels; ++i)
    for (size_t c = 0; c < channels; ++c) s.data[i * stride + s.offset + c] = values[i * channels + c];
  return s;
}

struct Packed {
  std::vector<float> w;
  Packed(const ConvKernels& kern, const Shape& s, uint32_t seed) {
    const auto weights = test::random_floats(s.cout * s.cin * s.k * s.k, seed, -1.0f, 1.0f);
    w.resize(kern.f32_conv_kxk_packed_size(s.cin, s.cout, s.k));
    kern.pack_f32_conv_kxk(s.cin, s.cout, s.k, weights.data(), w.data());
  }
};

// Output rows [y0, y1) (all when y1 == 0) of isa's kernel against the reference, whole buffers compared.
void check_conv(Isa isa, const Shape& s, size_t y0 = 0, size_t y1 = 0) {
  ConvParams p = params_of(s);
  if (y1 == 0) y1 = p.out_h;
  const std::string what = std::string(isa_name(isa)) + " in " + std::to_string(s.in_h) + "x" +
                           std::to_string(s.in_w) + "x" + std::to_string(s.cin) + " -> " + std::to_string(s.cout) +
                           " k" + std::to_string(s.k) + " s" + std::to_string(s.stride) + " d" +
                           std::to_string(s.dilation) + " pad " + std::to_string(s.pad_top) + "," +
                           std::to_string(s.pad_left) + " gaps " + std::to_string(s.in_gap) + "," +
                           std::to_string(s.out_gap) + " act " + std::to_string(int(s.act)) + " bias " +
                           std::to_string(s.bias) + " rows " + std::to_string(y0) + ".." + std::to_string(y1);
  CAPTURE(what);
  const uint32_t seed = uint32_t(s.cin * 131 + s.cout * 7 + s.in_w);
  const Sliced in = sliced(s.in_h * s.in_w, s.cin, s.in_gap, seed);
  // All NaN: whatever the kernel does not write stays poison.
  Sliced want{test::poisoned(p.out_h * p.out_w * p.out_stride), s.out_gap / 2}, got = want;

  const ConvKernels r = conv_kernels(Isa::scalar), k = conv_kernels(isa);
  const Packed rw(r, s, seed + 2), kw(k, s, seed + 2);
  const auto bias = test::random_floats(s.cout, seed + 3);
  p.bias = s.bias ? bias.data() : nullptr;
  r.f32_conv_kxk(p, in.data.data() + in.offset, rw.w.data(), want.data.data() + want.offset, y0, y1);
  k.f32_conv_kxk(p, in.data.data() + in.offset, kw.w.data(), got.data.data() + got.offset, y0, y1);
  test::check_close(got.data, want.data, 1e-4f, 1e-4f);
}

constexpr Act kActs[] = {Act::none, Act::relu, Act::relu6, Act::sigmoid, Act::tanh, Act::hardswish};

}  // namespace

TEST_CASE("conv reference matches a hand-computed 3x3 pad 1 convolution") {
  // 2×2 image, one input channel; output 0 sums every pixel (each 3×3 window covers the whole
  // image), output 1 is twice the centre tap.
  const float in[] = {1, 2, 3, 4};
  float w[2 * 9] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0};
  const float bias[] = {0.5f, -1.0f};
  std::vector<float> packed(ref::f32_conv_kxk_packed_size(1, 2, 3));
  ref::pack_f32_conv_kxk(1, 2, 3, w, packed.data());
  ConvParams p{};
  p.in_h = p.in_w = p.out_h = p.out_w = 2, p.cin = 1, p.cout = 2, p.kernel = 3, p.pad_top = p.pad_left = 1;
  p.in_stride = 1, p.out_stride = 2, p.bias = bias;
  auto out = test::poisoned(8);
  ref::f32_conv_kxk(p, in, packed.data(), out.data(), 0, 2);
  test::check_close(out, {10.5f, 1, 10.5f, 3, 10.5f, 5, 10.5f, 7}, 0, 0);
}

TEST_CASE("conv reference matches a hand-computed strided dilated convolution with ReLU") {
  // One row of 5 pixels; pad 2, dilation 2, stride 2: only the middle kernel row lands in the
  // image and output x reads input columns 2x-2, 2x, 2x+2.
  const float in[] = {1, -2, 3, -4, 5};
  const float w[9] = {7, 7, 7, 1, 10, 100, 7, 7, 7};
  const float bias = -100;
  std::vector<float> packed(ref::f32_conv_kxk_packed_size(1, 1, 3));
  ref::pack_f32_conv_kxk(1, 1, 3, w, packed.data());
  ConvParams p{};
  p.in_h = 1, p.in_w = 5, p.cin = 1, p.out_h = 1, p.out_w = 3, p.cout = 1, p.kernel = 3;
  p.stride = 2, p.dilation = 2, p.pad_top = 2, p.pad_left = 2, p.in_stride = 1, p.out_stride = 1, p.bias = &bias;
  p.act = Act::relu;
  auto out = test::poisoned(3);
  ref::f32_conv_kxk(p, in, packed.data(), out.data(), 0, 1);
  // 10·1 + 100·3 - 100, 1 + 10·3 + 100·5 - 100, 3 + 10·5 - 100 → ReLU.
  test::check_close(out, {210, 431, 0}, 0, 0);
}

TEST_CASE("f32_conv_kxk matches the reference over channel counts, strides and image sizes") {
  const std::pair<size_t, size_t> sizes[] = {{1, 1}, {1, 9}, {6, 1}, {7, 13}, {4, 29}, {2, 2}};
  test::for_each_vector_isa([&](Isa isa) {
    size_t i = 0;
    for (size_t k : {1, 3})
      for (size_t stride : {1, 2})
        for (size_t cin : {1, 3, 4, 6, 17, 35})
          for (size_t cout : {1, 4, 12, 16, 20, 33, 40, 64}) {
            Shape s{sizes[i % 6].first, sizes[i % 6].second, cin, cout, k, stride};
            s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = k / 2;
            s.in_gap = i % 3 == 0 ? 0 : 3;
            s.out_gap = i % 2 == 0 ? 0 : 5;
            s.act = kActs[i % std::size(kActs)];
            s.bias = i % 7 != 0;
            check_conv(isa, s);
            ++i;
          }
  });
}

TEST_CASE("f32_conv_kxk handles dilation, no padding and uneven padding") {
  test::for_each_vector_isa([&](Isa isa) {
    // ASPP-style dilated 3×3 with padding = dilation, on images smaller and larger than the span.
    for (size_t d : {2, 3, 6, 9})
      for (auto [h, w] : {std::pair<size_t, size_t>{9, 14}, {17, 30}, {3, 4}}) {
        Shape s{h, w, 12, 20, 3, 1, d, d, d, d, d};
        s.act = Act::relu;
        check_conv(isa, s);
      }
    // Refiner-style 3×3 without padding, both strides.
    for (size_t stride : {1, 2})
      for (auto [h, w] : {std::pair<size_t, size_t>{3, 3}, {8, 8}, {11, 27}, {5, 40}}) {
        Shape s{h, w, 38, 24, 3, stride};
        s.out_gap = 2;
        check_conv(isa, s);
      }
    // Padding only on some sides, 5×5 kernels, stride 2 on odd sizes.
    for (size_t k : {2, 3, 5}) {
      Shape s{13, 19, 7, 36, k, 2, 1, 1, 2, 0, 1};
      check_conv(isa, s);
      Shape t{10, 25, 5, 8, k, 1, 2, 0, 3, 2, 0};
      t.in_gap = 1;
      check_conv(isa, t);
    }
  });
}

TEST_CASE("f32_conv_kxk matches the reference at RVM and BGMv2 channel counts") {
  test::for_each_vector_isa([&](Isa isa) {
    // Decoder (concatenated inputs), ConvGRU (sigmoid / tanh), stem and refiner channel counts.
    const Shape shapes[] = {
        {5, 9, 171, 80, 3, 1, 1, 1, 1, 1, 1, 2, 0, Act::relu},
        {6, 7, 107, 40, 3, 1, 1, 1, 1, 1, 1, 1, 0, Act::relu},
        {4, 14, 59, 32, 3, 1, 1, 1, 1, 1, 1, 0, 0, Act::relu},
        {3, 25, 128, 128, 3, 1, 1, 1, 1, 1, 1, 128, 0, Act::sigmoid},
        {4, 12, 128, 64, 3, 1, 1, 1, 1, 1, 1, 128, 64, Act::tanh},
        {9, 17, 3, 16, 3, 2, 1, 1, 1, 1, 1, 0, 0, Act::hardswish},
        {6, 6, 4, 12, 3, 2, 1, 1, 1, 1, 1, 2, 0, Act::none},
        {8, 9, 6, 4, 3, 1, 1, 0, 0, 0, 0, 0, 0, Act::none},
    };
    for (const Shape& s : shapes) check_conv(isa, s);
  });
}

TEST_CASE("f32_conv_kxk matches the reference at ResNet50's backbone shapes") {
  test::for_each_vector_isa([&](Isa isa) {
    // 7×7 stride-2 stem on RGB read from a wider buffer, on sizes around the window's span.
    for (auto [h, w] : {std::pair<size_t, size_t>{1, 1}, {3, 8}, {7, 7}, {12, 17}, {23, 30}}) {
      Shape s{h, w, 3, 64, 7, 2, 1, 3, 3, 3, 3, 32, 0, Act::relu};
      check_conv(isa, s);
    }
    // 1×1 stride-2 shortcut projections and 3×3 stride-2 / dilation-2 bottleneck convolutions.
    const Shape shapes[] = {
        {9, 14, 256, 512, 1, 2, 1, 0, 0, 0, 0, 0, 0, Act::none},
        {8, 11, 512, 64, 1, 2, 1, 0, 0, 0, 0, 0, 0, Act::none},
        {9, 15, 128, 128, 3, 2, 1, 1, 1, 1, 1, 0, 0, Act::relu},
        {6, 9, 64, 72, 3, 1, 2, 2, 2, 2, 2, 0, 0, Act::relu},
    };
    for (const Shape& s : shapes) check_conv(isa, s);
  });
}

TEST_CASE("f32_conv_kxk writes exactly the requested output rows") {
  test::for_each_vector_isa([&](Isa isa) {
    Shape s{11, 15, 9, 40, 3, 1, 1, 1, 1, 1, 1, 2, 3, Act::relu};
    for (auto [y0, y1] : {std::pair<size_t, size_t>{0, 1}, {3, 7}, {10, 11}, {5, 6}}) check_conv(isa, s, y0, y1);
    // Row pieces written one after the other equal one call over all rows.
    const ConvParams p = params_of(s);
    const ConvKernels k = conv_kernels(isa);
    const Packed w(k, s, 5);
    const Sliced in = sliced(s.in_h * s.in_w, s.cin, s.in_gap, 9);
    auto whole = test::poisoned(p.out_h * p.out_w * p.out_stride), pieces = whole;
    const float* x = in.data.data() + in.offset;
    const size_t out_offset = s.out_gap / 2;
    k.f32_conv_kxk(p, x, w.w.data(), whole.data() + out_offset, 0, p.out_h);
    for (auto [y0, y1] : {std::pair<size_t, size_t>{0, 4}, {4, 5}, {5, 11}})
      k.f32_conv_kxk(p, x, w.w.data(), pieces.data() + out_offset, y0, y1);
    test::check_close(pieces, whole, 0, 0);
  });
}

}  // namespace matte
