#include "models/bgm_frame.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/error.h"
#include "engine/image_io.h"
#include "engine/layers.h"

namespace matte::bgm {

namespace {

int up4(int v) { return (v + 3) / 4 * 4; }

std::string size_text(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

// dst: padded H'×W'×3 RGB value/255; rows and columns past the frame repeat its last ones.
void to_padded_rgb(const Image8& frame, const View& dst) {
  const bool bgr = frame.format == PixelFormat::bgr8;
  parallel_ranges(size_t(dst.h), grain_for(size_t(dst.w) * 3), [&](size_t y0, size_t y1) {
    for (size_t y = y0; y < y1; ++y) {
      const uint8_t* row = frame.data + std::min<size_t>(y, size_t(frame.height) - 1) * frame.row_stride;
      float* d = dst.pixel(y * size_t(dst.w));
      for (int x = 0; x < dst.w; ++x, d += dst.stride) {
        const uint8_t* s = row + size_t(std::min(x, frame.width - 1)) * 3;
        d[0] = float(s[bgr ? 2 : 0]) / 255.0f;
        d[1] = float(s[1]) / 255.0f;
        d[2] = float(s[bgr ? 0 : 2]) / 255.0f;
      }
    }
  });
}

}  // namespace

Settings session_settings(const WeightFile& weights, const SessionOptions& options) {
  Settings s = settings_of(weights);
  if (options.backbone_scale) {
    const float v = *options.backbone_scale;
    if (!(v > 0.0f && v <= 1.0f)) throw Error("backbone scale " + std::to_string(v) + " is not in (0, 1]");
    s.backbone_scale = v;
  }
  if (options.sample_pixels) {
    if (*options.sample_pixels < 16) throw Error("sample pixels " + std::to_string(*options.sample_pixels) + " is below 16 (one patch)");
    s.sample_pixels = *options.sample_pixels;
  }
  if (options.refine_threshold) {
    if (!std::isfinite(*options.refine_threshold)) throw Error("refine threshold is not a number");
    s.threshold = *options.refine_threshold;
  }
  if (options.refine_mode) s.mode = parse_refine_mode(*options.refine_mode);
  return s;
}

FrameRunner::FrameRunner(const WeightFile& weights, const SessionOptions& options)
    : network_(weights), settings_(session_settings(weights, options)) {}

void FrameRunner::process(const Image8& frame, const Image8& plate, Matte& m) {
  check_frame(frame);
  check_frame(plate);
  if (plate.width != frame.width || plate.height != frame.height) {
    throw Error("plate " + size_text(plate.width, plate.height) + " differs from the frame's " +
                size_text(frame.width, frame.height));
  }
  const int W = up4(frame.width), H = up4(frame.height);
  if (W != planned_width_ || H != planned_height_) {
    network_.plan(W, H, settings_);
    planned_width_ = W;
    planned_height_ = H;
    const size_t n = size_t(W) * size_t(H);
    alpha_.resize(n);
    foreground_.resize(3 * n);
    error_sm_.resize(size_t(network_.coarse_width()) * size_t(network_.coarse_height()));
    refine_sm_.resize(n / 16);
  }
  to_padded_rgb(frame, network_.source());
  to_padded_rgb(plate, network_.plate());
  FrameOutput out{alpha_.data(), foreground_.data()};
  out.error_sm = error_sm_.data();
  out.refine_sm = refine_sm_.data();

  m.refined_patches = network_.run(out);
  m.width = frame.width;
  m.height = frame.height;
  const size_t n = size_t(m.width) * size_t(m.height), plane = size_t(W) * size_t(H);
  m.alpha.resize(n);
  m.foreground.resize(3 * n);
  m.alpha8.resize(n);
  m.foreground8.resize(3 * n);
  m.error8.resize(n);
  m.refined8.resize(n);
  const bool bgr = frame.format == PixelFormat::bgr8;
  const int cw = network_.coarse_width(), ch = network_.coarse_height();
  parallel_ranges(size_t(m.height), grain_for(size_t(m.width) * 8), [&](size_t y0, size_t y1) {
    for (size_t y = y0; y < y1; ++y) {
      // The coarse map's pixel under full-resolution pixel (x, y), as a nearest upscale picks it.
      const size_t cy = std::min<size_t>(y * size_t(ch) / size_t(H), size_t(ch) - 1);
      for (size_t x = 0; x < size_t(m.width); ++x) {
        const size_t i = y * size_t(m.width) + x, j = y * size_t(W) + x;
        m.alpha[i] = alpha_[j];
        m.alpha8[i] = to_u8(alpha_[j]);
        for (size_t c = 0; c < 3; ++c) {
          const float f = foreground_[c * plane + j];
          m.foreground[c * n + i] = f;
          m.foreground8[i * 3 + (bgr ? 2 - c : c)] = to_u8(f);
        }
        const size_t cx = std::min<size_t>(x * size_t(cw) / size_t(W), size_t(cw) - 1);
        m.error8[i] = to_u8(error_sm_[cy * size_t(cw) + cx]);
        m.refined8[i] = refine_sm_[(y / 4) * size_t(W / 4) + x / 4] > 0.0f ? 255 : 0;
      }
    }
  });
}

}  // namespace matte::bgm
