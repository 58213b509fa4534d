#include <algorithm>
#include <cstring>
#include <random>
#include <string>

#include "kernels/coarse_up.h"
#include "kernels/resize.h"
#include "kernels/u8_pixels.h"
#include "tests/kernels/kernel_test_util.h"

namespace matte {

namespace {

constexpr uint8_t kPoison8 = 0xa5;
constexpr size_t kCoarseStride = 37;  // BGMv2's decoder output: the 4 channels, then 33 more

// A whole frame's outputs, each with one guard element past the end.
struct Frame {
  std::vector<float> alpha, fg;
  std::vector<uint8_t> alpha8, fg8;

  explicit Frame(size_t n)
      : alpha(test::poisoned(n + 1)),
        fg(test::poisoned(3 * n + 1)),
        alpha8(n + 1, kPoison8),
        fg8(3 * n + 1, kPoison8) {}
};

// The frame's source: 8-bit interleaved (padded rows) and the same pixels as 6-channel floats
// (source then three more, as the network's src‖plate input).
struct Source {
  size_t row;
  std::vector<uint8_t> bytes;
  std::vector<float> floats;

  Source(size_t h, size_t w, bool bgr, uint32_t seed) : row(3 * w + 5), bytes(h * row) {
    std::mt19937 rng(seed);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng() & 0xff);
    floats.assign(6 * h * w, -1.0f);
    for (size_t y = 0; y < h; ++y)
      for (size_t x = 0; x < w; ++x)
        for (size_t c = 0; c < 3; ++c)
          floats[6 * (y * w + x) + c] = from_u8(bytes[y * row + 3 * x + (bgr ? 2 - c : c)]);
  }
};

enum class From { u8, f32 };

// Bits of Frame's outputs: which ones a run asks for.
enum Outputs : unsigned { kAlpha = 1, kFg = 2, kAlpha8 = 4, kFg8 = 8, kAllOutputs = 15 };

// Table k over the frame as the network drives it (see test_guided.cpp); the outputs not in
// `outputs` are passed as null.
Frame run_coarse_up(const CoarseUpKernels& k, const ResizeParams& p, const std::vector<float>& coarse,
                    const Source& src, From from, bool bgr, unsigned outputs = kAllOutputs) {
  const size_t W = p.out_w, H = p.out_h, n = W * H, plane = W + 5;
  std::vector<uint32_t> x0(W), x1(W);
  std::vector<float> wx0(W), wx1(W);
  for (size_t x = 0; x < W; ++x) {
    const ResizeTap t = resize_tap(x, W, p.in_w, p.scale_x);
    x0[x] = static_cast<uint32_t>(t.i0);
    x1[x] = static_cast<uint32_t>(t.i1);
    wx0[x] = t.w0;
    wx1[x] = t.w1;
  }
  auto top = test::poisoned(coarse_up_expanded_size(plane)), bottom = top;
  Frame f(n);
  for (size_t y = 0; y < H; ++y) {
    const ResizeTap ty = resize_tap(y, H, p.in_h, p.scale_y);
    k.f32_coarse_up_expand(W, coarse.data() + ty.i0 * p.in_w * kCoarseStride, kCoarseStride, x0.data(), x1.data(),
                           top.data(), plane);
    k.f32_coarse_up_expand(W, coarse.data() + ty.i1 * p.in_w * kCoarseStride, kCoarseStride, x0.data(), x1.data(),
                           bottom.data(), plane);
    CoarseUpRow r;
    r.width = W;
    r.top = top.data();
    r.bottom = bottom.data();
    r.plane = plane;
    r.wx0 = wx0.data();
    r.wx1 = wx1.data();
    r.wy0 = ty.w0;
    r.wy1 = ty.w1;
    if (outputs & kAlpha) r.alpha = f.alpha.data() + y * W;
    if (outputs & kFg)
      for (size_t c = 0; c < 3; ++c) r.foreground[c] = f.fg.data() + c * n + y * W;
    if (outputs & kAlpha8) r.alpha8 = f.alpha8.data() + y * W;
    if (outputs & kFg8) r.foreground8 = f.fg8.data() + 3 * y * W;
    if (from == From::u8) k.u8_coarse_up_row(r, src.bytes.data() + y * src.row, bgr);
    else k.f32_coarse_up_row(r, src.floats.data() + 6 * y * W, 6);
  }
  return f;
}

// What the network computed before: the coarse channels resized by the reference, then the formula.
Frame resize_then_apply(const ResizeParams& p, const std::vector<float>& coarse, const Source& src, bool bgr) {
  const size_t n = p.out_w * p.out_h;
  std::vector<float> full(n * kCoarseUpChannels);
  ref::f32_resize_bilinear(p, coarse.data(), kCoarseStride, full.data(), kCoarseUpChannels, 0, p.out_h);
  Frame f(n);
  for (size_t i = 0; i < n; ++i) {
    float fg[3];
    coarse_up_apply(full.data() + i * kCoarseUpChannels, src.floats.data() + 6 * i, f.alpha[i], fg);
    f.alpha8[i] = to_u8(f.alpha[i]);
    for (size_t c = 0; c < 3; ++c) {
      f.fg[c * n + i] = fg[c];
      f.fg8[3 * i + (bgr ? 2 - c : c)] = to_u8(fg[c]);
    }
  }
  return f;
}

bool same_bits(const Frame& a, const Frame& b, unsigned outputs = kAllOutputs) {
  const auto eq = [](const auto& x, const auto& y) {
    return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(x[0])) == 0;
  };
  return (!(outputs & kAlpha) || eq(a.alpha, b.alpha)) && (!(outputs & kFg) || eq(a.fg, b.fg)) &&
         (!(outputs & kAlpha8) || eq(a.alpha8, b.alpha8)) && (!(outputs & kFg8) || eq(a.fg8, b.fg8));
}

