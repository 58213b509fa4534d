#include "tools/matte/scene_cut.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace matte::cli {

namespace {

constexpr int kGrid = 64;  // samples per row and column at most

}  // namespace

LumaHistogram luma_histogram(const cv::Mat& bgr) {
  LumaHistogram histogram{};
  const int nx = std::min(bgr.cols, kGrid), ny = std::min(bgr.rows, kGrid);
  for (int j = 0; j < ny; ++j) {
    // The centre of each of the grid's cells.
    const uint8_t* row = bgr.ptr<uint8_t>(int((2 * int64_t(j) + 1) * bgr.rows / (2 * ny)));
    for (int i = 0; i < nx; ++i) {
      const uint8_t* p = row + 3 * ((2 * int64_t(i) + 1) * bgr.cols / (2 * nx));
      const int luma = (29 * p[0] + 150 * p[1] + 77 * p[2] + 128) >> 8;  // BT.601 weights in 1/256
      ++histogram[size_t(luma) * histogram.size() / 256];
    }
  }
  return histogram;
}

double histogram_distance(const LumaHistogram& a, const LumaHistogram& b) {
  int64_t total = 0, difference = 0;
  for (size_t k = 0; k < a.size(); ++k) {
    total += a[k];
    difference += std::abs(a[k] - b[k]);
  }
  return total == 0 ? 0.0 : 0.5 * double(difference) / double(total);
}

bool SceneCutDetector::is_cut(const cv::Mat& bgr) {
  const LumaHistogram current = luma_histogram(bgr);
  const bool cut = previous_ && histogram_distance(*previous_, current) > threshold_;
  previous_ = current;
  return cut;
}

}  // namespace matte::cli
