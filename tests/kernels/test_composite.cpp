#include <cmath>
#include <random>
#include <vector>

#include "kernels/composite.h"
#include "tests/kernels/kernel_test_util.h"

namespace matte {

namespace {

using test::kPoison8;

// Random 3-channel and alpha images with `pad` bytes past each row; alpha is 0 or 255 in a third
// of the pixels each, as mattes are.
struct Inputs {
  size_t width, height, pad;
  std::vector<uint8_t> frame, fg, alpha;
  Inputs(size_t w, size_t h, size_t p, uint32_t seed)
      : width(w), height(h), pad(p), frame((3 * w + p) * h), fg(frame.size()), alpha((w + p) * h) {
    std::mt19937 rng(seed);
    for (uint8_t& v : frame) v = uint8_t(rng());
    for (uint8_t& v : fg) v = uint8_t(rng());
    for (uint8_t& v : alpha) {
      const uint32_t r = rng() % 3;
      v = r == 0 ? 0 : r == 1 ? 255 : uint8_t(rng());
    }
  }
  size_t stride3() const { return 3 * width + pad; }
  CompositeImages images(std::vector<uint8_t>& out) const {
    return {width, height, fg.data(), stride3(), alpha.data(), width + pad, out.data(), stride3()};
  }
};

// The composition of `in` over its own frame blurred, by the reference.
std::vector<uint8_t> blurred_by_reference(const Inputs& in, float sigma) {
  const BlurPlan plan = make_blur_plan(in.width, in.height, sigma);
  std::vector<uint16_t> small(3 * plan.small_width * plan.small_height), scratch(blur_scratch_size(plan));
  BlurBuffers work;
  ref::u8_blur_small(plan, in.frame.data(), in.stride3(), small.data(), work);
  std::vector<uint8_t> out(in.frame.size(), kPoison8);
  ref::u8_over_blurred(in.images(out), plan, small.data(), scratch.data(), 0, in.height);
  return out;
}

}  // namespace

TEST_CASE("composite reference: over a background, A = 0 is the background, 255 the foreground, 128 rounds") {
  const std::vector<uint8_t> fg = {200, 10, 0}, bg = {100, 250, 255};
  for (auto [a, want] : {std::pair<uint8_t, std::vector<uint8_t>>{0, {100, 250, 255}},
                         {255, {200, 10, 0}},
                         {128, {150, 130, 127}}}) {  // (200·128 + 100·127 + 127) / 255 = 150, ...
    std::vector<uint8_t> alpha = {a}, out(3, kPoison8);
    ref::u8_over({1, 1, fg.data(), 3, alpha.data(), 1, out.data(), 3}, bg.data(), 3, 0, 1);
    CHECK(out == want);
  }
}

TEST_CASE("composite reference: the blur keeps a flat frame flat and spreads a step as a Gaussian of sigma") {
  // A flat frame under alpha 0 comes out unchanged, whatever the size and sigma.
  for (float sigma : {0.3f, 2.0f, 9.0f, 60.0f}) {
    Inputs flat(37, 11, 0, 1);
    std::fill(flat.frame.begin(), flat.frame.end(), uint8_t{77});
    std::fill(flat.alpha.begin(), flat.alpha.end(), uint8_t{0});
    CHECK(blurred_by_reference(flat, sigma) == std::vector<uint8_t>(flat.frame.size(), 77));
  }
  // A vertical step from 0 to 255 at x = 300: each row is 255·Φ((x + 0.5 − 300)/σ) within 4 levels.
  for (float sigma : {1.5f, 6.0f, 20.0f, 45.0f}) {
    CAPTURE(sigma);
    Inputs step(600, 9, 0, 2);
    for (size_t y = 0; y < step.height; ++y)
      for (size_t x = 0; x < step.width; ++x)
        for (size_t c = 0; c < 3; ++c) step.frame[3 * (y * step.width + x) + c] = x < 300 ? 0 : 255;
    std::fill(step.alpha.begin(), step.alpha.end(), uint8_t{0});
    const std::vector<uint8_t> out = blurred_by_reference(step, sigma);
    int worst = 0;
    for (size_t x = 0; x < step.width; ++x) {
      const double phi = 0.5 * std::erfc(-(double(x) + 0.5 - 300.0) / (sigma * std::sqrt(2.0)));
      worst = std::max(worst, std::abs(int(out[3 * (4 * step.width + x) + 1]) - int(std::lround(255.0 * phi))));
    }
    CHECK(worst <= 4);
  }
}

TEST_CASE("make_blur_plan refuses an empty frame and a sigma out of range, sizes the small image") {
  CHECK_THROWS_AS(make_blur_plan(0, 5, 2.0f), std::invalid_argument);
  CHECK_THROWS_AS(make_blur_plan(5, 5, 0.0f), std::invalid_argument);
  CHECK_THROWS_AS(make_blur_plan(5, 5, 1001.0f), std::invalid_argument);
  CHECK_THROWS_AS(make_blur_plan(5, 5, std::nanf("")), std::invalid_argument);
  const BlurPlan plan = make_blur_plan(1920, 1080, 20.0f);
  CHECK(plan.block == 10);
  CHECK(plan.small_width == 192);
  CHECK(plan.small_height == 108);
}

TEST_CASE("u8_over, u8_blur_small and u8_over_blurred match the reference over sizes, odd edges, strides, sigmas and row ranges") {
  test::for_each_vector_isa([&](Isa isa) {
    const CompositeKernels k = composite_kernels(isa);
    for (size_t h : {1, 2, 3, 7, 20}) {
      for (size_t w : {1, 2, 3, 15, 16, 17, 31, 32, 33, 47, 64, 65, 129}) {
        for (size_t pad : {0, 5}) {
          CAPTURE(h);
          CAPTURE(w);
          CAPTURE(pad);
          const Inputs in(w, h, pad, uint32_t(h * 131 + w * 7 + pad));
          for (auto [rb, re] : {std::pair<size_t, size_t>{0, h}, {h / 2, h}}) {
            CAPTURE(rb);
            std::vector<uint8_t> want(in.frame.size(), kPoison8), got(want);
            ref::u8_over(in.images(want), in.frame.data(), in.stride3(), rb, re);
            k.u8_over(in.images(got), in.frame.data(), in.stride3(), rb, re);
            CHECK(got == want);
            for (float sigma : {0.3f, 1.0f, 2.5f, 7.0f, 40.0f, 1000.0f}) {
              CAPTURE(sigma);
              const BlurPlan plan = make_blur_plan(w, h, sigma);
              std::vector<uint16_t> small(3 * plan.small_width * plan.small_height), scratch(blur_scratch_size(plan));
              std::vector<uint16_t> small_got(small.size(), 0xa5a5);
              BlurBuffers work, work_got;
              ref::u8_blur_small(plan, in.frame.data(), in.stride3(), small.data(), work);
              k.u8_blur_small(plan, in.frame.data(), in.stride3(), small_got.data(), work_got);
              CHECK(small_got == small);
              std::vector<uint8_t> blur_want(in.frame.size(), kPoison8), blur_got(blur_want);
              ref::u8_over_blurred(in.images(blur_want), plan, small.data(), scratch.data(), rb, re);
              std::fill(scratch.begin(), scratch.end(), uint16_t{0xa5a5});
              k.u8_over_blurred(in.images(blur_got), plan, small.data(), scratch.data(), rb, re);
              CHECK(blur_got == blur_want);
            }
          }
        }
      }
    }
  });
}

}  // namespace matte
