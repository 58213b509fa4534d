#include <algorithm>
#include <string>
#include <vector>

#include "kernels/dgf_coeffs.h"
#include "kernels/dwconv.h"
#include "kernels/gemm.h"
#include "tests/kernels/kernel_test_util.h"

namespace matte {
namespace {

// Pixel strides and offsets of the four images inside their buffers.
struct Layout {
  size_t src_stride, src_off, y_stride, y_off, hidden_stride, hidden_off, ab_stride, ab_off;
};
constexpr Layout kPacked{3, 0, 4, 0, kDgfHidden, 0, kDgfOut, 0};
// As RVM lays them out: dec0_cat's last 3 channels, stats' y slice, ref_in's hidden slice.
constexpr Layout kNetwork{35, 32, 16, 4, 24, 8, 8, 0};
constexpr Layout kOdd{5, 1, 7, 2, 19, 3, 11, 2};

// `channels` values in [lo, hi) per pixel at `offset` within `stride` floats; NaN between them.
std::vector<float> strided(size_t pixels, size_t channels, size_t stride, size_t offset, uint32_t seed, float lo,
                           float hi) {
  const auto values = test::random_floats(pixels * channels, seed, lo, hi);
  auto buf = test::poisoned(pixels * stride + 1);
  for (size_t i = 0; i < pixels; ++i)
    std::copy_n(values.begin() + static_cast<ptrdiff_t>(i * channels), channels,
                buf.begin() + static_cast<ptrdiff_t>(i * stride + offset));
  return buf;
}

// Random refiner weights (the box filter's 1/9 when `box_ninth`), packed.
std::vector<float> random_packed(uint32_t seed, bool box_ninth) {
  const auto box = box_ninth ? std::vector<float>(kDgfBoxChannels * kDgfTaps, 1.0f / 9.0f)
                             : test::random_floats(kDgfBoxChannels * kDgfTaps, seed, 0.0f, 0.25f);
  const auto w0 = test::random_floats(kDgfIn * kDgfMid, seed + 1, -0.5f, 0.5f);
  const auto w3 = test::random_floats(kDgfMid * kDgfMid, seed + 2, -0.5f, 0.5f);
  const auto w6 = test::random_floats(kDgfMid * kDgfA, seed + 3, -0.5f, 0.5f);
  const auto b = test::random_floats(2 * kDgfMid + kDgfA, seed + 4, -0.2f, 0.2f);
  std::vector<float> packed(kDgfPackedSize);
  dgf_coeffs_pack({box.data(), w0.data(), b.data(), w3.data(), b.data() + kDgfMid, w6.data(), b.data() + 2 * kDgfMid},
                  packed.data());
  return packed;
}

// One image's inputs in a layout: an image source in [0, 1), a coarse output around it, ReLU
// features.
struct Inputs {
  size_t h, w;
  Layout l;
  std::vector<float> src, y, hidden, packed;

  Inputs(size_t h_, size_t w_, const Layout& layout, uint32_t seed, bool box_ninth = false)
      : h(h_),
        w(w_),
        l(layout),
        src(strided(h * w, 3, l.src_stride, l.src_off, seed, 0.0f, 1.0f)),
        y(strided(h * w, 4, l.y_stride, l.y_off, seed + 1, -0.5f, 1.5f)),
        hidden(strided(h * w, kDgfHidden, l.hidden_stride, l.hidden_off, seed + 2, 0.0f, 2.0f)),
        packed(random_packed(seed + 3, box_ninth)) {}

