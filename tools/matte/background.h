// `--background` for the composition: a colour (#RRGGBB or R,G,B), an image scaled to the frame,
// a video scaled and looped, or the frame's own background blurred.
#pragma once

#include <memory>
#include <opencv2/core.hpp>
#include <optional>
#include <string>

#include "engine/matte.h"
#include "tools/matte/composite.h"
#include "tools/matte/source.h"

namespace matte::cli {

struct BackgroundSpec {
  std::optional<cv::Vec3b> colour;  // BGR
  std::string path;                 // when not a colour
  bool blur = false;                // the frame itself, blurred
  float blur_sigma = 0;             // pixels; 0: default_blur_sigma
};

// RVM's default green: RGB (120, 255, 155).
BackgroundSpec default_background();
// "#RRGGBB" or "R,G,B" (0..255 each) is a colour; "blur" or "blur:S" (S in (0, 1000]) a blur;
// anything else is a path. Throws UsageError for text that looks like a colour or a blur but is
// malformed ("#12345G", "1,2", "300,0,0", "blur:0").
BackgroundSpec parse_background(const std::string& text);
// A strong blur at any size, as video-call tools use: the frame's longer side / 96 (20 px at 1080p).
float default_blur_sigma(int width, int height);

class Background {
 public:
  // Opens an image or a video path (throws Error naming it when missing or undecodable).
  Background(const BackgroundSpec& spec, int width, int height, int64_t max_pixels = 0);
  // The background for the next frame, width×height BGR; a video restarts at its end. Each video
  // frame is a new buffer and a colour or image is one shared buffer, so a caller may keep what it
  // gets without a copy (and must not write to it). A blur returns `frame`, the frame it is under.
  cv::Mat next(const cv::Mat& frame = cv::Mat());
  // The composition of a matte over what next() returned for its frame.
  void composite(const Matte& m, const cv::Mat& background, cv::Mat& out);

 private:
  BackgroundSpec spec_;
  int width_, height_;
  int64_t max_pixels_;
  cv::Mat frame_;
  std::unique_ptr<FrameSource> video_;
  std::optional<BlurredBackdrop> blurred_;
};

}  // namespace matte::cli
