// BGMv2's model-side pieces against plain convolutions: the sparse 3×3, the ASPP's dilated 3×3
// (phase grid or direct), the refiner's run convolutions and the patch runs they follow.
#include <doctest/doctest.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "engine/tensor.h"
#include "models/bgm_mobilenetv2/refiner.h"
#include "models/bgm_mobilenetv2/sparse_conv.h"
#include "models/common/atrous_conv.h"

namespace matte::bgm {

namespace {

std::vector<float> random_values(size_t n, uint32_t seed) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = d(g);
  return v;
}

// in(y, x, c) of an h×w image with `stride` floats per pixel, 0 outside.
struct Image {
  const float* data;
  int h, w;
  size_t stride;
  double at(int y, int x, int c) const {
    if (y < 0 || y >= h || x < 0 || x >= w) return 0.0;
    return data[(size_t(y) * size_t(w) + size_t(x)) * stride + size_t(c)];
  }
};

// act(bias + Σ w·in) of the k×k window at dilation d whose top-left tap is (y, x), in double.
double conv_at(const Image& in, int cin, const std::vector<float>& w, const std::vector<float>& bias, int o, int k,
               int d, int y, int x, bool relu) {
  double acc = bias.empty() ? 0.0 : bias[size_t(o)];
  for (int c = 0; c < cin; ++c)
    for (int ky = 0; ky < k; ++ky)
      for (int kx = 0; kx < k; ++kx)
        acc += double(w[size_t(((o * cin + c) * k + ky) * k + kx)]) * in.at(y + ky * d, x + kx * d, c);
  return relu ? std::max(acc, 0.0) : acc;
}

void check_close(double got, double want) { CHECK(std::abs(got - want) <= 1e-4 * (1.0 + std::abs(want))); }

}  // namespace

TEST_CASE("bgm SparseConv3x3 computes the listed pixels only, zero-padded at the image edges") {
  tbb::task_arena arena(2);
  arena.execute([] {
    for (const auto& [h, w, cin, cout] :
         {std::tuple{1, 1, 3, 5}, std::tuple{7, 13, 54, 32}, std::tuple{20, 9, 17, 29}}) {
      CAPTURE(h);
      CAPTURE(w);
      Tensor in, out;
      in.reshape(h, w, cin + 2);  // a channel slice of a wider buffer
      out.reshape(h, w, cout + 3);
      const std::vector<float> iv = random_values(in.size(), 1), wt = random_values(size_t(cout * cin * 9), 2),
                               b = random_values(size_t(cout), 3);
      std::copy(iv.begin(), iv.end(), in.data());
      std::fill_n(out.data(), out.size(), NAN);
      std::vector<int32_t> pixels;
      for (int i = 0; i < h * w; ++i)
        if (i % 3 != 1) pixels.push_back(i);
      const SparseConv3x3 conv(cin, cout, wt, b, Act::relu);
      conv.run(in.slice(1, cin), pixels, out.slice(2, cout));
      const Image image{in.data() + 1, h, w, size_t(cin + 2)};
      for (int i = 0; i < h * w; ++i) {
        const float* o = out.view().pixel(size_t(i));
        CHECK(std::isnan(o[0]));
        CHECK(std::isnan(o[1]));
        for (int c = 0; c < cout; ++c) {
          if (i % 3 == 1) {
            CHECK(std::isnan(o[2 + c]));
          } else {
            check_close(o[2 + c], conv_at(image, cin, wt, b, c, 3, 1, i / w - 1, i % w - 1, true));
          }
        }
      }
    }
  });
}

TEST_CASE("bgm AtrousConv equals the dilated convolution, as phase grid and direct") {
  tbb::task_arena arena(2);
  arena.execute([] {
    const int cin = 19, cout = 21;
    for (const auto& [d, grid] : {std::pair{2, true}, std::pair{3, true}, std::pair{3, false}, std::pair{6, false}}) {
      for (const auto& [h, w] : {std::pair{1, 1}, std::pair{2, 5}, std::pair{17, 30}, std::pair{9, 4}}) {
        CAPTURE(d);
        CAPTURE(grid);
        CAPTURE(h);
        CAPTURE(w);
        Tensor in, out;
        in.reshape(h, w, cin);
        out.reshape(h, w, cout);
        const std::vector<float> iv = random_values(in.size(), 4), wt = random_values(size_t(cout * cin * 9), 5),
                                 b = random_values(size_t(cout), 6);
        std::copy(iv.begin(), iv.end(), in.data());
        AtrousConv conv(cin, cout, d, wt, b, Act::relu, grid);
        conv.plan(h, w);
        conv.run(in.view(), out.view());
        const Image image{in.data(), h, w, size_t(cin)};
        for (int y = 0; y < h; ++y)
          for (int x = 0; x < w; ++x)
            for (int c = 0; c < cout; ++c)
              check_close(out.view().pixel(size_t(y * w + x))[c],
                          conv_at(image, cin, wt, b, c, 3, d, y - d, x - d, true));
      }
    }
  });
}

