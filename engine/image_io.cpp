#include "engine/image_io.h"

#include <string>
#include <utility>

#include "engine/error.h"
#include "engine/layers.h"

namespace matte {

std::string size_text(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

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

void resize_frame(const Image8& frame, const ResizeParams& p, const View& out) {
  const auto& k = resize();
  const U8Image image{frame.data, frame.row_stride, static_cast<size_t>(frame.height),
                      static_cast<size_t>(frame.width)};
  const bool bgr = frame.format == PixelFormat::bgr8;
  parallel_ranges(p.out_h, grain_for(p.out_w * p.channels * 4), [&](size_t b, size_t e) {
    k.u8_resize_bilinear(p, image, out.data, out.stride, b, e);
    if (!bgr) return;
    for (size_t i = b * p.out_w; i < e * p.out_w; ++i) std::swap(out.pixel(i)[0], out.pixel(i)[2]);
  });
}

}  // namespace matte
