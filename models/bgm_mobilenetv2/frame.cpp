#include "models/bgm_mobilenetv2/frame.h"

#include <cmath>
#include <string>

#include "engine/error.h"
#include "engine/image_io.h"
#include "models/bgm_mobilenetv2/layers.h"
#include "models/results.h"

namespace matte::bgm {

namespace {

std::string size_text(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

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

void FrameRunner::process(const Chunk& chunk) {
  for (size_t i = 0; i < chunk.mattes.size(); ++i) process(chunk.frames[i], chunk.plates[i], chunk.results, chunk.mattes[i]);
}

void FrameRunner::process(const Image8& frame, const Image8& plate, Result results, Matte& m) {
  check_frame(frame);
  check_frame(plate);
  if (plate.width != frame.width || plate.height != frame.height) {
    throw Error("plate " + size_text(plate.width, plate.height) + " differs from the frame's " +
                size_text(frame.width, frame.height));
  }
  if (frame.width != planned_width_ || frame.height != planned_height_) {
    network_.plan(frame.width, frame.height, settings_);
    planned_width_ = frame.width;
    planned_height_ = frame.height;
  }
  size_results(m, results, frame.width, frame.height);
  FrameOutput out;
  out.alpha = data_or_null(m.alpha);
  out.foreground = data_or_null(m.foreground);
  out.alpha8 = data_or_null(m.alpha8);
  out.foreground8 = data_or_null(m.foreground8);
  out.error8 = data_or_null(m.error8);
  out.refined8 = data_or_null(m.refined8);
  m.refined_patches = network_.run(frame, plate, out);
}

}  // namespace matte::bgm

namespace matte {

extern const Architecture kBgmMobileNetV2{
    {.architecture = std::string(bgm::kArchitecture),
     .title = "BGMv2 (MobileNetV2)",
     .takes_plate = true,
     .recurrent_states = 0,
     .downsample_ratio = false,
     .results = Result::all},
    [](const WeightFile& weights, const SessionOptions& options) -> std::unique_ptr<Network> {
      return std::make_unique<bgm::FrameRunner>(weights, options);
    }};

}  // namespace matte
