// BackgroundMattingV2, MobileNetV2 backbone: the base network at `backbone_scale` over src‖plate,
// then the patch refiner at full resolution, as plain code over models/bgm_layers.h. NHWC buffers
// planned once per frame size and settings.
#pragma once

#include <cstdint>
#include <memory>

#include "engine/tensor.h"
#include "engine/weight_file.h"

namespace matte::bgm {

enum class RefineMode { sampling, thresholding, full };

struct Settings {
  float backbone_scale = 0.25f;
  // sampling: refine the sample_pixels / 16 patches of largest error, those above zero only; equal
  // errors rank by row-major index, smaller first, as in ONNX Runtime's TopK: the same set.
  int sample_pixels = 80000;
  float threshold = 0.1f;     // thresholding: refine patches whose error exceeds this
  RefineMode mode = RefineMode::sampling;
};

// The settings the converter read from the ONNX graph (weight file metadata "settings").
Settings settings_of(const WeightFile& weights);
// "sampling" / "thresholding" / "full"; throws Error otherwise.
RefineMode parse_refine_mode(const std::string& text);

// Where a frame's results go. Full-resolution planes cover width·height; the coarse ones (may be
// null) cover coarse_width()·coarse_height(), the refine map (may be null) (width/4)·(height/4).
struct FrameOutput {
  float* alpha;       // [H·W], clamped to [0, 1] (ONNX pha)
  float* foreground;  // planar RGB [3][H·W], clamped (ONNX fgr)
  float* alpha_sm = nullptr;       // [h·w] (pha_sm)
  float* foreground_sm = nullptr;  // planar RGB [3][h·w] (fgr_sm = clamp(src_sm + residual))
  float* error_sm = nullptr;       // [h·w] (err_sm)
  float* refine_sm = nullptr;      // [(H/4)·(W/4)], 1 where the 4×4 patch was refined (ref_sm)
};

class Network {
 public:
  // Creates every layer from the file with its expected shape; throws Error naming the file when it
  // is not a bgm_mobilenetv2 weight file or a tensor is missing or misshapen.
  explicit Network(const WeightFile& weights);
  ~Network();

  // Sizes every buffer for width×height frames (both multiples of 4) with these settings; throws
  // Error for other sizes or a backbone size below one pixel.
  void plan(int width, int height, const Settings& settings);
  // Full-resolution H×W×3 RGB inputs in [0, 1] to fill before run().
  View source() const;
  View plate() const;
  // Runs the planned frame; returns how many 4×4 patches the refiner recomputed. The refiner only
  // computes what the selected patches need, so its cost follows their number.
  int64_t run(const FrameOutput& out);
  int coarse_width() const;
  int coarse_height() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace matte::bgm
