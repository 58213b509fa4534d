// --reset-on-scene-cut: a cut is a frame whose luma histogram differs from the previous frame's by
// more than a threshold. The histogram (32 bins) is taken over a grid of at most 64×64 sample
// pixels, so it costs the same at any frame size, and as a distribution of levels it ignores
// where things are, so motion inside a shot barely moves it. The distance is half the L1
// difference of the normalised histograms: 0 for the same distribution, 1 for disjoint ones.
#pragma once

#include <array>
#include <opencv2/core.hpp>
#include <optional>

namespace matte::cli {

// Measured on the shared clips (tests/matte/test_matte_scene_cut.cpp, README.md): consecutive
// frames within a shot at most 0.039, the studio clip's camera change 0.112, frames of different
// clips or photos at least 0.195. The default lies about 1.7× from both ends.
constexpr double kDefaultSceneCut = 0.065;

using LumaHistogram = std::array<int, 32>;

// Of an 8-bit BGR frame, over the sample grid.
LumaHistogram luma_histogram(const cv::Mat& bgr);

// In [0, 1]; histograms of one frame size (equal sample counts).
double histogram_distance(const LumaHistogram& a, const LumaHistogram& b);

class SceneCutDetector {
 public:
  explicit SceneCutDetector(double threshold) : threshold_(threshold) {}
  // True when `bgr` is more than the threshold away from the previous frame; never for the first.
  bool is_cut(const cv::Mat& bgr);

 private:
  double threshold_;
  std::optional<LumaHistogram> previous_;
};

}  // namespace matte::cli
