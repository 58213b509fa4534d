#include "models/bgm_mobilenetv2/frame.h"

#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "models/bgm_mobilenetv2/layers.h"
#include "models/results.h"
#include "models/settings.h"

namespace matte::bgm {

namespace {

// Each of BGMv2's settings (kBgmMobileNetV2 below) and the Settings field it is: one table for
// setting a value and for the weight file's.
using Field = std::variant<float Settings::*, int Settings::*, RefineMode Settings::*>;
const std::pair<std::string_view, Field> kFields[] = {
    {"backbone-scale", &Settings::backbone_scale},
    {"sample-pixels", &Settings::sample_pixels},
    {"refine-threshold", &Settings::threshold},
    {"refine-mode", &Settings::mode},
};

const Field* field(const std::string& name) {
  for (const auto& [n, f] : kFields)
    if (n == name) return &f;
  return nullptr;
}

void parse(const std::string& text, float& v) { v = std::strtof(text.c_str(), nullptr); }
void parse(const std::string& text, int& v) { v = std::atoi(text.c_str()); }
void parse(const std::string& text, RefineMode& v) { v = parse_refine_mode(text); }
std::string text_of(float v) { return number_text(v); }
std::string text_of(int v) { return std::to_string(v); }
std::string text_of(RefineMode v) { return refine_mode_name(v); }

}  // namespace

FrameRunner::FrameRunner(const WeightFile& weights) : network_(weights), settings_(settings_of(weights)) {}

void FrameRunner::set(const std::string& name, const std::string& value) {
  if (const Field* f = field(name)) std::visit([&](auto member) { parse(value, settings_.*member); }, *f);
  planned_width_ = planned_height_ = 0;  // the plan depends on the settings
}

std::string FrameRunner::weight_file_value(const std::string& name) const {
  const Field* f = field(name);
  if (!f) return Network::weight_file_value(name);
  return std::visit([&](auto member) { return text_of(settings_.*member); }, *f);
}

void FrameRunner::process(const Chunk& chunk) {
  for (size_t i = 0; i < chunk.mattes.size(); ++i) process(chunk.frames[i], chunk.plates[i], chunk.results, chunk.mattes[i]);
}

void FrameRunner::process(const Image8& frame, const Image8& plate, Result results, Matte& m) {
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
     .results = Result::all,
     .settings = {{.name = "backbone-scale",
                   .description = "the base network's scale (the model's: 0.25; 0.125 for 4K)",
                   .kind = Setting::Kind::number,
                   .min = 0.0,
                   .max = 1.0,
                   .between_frames = true},
                  {.name = "refine-mode",
                   .description = "which 4x4 patches the refiner recomputes",
                   .kind = Setting::Kind::word,
                   .words = {"sampling", "thresholding", "full"},
                   .between_frames = true},
                  {.name = "sample-pixels",
                   .description = "in sampling mode, refine the N/16 patches of largest error (the model's: 80000; "
                                  "320000 for 4K)",
                   .kind = Setting::Kind::integer,
                   .min = 16,
                   .max = 1 << 30,
                   .between_frames = true},
                  {.name = "refine-threshold",
                   .description = "in thresholding mode, refine the patches whose error exceeds it (the model's: 0.1)",
                   .kind = Setting::Kind::number,
                   .min = -1.0,
                   .max = 1.0,
                   .between_frames = true}}},
    {.frame = "src", .plate = "bgr", .alpha = "pha", .foreground = "fgr"},
    [](const WeightFile& weights) -> std::unique_ptr<Network> { return std::make_unique<bgm::FrameRunner>(weights); }};

}  // namespace matte
