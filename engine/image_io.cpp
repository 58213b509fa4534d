#include "engine/image_io.h"

#include <string>

#include "engine/error.h"
#include "engine/layers.h"

namespace matte {

namespace {

std::string size_text(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

}  // namespace

void check_frame(const Image8& frame) {
  if (!frame.data || frame.width <= 0 || frame.height <= 0)
    throw Error("frame " + size_text(frame.width, frame.height) + ": empty 8-bit image");
  if (frame.row_stride < static_cast<size_t>(frame.width) * 3)
    throw Error("frame " + size_text(frame.width, frame.height) + ": row stride " + std::to_string(frame.row_stride) +
                " is shorter than a row of " + std::to_string(frame.width * 3) + " bytes");
}

void check_frame(const PlanarImage& frame) {
  if (!frame.data || frame.width <= 0 || frame.height <= 0)
    throw Error("frame " + size_text(frame.width, frame.height) + ": empty planar image");
}

void to_rgb_float(const Image8& frame, const View& dst) {
  const bool bgr = frame.format == PixelFormat::bgr8;
  const size_t w = static_cast<size_t>(frame.width);
  parallel_ranges(static_cast<size_t>(frame.height), grain_for(w * 3), [&](size_t y0, size_t y1) {
    for (size_t y = y0; y < y1; ++y) {
      const uint8_t* s = frame.data + y * frame.row_stride;
      float* d = dst.pixel(y * w);
      for (size_t x = 0; x < w; ++x, s += 3, d += dst.stride) {
        d[0] = static_cast<float>(s[bgr ? 2 : 0]) / 255.0f;
        d[1] = static_cast<float>(s[1]) / 255.0f;
        d[2] = static_cast<float>(s[bgr ? 0 : 2]) / 255.0f;
      }
    }
  });
}

void to_rgb_float(const PlanarImage& frame, const View& dst) {
  const size_t w = static_cast<size_t>(frame.width), plane = w * static_cast<size_t>(frame.height);
  parallel_ranges(static_cast<size_t>(frame.height), grain_for(w * 3), [&](size_t y0, size_t y1) {
    for (size_t i = y0 * w; i < y1 * w; ++i) {
      float* d = dst.pixel(i);
      for (size_t c = 0; c < 3; ++c) d[c] = frame.data[c * plane + i];
    }
  });
}

}  // namespace matte
