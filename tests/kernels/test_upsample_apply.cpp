#include <algorithm>
#include <random>
#include <string>
#include <type_traits>

#include "kernels/resize.h"
#include "kernels/u8_pixels.h"
#include "kernels/upsample_apply.h"
#include "tests/kernels/kernel_test_util.h"

namespace matte {

namespace {

using test::kPoison8;
constexpr Epilogue kEpilogues[] = {Epilogue::guided, Epilogue::coarse};

const char* epilogue_name(Epilogue e) { return e == Epilogue::guided ? "guided" : "coarse"; }

// The low-resolution map's pixels: the epilogue's channels, then more, as the networks' outputs
// have them (BGMv2's decoder output is 37 channels, RVM's [A | b] exactly 8).
size_t low_stride(Epilogue e) { return e == Epilogue::guided ? 8 : 37; }

// Random low-resolution values: guided [A | b] with A around ±2 and b around ±1, coarse values
// in [-0.5, 1.5], so outputs both clamp and not.
std::vector<float> random_low(Epilogue e, size_t pixels, uint32_t seed) {
  if (e == Epilogue::coarse) return test::random_floats(pixels * low_stride(e), seed, -0.5f, 1.5f);
  auto ab = test::random_floats(pixels * 8, seed, -2.0f, 2.0f);
  for (size_t i = 0; i < pixels; ++i)
    for (size_t c = 4; c < 8; ++c) ab[i * 8 + c] *= 0.5f;
  return ab;
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

// How the source reaches the kernel: 8-bit interleaved, planar float rows (RVM), or floats six
// channels apart (BGMv2's source ‖ plate input).
enum class From { u8, f32_planar, f32_interleaved };
constexpr From kSources[] = {From::u8, From::f32_planar, From::f32_interleaved};

// The frame's source in every form, the same pixels.
struct Source {
  size_t h, w, row;
  std::vector<uint8_t> bytes;   // padded rows
  std::vector<float> planar;    // [3][h·w], RGB
  std::vector<float> six;       // [h·w][6], RGB then three more

  Source(size_t h_, size_t w_, bool bgr, uint32_t seed) : h(h_), w(w_), row(3 * w_ + 5), bytes(h_ * row) {
    std::mt19937 rng(seed);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng() & 0xff);
    planar.resize(3 * h * w);
    six.assign(6 * h * w, -1.0f);
    for (size_t y = 0; y < h; ++y)
      for (size_t x = 0; x < w; ++x)
        for (size_t c = 0; c < 3; ++c) {
          const float v = from_u8(bytes[y * row + 3 * x + (bgr ? 2 - c : c)]);
          planar[c * h * w + y * w + x] = v;
          six[6 * (y * w + x) + c] = v;
        }
  }

  F32SourceRow f32_row(From from, size_t y) const {
    if (from == From::f32_planar) {
      const float* p = planar.data() + y * w;
      return {{p, p + h * w, p + 2 * h * w}, 1};
    }
    const float* p = six.data() + 6 * y * w;
    return {{p, p + 1, p + 2}, 6};
  }
};

// Bits of Frame's outputs: which ones a run asks for.
enum Outputs : unsigned { kAlpha = 1, kFg = 2, kAlpha8 = 4, kFg8 = 8, kAllOutputs = 15 };

// Table k over the frame the way the networks drive it: x taps once, each output row from the
// expansions of its two low-resolution rows (scratch planes longer than the row, poisoned); the
// outputs not in `outputs` are passed as null.
Frame run_rows(const UpsampleApplyKernels& k, Epilogue e, const ResizeParams& p, const std::vector<float>& low,
               const Source& src, From from, bool bgr, unsigned outputs = kAllOutputs) {
  const size_t W = p.out_w, H = p.out_h, n = W * H, plane = W + 3, stride = low_stride(e);
  const UpsampleColumns cols = upsample_columns(p.in_w, W, p.scale_x);
  auto top = test::poisoned(upsample_expanded_size(e, plane)), bottom = top;
  Frame f(n);
  for (size_t y = 0; y < H; ++y) {
    const ResizeTap ty = resize_tap(y, H, p.in_h, p.scale_y);
    for (auto [row, out] : {std::pair{ty.i0, top.data()}, std::pair{ty.i1, bottom.data()}})
      k.f32_upsample_expand(e, W, low.data() + row * p.in_w * stride, stride, cols.x0.data(), cols.x1.data(), out,
                            plane);
    UpsampleRow r;
    r.epilogue = e;
    r.width = W;
    r.top = top.data();
    r.bottom = bottom.data();
    r.plane = plane;
    r.wx0 = cols.wx0.data();
    r.wx1 = cols.wx1.data();
    r.wy0 = ty.w0;
    r.wy1 = ty.w1;
    if (outputs & kAlpha) r.alpha = f.alpha.data() + y * W;
    if (outputs & kFg)
      for (size_t c = 0; c < 3; ++c) r.foreground[c] = f.fg.data() + c * n + y * W;
    if (outputs & kAlpha8) r.alpha8 = f.alpha8.data() + y * W;
    if (outputs & kFg8) r.foreground8 = f.fg8.data() + 3 * y * W;
    if (from == From::u8) k.u8_upsample_apply_row(r, src.bytes.data() + y * src.row, bgr);
    else k.f32_upsample_apply_row(r, src.f32_row(from, y));
  }
  return f;
}

// What the networks computed before: the low-resolution channels resized to the frame by table
// rk, then the formula.
Frame resize_then_apply(const ResizeKernels& rk, Epilogue e, const ResizeParams& p, const std::vector<float>& low,
                        const Source& src, bool bgr) {
  const size_t n = p.out_w * p.out_h, C = upsample_channels(e);
  std::vector<float> full(n * C);
  rk.f32_resize_bilinear(p, low.data(), low_stride(e), full.data(), C, 0, p.out_h);
  Frame f(n);
  for (size_t i = 0; i < n; ++i) {
    const float s[3] = {src.planar[i], src.planar[n + i], src.planar[2 * n + i]};
    float fg[3];
    apply_epilogue(e, full.data() + i * C, s, f.alpha[i], fg);
    f.alpha8[i] = to_u8(f.alpha[i]);
    for (size_t c = 0; c < 3; ++c) {
      f.fg[c * n + i] = fg[c];
      f.fg8[3 * i + (bgr ? 2 - c : c)] = to_u8(fg[c]);
    }
  }
  return f;
}

bool same_bits(const Frame& a, const Frame& b, unsigned outputs = kAllOutputs) {
  using test::same_bits;
  return (!(outputs & kAlpha) || same_bits(a.alpha, b.alpha)) && (!(outputs & kFg) || same_bits(a.fg, b.fg)) &&
         (!(outputs & kAlpha8) || same_bits(a.alpha8, b.alpha8)) && (!(outputs & kFg8) || same_bits(a.fg8, b.fg8));
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
// Upsampling by 4 and 8 as the networks do, widths below, at and around both vector widths, a
// single row or column, and a downsampling one.
const Shape kShapes[] = {{1, 1, 1, 1},  {2, 2, 7, 5},   {3, 5, 13, 21},  {4, 4, 16, 16}, {2, 9, 9, 33},
                         {5, 2, 20, 8}, {1, 6, 1, 24},  {6, 1, 24, 1},   {3, 4, 12, 17}, {5, 9, 3, 4},
                         {4, 8, 31, 63}, {2, 3, 16, 24}, {7, 12, 28, 48}, {3, 25, 11, 100}, {4, 8, 32, 64}};

// The resize table whose arithmetic the epilogue's interpolation follows on `isa`: guided that
// ISA's f32_resize_bilinear, coarse ONNX Runtime's unfused one, which is the reference.
ResizeKernels resize_followed(Epilogue e, Isa isa) { return resize_kernels(e == Epilogue::guided ? isa : Isa::scalar); }

// fn(shape, its resize, source, bgr) over every shape, source and channel order (BGR only for
// 8-bit sources), with what identifies the case captured for the checks fn makes.
template <class Fn>
void for_each_case(Isa isa, Epilogue e, Fn fn) {
  for (const Shape& s : kShapes) {
    for (From from : kSources) {
      for (bool bgr : {false, true}) {
        if (bgr && from != From::u8) continue;
        const std::string isa_text = isa_name(isa), epilogue = epilogue_name(e);
        CAPTURE(isa_text);
        CAPTURE(epilogue);
        CAPTURE(s.in_h);
        CAPTURE(s.in_w);
        CAPTURE(s.out_h);
        CAPTURE(s.out_w);
        CAPTURE(static_cast<int>(from));
        CAPTURE(bgr);
        fn(s, resize_to_size(s.in_h, s.in_w, upsample_channels(e), s.out_h, s.out_w), from, bgr);
      }
    }
  }
}

}  // namespace

TEST_CASE("f32_upsample_expand matches the reference") {
  test::for_each_vector_isa([&](Isa isa) {
    const UpsampleApplyKernels k = upsample_apply_kernels(isa);
    for (Epilogue e : kEpilogues) {
      const size_t C = upsample_channels(e);
      for (size_t stride : {C, C + 2, size_t{37}}) {
        for (size_t in_w : {1, 2, 7, 17}) {
          for (size_t width : {1, 3, 4, 5, 7, 8, 9, 16, 23, 40}) {
            for (size_t pad : {0, 5}) {
              const std::string epilogue = epilogue_name(e);
              CAPTURE(epilogue);
              CAPTURE(stride);
              CAPTURE(in_w);
              CAPTURE(width);
              CAPTURE(pad);
              const auto row = test::random_floats(in_w * stride, static_cast<uint32_t>(in_w + 3 * width + stride));
              std::vector<uint32_t> x0(width), x1(width);
              std::mt19937 rng(static_cast<uint32_t>(width));
              for (size_t x = 0; x < width; ++x) {
                x0[x] = static_cast<uint32_t>(rng() % in_w);
                x1[x] = static_cast<uint32_t>(rng() % in_w);
              }
              const size_t plane = width + pad;
              auto want = test::poisoned(upsample_expanded_size(e, plane)), got = want;
              ref::f32_upsample_expand(e, width, row.data(), stride, x0.data(), x1.data(), want.data(), plane);
              k.f32_upsample_expand(e, width, row.data(), stride, x0.data(), x1.data(), got.data(), plane);
              test::check_close(got, want, 0.0f, 0.0f);
            }
          }
        }
      }
    }
  });
}

// The vector paths against the scalar reference: the coarse epilogue fuses nothing on either
// side, so equal bit for bit; the guided one fuses as the vector resize does, so within rounding.
TEST_CASE("upsample-and-apply rows match the reference over shapes, sources and channel orders") {
  test::for_each_vector_isa([&](Isa isa) {
    const UpsampleApplyKernels k = upsample_apply_kernels(isa), r = upsample_apply_kernels(Isa::scalar);
    for (Epilogue e : kEpilogues) {
      for_each_case(isa, e, [&](const Shape& s, const ResizeParams& p, From from, bool bgr) {
        const auto low = random_low(e, s.in_h * s.in_w, static_cast<uint32_t>(s.in_w * 7 + s.out_w));
        const Source src(s.out_h, s.out_w, bgr, static_cast<uint32_t>(s.out_h + s.out_w));
        const Frame want = run_rows(r, e, p, low, src, from, bgr);
        const Frame got = run_rows(k, e, p, low, src, from, bgr);
        if (e == Epilogue::coarse) {
          CHECK(same_bits(got, want));
        } else {
          test::check_close(got.alpha, want.alpha, 1e-5f, 1e-5f);
          test::check_close(got.fg, want.fg, 1e-5f, 1e-5f);
        }
        check_consistent(got, s.out_h * s.out_w, bgr);
        check_consistent(want, s.out_h * s.out_w, bgr);
      });
    }
  });
}

TEST_CASE("upsample-and-apply rows equal resizing then the formula, bit for bit") {
  for (Isa isa : available_isas()) {
    const UpsampleApplyKernels k = upsample_apply_kernels(isa);
    for (Epilogue e : kEpilogues) {
      const ResizeKernels rk = resize_followed(e, isa);
      for_each_case(isa, e, [&](const Shape& s, const ResizeParams& p, From from, bool bgr) {
        const auto low = random_low(e, s.in_h * s.in_w, static_cast<uint32_t>(s.in_h * 5 + s.out_h));
        const Source src(s.out_h, s.out_w, bgr, static_cast<uint32_t>(s.out_w * 3 + 1));
        CHECK(same_bits(run_rows(k, e, p, low, src, from, bgr), resize_then_apply(rk, e, p, low, src, bgr)));
      });
    }
  }
}

// Every subset of the outputs, on every table: what is asked for equals the run with all outputs,
// bit for bit, and nothing is written anywhere else.
TEST_CASE("upsample-and-apply rows write exactly the outputs asked for, with the values of a full run") {
  for (Isa isa : available_isas()) {
    const UpsampleApplyKernels k = upsample_apply_kernels(isa);
    for (Epilogue e : kEpilogues) {
      for_each_case(isa, e, [&](const Shape& s, const ResizeParams& p, From from, bool bgr) {
        const auto low = random_low(e, s.in_h * s.in_w, static_cast<uint32_t>(s.in_h * 3 + s.out_w));
        const Source src(s.out_h, s.out_w, bgr, static_cast<uint32_t>(s.out_w * 5 + 2));
        const Frame all = run_rows(k, e, p, low, src, from, bgr);
        for (unsigned outputs = 0; outputs < kAllOutputs; ++outputs) {
          CAPTURE(outputs);
          const Frame some = run_rows(k, e, p, low, src, from, bgr, outputs);
          CHECK(same_bits(some, all, outputs));
          CHECK(untouched(some, outputs));
        }
      });
    }
  }
}

}  // namespace matte
