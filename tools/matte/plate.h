// BGMv2's clean background plate for `matte`: an image used for every frame, or a video read frame
// by frame (or, with `median`, reduced to one still plate: median_plate.h), at the input's size.
#pragma once

#include <cstdint>
#include <memory>
#include <opencv2/core.hpp>
#include <string>

#include "tools/matte/source.h"

namespace matte::cli {

class Plate {
 public:
  // Throws Error naming the path when it is missing, cannot be decoded, has more than `max_pixels`
  // (0: no limit), or is not width×height (unless `resize`, which scales it to the frame);
  // UsageError for `median` with an image.
  Plate(const std::string& path, int width, int height, bool resize, int64_t max_pixels = 0, bool median = false);
  // The plate for the next frame, 8-bit BGR. Throws Error when a plate video ends before the input.
  cv::Mat next();

 private:
  cv::Mat fit(const cv::Mat& bgr) const;

  std::string path_;
  int width_, height_;
  bool resize_;
  cv::Mat still_;
  std::unique_ptr<FrameSource> video_;
  int64_t read_ = 0;
};

}  // namespace matte::cli
