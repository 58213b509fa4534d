// Turning a matte into the pixels `matte` writes. The compositions are kernels (kernels/composite.h):
// they are a sizeable share of a frame's CPU time next to the encoder.
#pragma once

#include <opencv2/core.hpp>

#include "engine/matte.h"
#include "kernels/composite.h"

namespace matte::cli {

// (F·A + B·(255−A) + 127) / 255 per channel in integers, BGR 8-bit: F the 8-bit foreground, A the
// 8-bit alpha, B the background. 8-bit in, so the tool never asks the engine for float planes.
void composite_over(const Matte& m, const cv::Mat& background_bgr, cv::Mat& out);
// The same over the frame's own background blurred (Gaussian, sigma in pixels), for frames of one
// size; keeps its buffers from frame to frame.
class BlurredBackdrop {
 public:
  BlurredBackdrop(int width, int height, float sigma);
  void composite(const Matte& m, const cv::Mat& frame_bgr, cv::Mat& out);

 private:
  BlurPlan plan_;
  std::vector<uint16_t> small_, scratch_;
  BlurBuffers work_;
};
// BGRA 8-bit for PNG: colour = the 8-bit foreground where round(α·255) > 0 and 0 elsewhere (as RVM writes
// its RGBA composition), alpha = round(α·255).
void foreground_with_alpha(const Matte& m, cv::Mat& out);
// An 8-bit plane of the matte (alpha8, foreground8, error8, refined8) as an image over its memory,
// without a copy: sinks only read it. foreground8 is BGR, as the input it came from.
cv::Mat plane_image(const std::vector<uint8_t>& plane, const Matte& m, int channels);

}  // namespace matte::cli
