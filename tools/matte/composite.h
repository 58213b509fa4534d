// Turning a matte into the pixels `matte` writes. Plain loops over whole frames; not part of the
// inference path.
#pragma once

#include <opencv2/core.hpp>

#include "engine/matte.h"

namespace matte::cli {

// (F·A + B·(255−A) + 127) / 255 per channel in integers, BGR 8-bit: F the 8-bit foreground, A the
// 8-bit alpha, B the background. 8-bit in, so the tool never asks the engine for float planes.
void composite_over(const Matte& m, const cv::Mat& background_bgr, cv::Mat& out);
// BGRA 8-bit for PNG: colour = the 8-bit foreground where round(α·255) > 0 and 0 elsewhere (as RVM writes
// its RGBA composition), alpha = round(α·255).
void foreground_with_alpha(const Matte& m, cv::Mat& out);
// An 8-bit plane of the matte (alpha8, foreground8, error8, refined8) as an image over its memory,
// without a copy: sinks only read it. foreground8 is BGR, as the input it came from.
cv::Mat plane_image(const std::vector<uint8_t>& plane, const Matte& m, int channels);

}  // namespace matte::cli
