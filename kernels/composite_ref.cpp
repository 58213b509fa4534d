#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "kernels/composite.h"
#include "kernels/composite_blur.hpp"

namespace matte {

namespace {

// Where each of `n` output samples falls on `small_n` block centres, repeating the ends.
std::vector<BlurTap> blur_taps(size_t n, size_t block, size_t small_n) {
  std::vector<BlurTap> taps(n);
  for (size_t x = 0; x < n; ++x) {
    const double s = std::clamp((double(x) + 0.5) / double(block) - 0.5, 0.0, double(small_n - 1));
    const auto i0 = static_cast<uint32_t>(s);
    const auto i1 = std::min<uint32_t>(i0 + 1, static_cast<uint32_t>(small_n - 1));
    taps[x] = {i0, i1, static_cast<uint32_t>(std::lround((s - i0) * 256.0))};
  }
  return taps;
}

}  // namespace

BlurPlan make_blur_plan(size_t width, size_t height, float sigma) {
  if (width == 0 || height == 0) throw std::invalid_argument("blur: empty frame");
  if (!(sigma > 0.0f && sigma <= 1000.0f)) throw std::invalid_argument("blur: sigma must be in (0, 1000]");
  BlurPlan plan;
  plan.width = width;
  plan.height = height;
  plan.block = std::max<size_t>(1, static_cast<size_t>(sigma / 2.0f));
  const size_t d = plan.block;
  plan.small_width = (width + d - 1) / d;
  plan.small_height = (height + d - 1) / d;
  const double small_sigma = std::sqrt(double(sigma) * sigma - (double(d) * d - 1.0) / 4.0) / double(d);
  const auto radius = static_cast<size_t>(std::ceil(3.0 * small_sigma));
  double total = 0.0;
  std::vector<double> g(radius + 1);
  for (size_t k = 0; k <= radius; ++k) {
    g[k] = std::exp(-double(k * k) / (2.0 * small_sigma * small_sigma));
    total += k == 0 ? g[k] : 2.0 * g[k];
  }
  for (double v : g) plan.taps.push_back(static_cast<float>(v / total));
  plan.cols = blur_taps(width, d, plan.small_width);
  plan.rows = blur_taps(height, d, plan.small_height);
  return plan;
}

namespace ref {

void u8_over(const CompositeImages& p, const uint8_t* bg, size_t bg_stride, size_t row_begin, size_t row_end) {
  for (size_t y = row_begin; y < row_end; ++y) {
    over_pixels(p.fg + y * p.fg_stride, p.alpha + y * p.alpha_stride, bg + y * bg_stride, p.out + y * p.out_stride, 0,
                p.width);
  }
}

void u8_blur_small(const BlurPlan& plan, const uint8_t* frame, size_t frame_stride, uint16_t* small,
                   BlurBuffers& work) {
  blur_small(plan, frame, frame_stride, small, work);
}

void u8_over_blurred(const CompositeImages& p, const BlurPlan& plan, const uint16_t* small, uint16_t* scratch,
                     size_t row_begin, size_t row_end) {
  int64_t held[2] = {-1, -1};
  for (size_t y = row_begin; y < row_end; ++y) {
    const auto [h0, h1] = blur_rows_for(plan, small, scratch, held, y);
    over_blurred_pixels(p.fg + y * p.fg_stride, p.alpha + y * p.alpha_stride, h0, h1, plan.rows[y].w,
                        p.out + y * p.out_stride, 0, p.width);
  }
}

}  // namespace ref

CompositeKernels composite_kernels(Isa isa) {
  return select_table(
      isa, [] { return CompositeKernels{
            .u8_over = ref::u8_over, .u8_blur_small = ref::u8_blur_small, .u8_over_blurred = ref::u8_over_blurred}; },
      [](auto arch) { return composite_table<decltype(arch)>(); });
}

const CompositeKernels& composite() {
  static const CompositeKernels table = composite_kernels(active_isa());
  return table;
}

}  // namespace matte