  DgfCoeffsParams params(std::vector<float>& ab) const {
    return {h,           w,         src.data() + l.src_off,       l.src_stride, y.data() + l.y_off,
            l.y_stride, hidden.data() + l.hidden_off, l.hidden_stride, ab.data() + l.ab_off, l.ab_stride};
  }
  std::vector<float> poisoned_output() const { return test::poisoned(h * w * l.ab_stride + 1); }
};

// Table k over each band [bounds[i], bounds[i + 1]), every call with its own NaN-filled scratch.
std::vector<float> run(const DgfCoeffsKernels& k, const Inputs& in, const std::vector<size_t>& bounds) {
  auto ab = in.poisoned_output();
  const DgfCoeffsParams p = in.params(ab);
  for (size_t i = 0; i + 1 < bounds.size(); ++i) {
    auto scratch = test::poisoned(dgf_coeffs_scratch_size(in.w));
    k.f32_dgf_coeffs(p, in.packed.data(), scratch.data(), bounds[i], bounds[i + 1]);
  }
  return ab;
}

// Exactly the floats of rows [row_begin, row_end)'s [A | b] slices are written.
void check_written(const Inputs& in, const std::vector<float>& ab, size_t row_begin, size_t row_end) {
  for (size_t i = 0; i < ab.size(); ++i) {
    const size_t pixel = i / in.l.ab_stride, c = i % in.l.ab_stride;
    const bool in_slice = c >= in.l.ab_off && c < in.l.ab_off + kDgfOut && pixel < in.h * in.w;
    const bool written = in_slice && pixel / in.w >= row_begin && pixel / in.w < row_end;
    if (written != !std::isnan(ab[i])) {
      CAPTURE(i);
      REQUIRE(written == !std::isnan(ab[i]));
    }
  }
}

struct Shape {
  size_t h, w;
};
// Single rows and columns, widths below, at and around both vector widths.
const Shape kShapes[] = {{1, 1},  {1, 2},  {2, 1},  {2, 2}, {3, 3},  {1, 17}, {17, 1}, {3, 7},
                         {3, 16}, {4, 15}, {5, 31}, {6, 33}, {9, 8}, {2, 47}, {11, 24}};

}  // namespace

TEST_CASE("dgf_coeffs reference equals the six passes it replaces bit for bit") {
  for (const Layout& l : {kPacked, kNetwork}) {
    const Inputs in(7, 13, l, 21, true);
    const size_t n = in.h * in.w;
    // Statistics, box filter (as the network's depthwise convolution), cov and var.
    std::vector<float> stats(n * kDgfStats), mean(n * kDgfStats), conv_in(n * kDgfIn);
    for (size_t i = 0; i < n; ++i) {
      const float* s = in.src.data() + l.src_off + i * l.src_stride;
      const float* y = in.y.data() + l.y_off + i * l.y_stride;
      float* t = stats.data() + i * kDgfStats;
      t[0] = s[0], t[1] = s[1], t[2] = s[2];
      t[3] = (s[0] + s[1] + s[2]) / 3.0f;
      for (size_t c = 0; c < 4; ++c) {
        t[4 + c] = y[c];
        t[8 + c] = t[c] * t[4 + c];
        t[12 + c] = t[c] * t[c];
      }
    }
    // The network's box16: the box filter's weights repeated over the four groups of statistics.
    std::vector<float> box16, box(kDgfTaps * kDgfStats);
    for (size_t g = 0; g < kDgfStats / kDgfBoxChannels; ++g)
      box16.insert(box16.end(), in.packed.begin() + kDgfPackedBox,
                   in.packed.begin() + kDgfPackedBox + kDgfBoxChannels * kDgfTaps);
    dwconv_pack(kDgfStats, 3, box16.data(), box.data());
    const DwConvParams dp{.channels = kDgfStats, .stride = 1, .dilation = 1, .pad_top = 1, .pad_left = 1,
                          .in_h = in.h, .in_w = in.w, .out_h = in.h, .out_w = in.w, .in_stride = kDgfStats,
                          .out_stride = kDgfStats};
    ref::f32_dwconv_3x3(dp, stats.data(), box.data(), mean.data(), 0, in.h);
    for (size_t i = 0; i < n; ++i) {
      const float* m = mean.data() + i * kDgfStats;
      float* r = conv_in.data() + i * kDgfIn;
      for (size_t c = 0; c < 4; ++c) {
        r[c] = m[8 + c] - m[c] * m[4 + c];
        r[4 + c] = m[12 + c] - m[c] * m[c];
      }
      std::copy_n(in.hidden.data() + l.hidden_off + i * l.hidden_stride, kDgfHidden, r + 8);
    }
    // The three convolutions, weights back in the [cout][cin] layout the GEMM reference reads.
    const auto conv = [&](size_t cin, size_t cout, size_t offset, Act act, const std::vector<float>& x) {
      std::vector<float> w(cin * cout), out(n * cout);
      for (size_t i = 0; i < cin; ++i)
        for (size_t o = 0; o < cout; ++o) w[o * cin + i] = in.packed[offset + i * cout + o];
      GemmParams gp;
      gp.cin = cin;
      gp.cout = cout;
      gp.in_stride = cin;
      gp.out_stride = cout;
      gp.bias = in.packed.data() + offset + cin * cout;
      gp.act = act;
      ref::f32_gemm(gp, x.data(), w.data(), nullptr, out.data(), n);
      return out;
    };
    const auto mid0 = conv(kDgfIn, kDgfMid, kDgfPackedConv0, Act::relu, conv_in);
    const auto mid1 = conv(kDgfMid, kDgfMid, kDgfPackedConv3, Act::relu, mid0);
    const auto a = conv(kDgfMid, kDgfA, kDgfPackedConv6, Act::none, mid1);
    auto want = in.poisoned_output();
    for (size_t i = 0; i < n; ++i) {
      const float* m = mean.data() + i * kDgfStats;
      float* p = want.data() + l.ab_off + i * l.ab_stride;
      for (size_t c = 0; c < 4; ++c) {
        p[c] = a[i * kDgfA + c];
        p[4 + c] = m[4 + c] - p[c] * m[c];
      }
    }
    const auto got = run(dgf_coeffs_kernels(Isa::scalar), in, {0, in.h});
    test::check_close(got, want, 0.0f, 0.0f);
    check_written(in, got, 0, in.h);
  }
}

TEST_CASE("dgf_coeffs matches the reference over shapes, layouts and bands") {
  test::for_each_vector_isa([&](Isa isa) {
    const DgfCoeffsKernels k = dgf_coeffs_kernels(isa), r = dgf_coeffs_kernels(Isa::scalar);
    for (const Shape& s : kShapes) {
      for (const Layout& l : {kPacked, kNetwork, kOdd}) {
        CAPTURE(s.h);
        CAPTURE(s.w);
        CAPTURE(l.src_stride);
        const Inputs in(s.h, s.w, l, static_cast<uint32_t>(s.h * 31 + s.w + l.ab_stride));
        const auto want = run(r, in, {0, s.h});
        check_written(in, want, 0, s.h);
        test::check_close(run(k, in, {0, s.h}), want);
        // Bands that start and end mid-image (some empty on the shortest images).
        test::check_close(run(k, in, {0, s.h / 3, s.h / 3 + (s.h + 1) / 3, s.h}), want);
        test::check_close(run(k, in, {0, 1, s.h}), want);
        // One band inside the image leaves the other rows alone.
        if (s.h >= 3) {
          const auto inner = run(k, in, {1, s.h - 1});
          check_written(in, inner, 1, s.h - 1);
          test::check_close(inner, run(r, in, {1, s.h - 1}));
        }
      }
    }
  });
}

TEST_CASE("dgf_coeffs matches the reference at RVM's low resolutions in 16-row bands") {
  for (const Shape& s : {Shape{270, 480}, Shape{288, 512}}) {
    const Inputs in(s.h, s.w, kNetwork, static_cast<uint32_t>(s.w), true);
    std::vector<size_t> bands;
    for (size_t y = 0; y < s.h; y += 16) bands.push_back(y);
    bands.push_back(s.h);
    const auto want = run(dgf_coeffs_kernels(Isa::scalar), in, bands);
    check_written(in, want, 0, s.h);
    test::for_each_vector_isa([&](Isa isa) {
      CAPTURE(s.w);
      test::check_close(run(dgf_coeffs_kernels(isa), in, bands), want);
    });
  }
}

}  // namespace matte
