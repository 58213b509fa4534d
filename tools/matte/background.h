// `--background` for the composition: a colour (#RRGGBB or R,G,B), an image scaled to the frame,
// or a video scaled and looped.
#pragma once

#include <memory>
#include <opencv2/core.hpp>
#include <optional>
#include <string>

#include "tools/matte/source.h"

namespace matte::cli {

struct BackgroundSpec {
  std::optional<cv::Vec3b> colour;  // BGR
  std::string path;                 // when not a colour
};

// RVM's default green: RGB (120, 255, 155).
BackgroundSpec default_background();
// "#RRGGBB" or "R,G,B" (0..255 each) is a colour; anything else is a path. Throws UsageError for
// text that looks like a colour but is malformed ("#12345G", "1,2", "300,0,0").
BackgroundSpec parse_background(const std::string& text);

class Background {
 public:
  // Opens an image or a video path (throws Error naming it when missing or undecodable).
  Background(const BackgroundSpec& spec, int width, int height, int64_t max_pixels = 0);
  // The background for the next frame, width×height BGR; a video restarts at its end. Each video
  // frame is a new buffer and a colour or image is one shared buffer, so a caller may keep what it
  // gets without a copy (and must not write to it).
  cv::Mat next();

 private:
  BackgroundSpec spec_;
  int width_, height_;
  int64_t max_pixels_;
  cv::Mat frame_;
  std::unique_ptr<FrameSource> video_;
};

}  // namespace matte::cli
