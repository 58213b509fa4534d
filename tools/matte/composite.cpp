#include "tools/matte/composite.h"

#include <algorithm>

#include "engine/error.h"

namespace matte::cli {

void composite_over(const Matte& m, const cv::Mat& background_bgr, cv::Mat& out) {
  if (background_bgr.type() != CV_8UC3 || background_bgr.cols != m.width || background_bgr.rows != m.height) {
    throw Error("composite_over: the background must be 8-bit BGR of the matte's size");
  }
  out.create(m.height, m.width, CV_8UC3);
  const size_t plane = size_t(m.width) * m.height;
  const float* red = m.foreground.data();
  const float* planes_bgr[3] = {red + 2 * plane, red + plane, red};
  for (int y = 0; y < m.height; ++y) {
    const uint8_t* bg = background_bgr.ptr<uint8_t>(y);
    uint8_t* dst = out.ptr<uint8_t>(y);
    for (int x = 0; x < m.width; ++x) {
      const size_t i = size_t(y) * m.width + x;
      const float a = m.alpha[i];
      for (int c = 0; c < 3; ++c) {
        const float v = 255.0f * (planes_bgr[c][i] * a + float(bg[3 * x + c]) / 255.0f * (1.0f - a));
        dst[3 * x + c] = uint8_t(std::clamp(v, 0.0f, 255.0f) + 0.5f);
      }
    }
  }
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

void foreground_bgr(const Matte& m, cv::Mat& out) {
  out.create(m.height, m.width, CV_8UC3);
  const size_t row = size_t(m.width) * 3;
  for (int y = 0; y < m.height; ++y) std::copy_n(m.foreground8.data() + y * row, row, out.ptr<uint8_t>(y));
}

void alpha_gray(const Matte& m, cv::Mat& out) {
  out.create(m.height, m.width, CV_8UC1);
  const size_t row = size_t(m.width);
  for (int y = 0; y < m.height; ++y) std::copy_n(m.alpha8.data() + y * row, row, out.ptr<uint8_t>(y));
}

}  // namespace matte::cli