// The outputs not in `outputs` hold nothing but poison.
bool untouched(const Frame& f, unsigned outputs) {
  const auto nan = [](const std::vector<float>& v) {
    return std::all_of(v.begin(), v.end(), [](float e) { return std::isnan(e); });
  };
  const auto poison = [](const std::vector<uint8_t>& v) {
    return std::count(v.begin(), v.end(), kPoison8) == static_cast<std::ptrdiff_t>(v.size());
  };
  return ((outputs & kAlpha) || nan(f.alpha)) && ((outputs & kFg) || nan(f.fg)) &&
         ((outputs & kAlpha8) || poison(f.alpha8)) && ((outputs & kFg8) || poison(f.fg8));
}

struct Shape {
  size_t in_h, in_w, out_h, out_w;
};
// Upsampling by 4 and 8 as BGMv2 does, widths below, at and around both vector widths, a single
// row or column, and a downsampling one.
const Shape kShapes[] = {{1, 1, 1, 1},  {2, 2, 7, 5},  {3, 5, 12, 20},  {4, 4, 16, 16}, {2, 9, 8, 36},
                         {5, 2, 20, 8}, {1, 6, 1, 24}, {6, 1, 24, 1},   {3, 4, 12, 17}, {5, 9, 3, 4},
                         {4, 8, 32, 64}, {3, 25, 12, 100}};

}  // namespace

TEST_CASE("f32_coarse_up_expand matches the reference") {
  for (Isa isa : test::vector_isas()) {
    const CoarseUpKernels k = coarse_up_kernels(isa);
    for (size_t stride : {4, 6, 37}) {
      for (size_t width : {1, 3, 4, 5, 16, 23, 40}) {
        const std::string isa_text = isa_name(isa);
        CAPTURE(isa_text);
        CAPTURE(stride);
        CAPTURE(width);
        const size_t in_w = 7;
        const auto row = test::random_floats(in_w * stride, static_cast<uint32_t>(stride + width));
        std::vector<uint32_t> x0(width), x1(width);
        std::mt19937 rng(static_cast<uint32_t>(width));
        for (size_t x = 0; x < width; ++x) {
          x0[x] = static_cast<uint32_t>(rng() % in_w);
          x1[x] = static_cast<uint32_t>(rng() % in_w);
        }
        const size_t plane = width + 3;
        auto want = test::poisoned(coarse_up_expanded_size(plane)), got = want;
        ref::f32_coarse_up_expand(width, row.data(), stride, x0.data(), x1.data(), want.data(), plane);
        k.f32_coarse_up_expand(width, row.data(), stride, x0.data(), x1.data(), got.data(), plane);
        test::check_close(got, want, 0.0f, 0.0f);
      }
    }
  }
}

// Nothing is fused on either side, so every ISA equals the reference, and resizing the coarse
// channels then applying the formula, bit for bit, for any subset of the outputs.
TEST_CASE("coarse_up rows equal the reference and resize-then-apply bit for bit") {
  for (Isa isa : available_isas()) {
    const CoarseUpKernels k = coarse_up_kernels(isa), r = coarse_up_kernels(Isa::scalar);
    for (const Shape& s : kShapes) {
      const ResizeParams p = resize_to_size(s.in_h, s.in_w, kCoarseUpChannels, s.out_h, s.out_w);
      const uint32_t seed = static_cast<uint32_t>(s.in_w * 3 + s.out_h);
      const auto coarse = test::random_floats(s.in_h * s.in_w * kCoarseStride, seed, -0.5f, 1.5f);
      for (From from : {From::u8, From::f32}) {
        for (bool bgr : {false, true}) {
          if (bgr && from == From::f32) continue;
          const std::string isa_text = isa_name(isa);
          CAPTURE(isa_text);
          CAPTURE(s.in_h);
          CAPTURE(s.in_w);
          CAPTURE(s.out_h);
          CAPTURE(s.out_w);
          CAPTURE(from == From::u8);
          CAPTURE(bgr);
          const Source src(s.out_h, s.out_w, bgr, static_cast<uint32_t>(s.out_w + 11));
          const Frame got = run_coarse_up(k, p, coarse, src, from, bgr);
          CHECK(same_bits(got, run_coarse_up(r, p, coarse, src, from, bgr)));
          CHECK(same_bits(got, resize_then_apply(p, coarse, src, bgr)));
          // Any subset of the outputs: those values exactly, and nothing written elsewhere.
          for (unsigned outputs = 0; outputs < kAllOutputs; ++outputs) {
            CAPTURE(outputs);
            const Frame some = run_coarse_up(k, p, coarse, src, from, bgr, outputs);
            CHECK(same_bits(some, got, outputs));
            CHECK(untouched(some, outputs));
          }
        }
      }
    }
  }
}

}  // namespace matte
