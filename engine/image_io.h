// Frames in and out of the engine: checks of the caller's frames, the networks' downsampled input
// straight from 8-bit pixels, and the 8-bit conversions (kernels/u8_pixels.h: from_u8, to_u8)
// every path shares.
#pragma once

#include "engine/matte.h"
#include "engine/tensor.h"
#include "kernels/resize.h"
#include "kernels/u8_pixels.h"

namespace matte {

// Throws Error when the frame has no pixels, no data or a row stride shorter than a row.
// "WxH", as errors write sizes.
std::string size_text(int w, int h);
void check_frame(const Image8& frame);
void check_frame(const PlanarImage& frame);

// The frame bilinearly resized by p (3 channels; the frame read as p.in_h×p.in_w, edge-replicated
// past its size) into out, RGB whatever the frame's order, rows in parallel: equal to resizing
// its value/255 floats.
void resize_frame(const Image8& frame, const ResizeParams& p, const View& out);

}  // namespace matte
