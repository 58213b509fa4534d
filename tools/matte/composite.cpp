#include "tools/matte/composite.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "engine/error.h"

namespace matte::cli {

namespace {

CompositeImages images(const Matte& m, cv::Mat& out) {
  out.create(m.height, m.width, CV_8UC3);
  const auto w = size_t(m.width);
  return {w, size_t(m.height), m.foreground8.data(), 3 * w, m.alpha8.data(), w, out.data, out.step};
}

void check_size(const Matte& m, const cv::Mat& image, const char* what) {
  if (image.type() != CV_8UC3 || image.cols != m.width || image.rows != m.height) {
    throw Error(std::string("composite: the ") + what + " must be 8-bit BGR of the matte's size");
  }
}

}  // namespace

void composite_over(const Matte& m, const cv::Mat& background_bgr, cv::Mat& out) {
  check_size(m, background_bgr, "background");
  matte::composite().u8_over(images(m, out), background_bgr.data, background_bgr.step, 0, size_t(m.height));
}

BlurredBackdrop::BlurredBackdrop(int width, int height, float sigma)
    : plan_(make_blur_plan(size_t(width), size_t(height), sigma)),
      small_(3 * plan_.small_width * plan_.small_height),
      scratch_(blur_scratch_size(plan_)) {}

void BlurredBackdrop::composite(const Matte& m, const cv::Mat& frame_bgr, cv::Mat& out) {
  check_size(m, frame_bgr, "frame");
  if (size_t(m.width) != plan_.width || size_t(m.height) != plan_.height) throw Error("composite: the frame size changed");
  const CompositeKernels& kernels = matte::composite();
  kernels.u8_blur_small(plan_, frame_bgr.data, frame_bgr.step, small_.data(), work_);
  kernels.u8_over_blurred(images(m, out), plan_, small_.data(), scratch_.data(), 0, size_t(m.height));
}

void foreground_with_alpha(const Matte& m, cv::Mat& out) {
  out.create(m.height, m.width, CV_8UC4);
  for (int y = 0; y < m.height; ++y) {
    uint8_t* dst = out.ptr<uint8_t>(y);
    for (int x = 0; x < m.width; ++x) {
      const size_t i = size_t(y) * m.width + x;
      const bool visible = m.alpha8[i] > 0;  // by the stored alpha: no colour under A = 0
      for (int c = 0; c < 3; ++c) dst[4 * x + c] = visible ? m.foreground8[3 * i + c] : 0;
      dst[4 * x + 3] = m.alpha8[i];
    }
  }
}

cv::Mat plane_image(const std::vector<uint8_t>& plane, const Matte& m, int channels) {
  return cv::Mat(m.height, m.width, CV_8UC(channels), const_cast<uint8_t*>(plane.data()));
}

}  // namespace matte::cli
