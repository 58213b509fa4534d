#include "tools/matte/composite.h"

#include <algorithm>

#include "engine/error.h"

namespace matte::cli {

void composite_over(const Matte& m, const cv::Mat& background_bgr, cv::Mat& out) {
  if (background_bgr.type() != CV_8UC3 || background_bgr.cols != m.width || background_bgr.rows != m.height) {
    throw Error("composite_over: the background must be 8-bit BGR of the matte's size");
  }
  out.create(m.height, m.width, CV_8UC3);
  for (int y = 0; y < m.height; ++y) {
    const uint8_t* bg = background_bgr.ptr<uint8_t>(y);
    const uint8_t* alpha = m.alpha8.data() + size_t(y) * m.width;
    const uint8_t* fg = m.foreground8.data() + size_t(y) * m.width * 3;
    uint8_t* dst = out.ptr<uint8_t>(y);
    for (int x = 0; x < m.width; ++x) {
      const unsigned a = alpha[x];
      for (int c = 0; c < 3; ++c) dst[3 * x + c] = uint8_t((fg[3 * x + c] * a + bg[3 * x + c] * (255 - a) + 127) / 255);
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