TEST_CASE("bgm PatchRuns covers exactly the tile's selected patches grown by the margin") {
  const int rows = 11, cols = 13;
  std::mt19937 g(7);
  std::vector<uint8_t> selected(size_t(rows * cols));
  for (uint8_t& s : selected) s = g() % 3 == 0;
  PatchRuns runs;
  runs.build(selected.data(), rows, cols);
  std::vector<PixelRun> out;
  for (const auto& [py0, py1, px0, px1] :
       {std::tuple{0, rows, 0, cols}, std::tuple{3, 8, 5, 6}, std::tuple{10, 11, 0, 4}}) {
    bool any = false;
    for (int y = py0; y < py1; ++y)
      for (int x = px0; x < px1; ++x) any = any || selected[size_t(y * cols + x)];
    CHECK(runs.any(py0, py1, px0, px1) == any);
    for (const int scale : {2, 4}) {
      for (const int margin : {0, 1, 2, 3}) {
        const int origin = 3;
        std::set<std::pair<int, int>> want, got;
        for (int y = py0; y < py1; ++y)
          for (int x = px0; x < px1; ++x) {
            if (!selected[size_t(y * cols + x)]) continue;
            for (int i = -margin; i < scale + margin; ++i)
              for (int j = -margin; j < scale + margin; ++j)
                want.insert({(y - py0) * scale + origin + i, (x - px0) * scale + origin + j});
          }
        runs.runs(py0, py1, px0, px1, scale, margin, origin, out);
        for (size_t i = 0; i < out.size(); ++i) {
          const PixelRun& r = out[i];
          CHECK(r.x0 < r.x1);
          // Row by row, left to right, never touching: each pixel once.
          if (i > 0) CHECK((out[i - 1].y < r.y || (out[i - 1].y == r.y && out[i - 1].x1 < r.x0)));
          for (int x = r.x0; x < r.x1; ++x) got.insert({r.y, x});
        }
        CAPTURE(scale);
        CAPTURE(margin);
        CHECK(got == want);
      }
    }
  }
}

TEST_CASE("bgm RunConv and RefinerConv3 on runs equal the valid convolutions") {
  // A half-resolution buffer (upsampled ×2 by nearest) and a full-resolution one, laid out as the
  // refiner's tiles: full pixel (y, x) lies on half pixel (y / 2 + 2, x / 2 + 2).
  const int hp = 14, fp = 20, rows = 16, up = 16, full = 6, cout = 12;
  const std::vector<float> half = random_values(size_t(rows * hp * up), 8),
                           fullv = random_values(size_t(rows * fp * full), 9);
  const std::vector<float> w3 = random_values(size_t(cout * (up + full) * 9), 10), b3 = random_values(size_t(cout), 11);
  const RefinerConv3 conv3(up, full, cout, w3, b3, Act::relu);
  std::vector<float> out(size_t(rows * fp * cout), NAN), tmp(out.size(), NAN);
  // Runs starting and ending on both parities, on both row parities.
  for (const PixelRun& r : {PixelRun{4, 2, 9}, PixelRun{5, 3, 17}, PixelRun{6, 1, 2}, PixelRun{7, 4, 6}}) {
    conv3.run(fullv.data(), fp, half.data(), hp, tmp.data(), out.data(), r);
    for (int x = r.x0; x < r.x1; ++x) {
      for (int o = 0; o < cout; ++o) {
        double acc = b3[size_t(o)];
        for (int ky = 0; ky < 3; ++ky)
          for (int kx = 0; kx < 3; ++kx) {
            const int y = r.y + ky - 1, xx = x + kx - 1;
            for (int c = 0; c < up + full; ++c) {
              const double v = c < up ? half[(size_t(y / 2 + 2) * hp + size_t(xx / 2 + 2)) * up + size_t(c)]
                                      : fullv[(size_t(y) * fp + size_t(xx)) * full + size_t(c - up)];
              acc += double(w3[size_t(((o * (up + full) + c) * 3 + ky) * 3 + kx)]) * v;
            }
          }
        check_close(out[(size_t(r.y) * fp + size_t(x)) * cout + size_t(o)], std::max(acc, 0.0));
      }
    }
  }

  const std::vector<float> w1 = random_values(size_t(cout * full * 9), 12), b1 = random_values(size_t(cout), 13);
  const RunConv conv1(3, full, cout, w1, b1, Act::none);
  const PixelRun r{3, 1, 19};
  conv1.run(fullv.data(), out.data(), fp, r);
  const Image image{fullv.data(), rows, fp, size_t(full)};
  for (int x = r.x0; x < r.x1; ++x)
    for (int o = 0; o < cout; ++o)
      check_close(out[(size_t(r.y) * fp + size_t(x)) * cout + size_t(o)],
                  conv_at(image, full, w1, b1, o, 3, 1, r.y - 1, x - 1, false));
}

}  // namespace matte::bgm
