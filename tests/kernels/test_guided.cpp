#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <type_traits>

#include "kernels/guided.h"
#include "kernels/resize.h"
#include "kernels/u8_pixels.h"
#include "tests/kernels/kernel_test_util.h"

namespace matte {

namespace {

constexpr uint8_t kPoison8 = 0xa5;

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (uint8_t& b : v) b = static_cast<uint8_t>(rng() & 0xff);
  return v;
}

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

// The frame's source: 8-bit interleaved (with padded rows) and the same pixels as planar floats.
struct Source {
  size_t w, row;
  std::vector<uint8_t> bytes;
  std::vector<float> planar;  // [3][H·W], RGB

  Source(size_t h, size_t w_, bool bgr, uint32_t seed) : w(w_), row(3 * w_ + 4), bytes(random_bytes(h * row, seed)) {
    planar.resize(3 * h * w);
    for (size_t y = 0; y < h; ++y)
      for (size_t x = 0; x < w; ++x)
        for (size_t c = 0; c < 3; ++c)
          planar[c * h * w + y * w + x] = from_u8(bytes[y * row + 3 * x + (bgr ? 2 - c : c)]);
  }
};

// Random [A | b] at the low resolution: A around ±2, b around ±1, so outputs both clamp and not.
std::vector<float> random_ab(size_t pixels, uint32_t seed) {
  auto ab = test::random_floats(pixels * kGuidedChannels, seed, -2.0f, 2.0f);
  for (size_t i = 0; i < pixels; ++i)
    for (size_t c = 4; c < 8; ++c) ab[i * 8 + c] *= 0.5f;
  return ab;
}

// Bits of Frame's outputs: which ones a run asks for.
enum Outputs : unsigned { kAlpha = 1, kFg = 2, kAlpha8 = 4, kFg8 = 8, kAllOutputs = 15 };

// Table k over the frame the way the network drives it: x taps once, each output row from the
// expansions of its two low-resolution rows (scratch planes longer than the row, poisoned); the
// outputs not in `outputs` are passed as null.
Frame run_guided(const GuidedKernels& k, const ResizeParams& p, const std::vector<float>& ab, const Source& src,
                 bool from_u8_source, bool bgr, unsigned outputs = kAllOutputs) {
  const size_t W = p.out_w, H = p.out_h, n = W * H, plane = W + 3;
  std::vector<uint32_t> x0(W), x1(W);
  std::vector<float> wx0(W), wx1(W);
  for (size_t x = 0; x < W; ++x) {
    const ResizeTap t = resize_tap(x, W, p.in_w, p.scale_x);
    x0[x] = static_cast<uint32_t>(t.i0);
    x1[x] = static_cast<uint32_t>(t.i1);
    wx0[x] = t.w0;
    wx1[x] = t.w1;
  }
  auto top = test::poisoned(guided_expanded_size(plane)), bottom = top;
  Frame f(n);
  for (size_t y = 0; y < H; ++y) {
    const ResizeTap ty = resize_tap(y, H, p.in_h, p.scale_y);
    k.f32_guided_expand(W, ab.data() + ty.i0 * p.in_w * 8, x0.data(), x1.data(), top.data(), plane);
    k.f32_guided_expand(W, ab.data() + ty.i1 * p.in_w * 8, x0.data(), x1.data(), bottom.data(), plane);
    GuidedRow r;
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
    if (from_u8_source) {
      k.u8_guided_row(r, src.bytes.data() + y * src.row, bgr);
    } else {
      const float* s = src.planar.data() + y * W;
      k.f32_guided_row(r, s, s + n, s + 2 * n);
    }
  }
  return f;
}

// What the network computed before: [A | b] resized to the frame by table k, then the formula.
Frame resize_then_apply(const ResizeKernels& rk, const ResizeParams& p, const std::vector<float>& ab, const Source& src,
                        bool bgr) {
  const size_t n = p.out_w * p.out_h;
  std::vector<float> full(n * kGuidedChannels);
  rk.f32_resize_bilinear(p, ab.data(), kGuidedChannels, full.data(), kGuidedChannels, 0, p.out_h);
  Frame f(n);
  for (size_t i = 0; i < n; ++i) {
    const float s[3] = {src.planar[i], src.planar[n + i], src.planar[2 * n + i]};
    float fg[3];
    guided_apply(full.data() + i * kGuidedChannels, s, f.alpha[i], fg);
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
  const auto poison = [](const auto& v) {
    return std::all_of(v.begin(), v.end(), [](auto e) {
      if constexpr (std::is_same_v<decltype(e), float>) return std::isnan(e);
      else return e == kPoison8;
    });
  };
  return ((outputs & kAlpha) || poison(f.alpha)) && ((outputs & kFg) || poison(f.fg)) &&
         ((outputs & kAlpha8) || poison(f.alpha8)) && ((outputs & kFg8) || poison(f.fg8));
}

// Each 8-bit output is to_u8 of the kernel's own float output, and the guards are untouched.
void check_consistent(const Frame& f, size_t n, bool bgr) {
  for (size_t i = 0; i < n; ++i) {
    REQUIRE(f.alpha8[i] == to_u8(f.alpha[i]));
    for (size_t c = 0; c < 3; ++c) REQUIRE(f.fg8[3 * i + (bgr ? 2 - c : c)] == to_u8(f.fg[c * n + i]));
  }
  CHECK(std::isnan(f.alpha[n]));
  CHECK(std::isnan(f.fg[3 * n]));
  CHECK(f.alpha8[n] == kPoison8);
  CHECK(f.fg8[3 * n] == kPoison8);
}

struct Shape {
  size_t in_h, in_w, out_h, out_w;
};
// Upsampling by 4 and 8 as RVM does, widths below, at and around both vector widths, a single
// row or column, and a downsampling one.
const Shape kShapes[] = {{1, 1, 1, 1},  {2, 2, 7, 5},   {3, 5, 13, 21},  {4, 4, 16, 16},   {2, 9, 9, 33},
                         {5, 2, 20, 8}, {1, 6, 1, 24},  {6, 1, 24, 1},   {3, 4, 12, 17},   {5, 9, 3, 4},
                         {4, 8, 31, 63}, {2, 3, 16, 24}, {7, 12, 28, 48}, {3, 25, 11, 100}};

}  // namespace

TEST_CASE("f32_guided_expand matches the reference") {
  for (Isa isa : test::vector_isas()) {
    const GuidedKernels k = guided_kernels(isa);
    for (size_t in_w : {1, 2, 5, 17}) {
      for (size_t width : {1, 3, 7, 8, 9, 16, 23, 40}) {
        for (size_t pad : {0, 5}) {
          const std::string isa_text = isa_name(isa);
          CAPTURE(isa_text);
          CAPTURE(in_w);
          CAPTURE(width);
          CAPTURE(pad);
          const auto row = test::random_floats(in_w * kGuidedChannels, static_cast<uint32_t>(in_w + 3 * width));
          std::vector<uint32_t> x0(width), x1(width);
          std::mt19937 rng(static_cast<uint32_t>(width));
          for (size_t x = 0; x < width; ++x) {
            x0[x] = static_cast<uint32_t>(rng() % in_w);
            x1[x] = static_cast<uint32_t>(rng() % in_w);
          }
          const size_t plane = width + pad;
          auto want = test::poisoned(guided_expanded_size(plane)), got = want;
          ref::f32_guided_expand(width, row.data(), x0.data(), x1.data(), want.data(), plane);
          k.f32_guided_expand(width, row.data(), x0.data(), x1.data(), got.data(), plane);
          test::check_close(got, want, 0.0f, 0.0f);
        }
      }
    }
  }
}

TEST_CASE("guided rows match the reference over shapes, sources and channel orders") {
  for (Isa isa : test::vector_isas()) {
    const GuidedKernels k = guided_kernels(isa), r = guided_kernels(Isa::scalar);
    for (const Shape& s : kShapes) {
      for (bool from_u8_source : {true, false}) {
        for (bool bgr : {false, true}) {
          if (bgr && !from_u8_source) continue;
          const std::string isa_text = isa_name(isa);
          CAPTURE(isa_text);
          CAPTURE(s.in_h);
          CAPTURE(s.in_w);
          CAPTURE(s.out_h);
          CAPTURE(s.out_w);
          CAPTURE(from_u8_source);
          CAPTURE(bgr);
          const ResizeParams p = resize_to_size(s.in_h, s.in_w, kGuidedChannels, s.out_h, s.out_w);
          const auto ab = random_ab(s.in_h * s.in_w, static_cast<uint32_t>(s.in_w * 7 + s.out_w));
          const Source src(s.out_h, s.out_w, bgr, static_cast<uint32_t>(s.out_h + s.out_w));
          const Frame want = run_guided(r, p, ab, src, from_u8_source, bgr);
          const Frame got = run_guided(k, p, ab, src, from_u8_source, bgr);
          test::check_close(got.alpha, want.alpha, 1e-5f, 1e-5f);
          test::check_close(got.fg, want.fg, 1e-5f, 1e-5f);
          check_consistent(got, s.out_h * s.out_w, bgr);
          check_consistent(want, s.out_h * s.out_w, bgr);
        }
      }
    }
  }
}

TEST_CASE("guided rows equal resizing A and b to full size then the formula, bit for bit") {
  for (Isa isa : available_isas()) {
    const GuidedKernels k = guided_kernels(isa);
    const ResizeKernels rk = resize_kernels(isa);
    for (const Shape& s : kShapes) {
      for (bool from_u8_source : {true, false}) {
        for (bool bgr : {false, true}) {
          if (bgr && !from_u8_source) continue;
          const std::string isa_text = isa_name(isa);
          CAPTURE(isa_text);
          CAPTURE(s.in_h);
          CAPTURE(s.in_w);
          CAPTURE(s.out_h);
          CAPTURE(s.out_w);
          CAPTURE(from_u8_source);
          CAPTURE(bgr);
          const ResizeParams p = resize_to_size(s.in_h, s.in_w, kGuidedChannels, s.out_h, s.out_w);
          const auto ab = random_ab(s.in_h * s.in_w, static_cast<uint32_t>(s.in_h * 5 + s.out_h));
          const Source src(s.out_h, s.out_w, bgr, static_cast<uint32_t>(s.out_w * 3 + 1));
          CHECK(same_bits(run_guided(k, p, ab, src, from_u8_source, bgr), resize_then_apply(rk, p, ab, src, bgr)));
        }
      }
    }
  }
}

// Every subset of the outputs, on every table: what is asked for equals the run with all outputs,
// bit for bit, and nothing is written anywhere else.
TEST_CASE("guided rows write exactly the outputs asked for, with the values of a full run") {
  for (Isa isa : available_isas()) {
    const GuidedKernels k = guided_kernels(isa);
    for (const Shape& s : kShapes) {
      for (bool from_u8_source : {true, false}) {
        const bool bgr = from_u8_source;
        const ResizeParams p = resize_to_size(s.in_h, s.in_w, kGuidedChannels, s.out_h, s.out_w);
        const auto ab = random_ab(s.in_h * s.in_w, static_cast<uint32_t>(s.in_h * 3 + s.out_w));
        const Source src(s.out_h, s.out_w, bgr, static_cast<uint32_t>(s.out_w * 5 + 2));
        const Frame all = run_guided(k, p, ab, src, from_u8_source, bgr);
        for (unsigned outputs = 0; outputs < kAllOutputs; ++outputs) {
          const std::string isa_text = isa_name(isa);
          CAPTURE(isa_text);
          CAPTURE(s.out_h);
          CAPTURE(s.out_w);
          CAPTURE(from_u8_source);
          CAPTURE(outputs);
          const Frame some = run_guided(k, p, ab, src, from_u8_source, bgr, outputs);
          CHECK(same_bits(some, all, outputs));
          CHECK(untouched(some, outputs));
        }
      }
    }
  }
}

}  // namespace matte
