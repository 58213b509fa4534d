// BackgroundMattingV2, MobileNetV2 backbone: the base network at `backbone_scale` over src‖plate,
// then the patch refiner at full resolution, as plain code over models/bgm_mobilenetv2/layers.h. NHWC buffers
// planned once per frame size and settings. The network needs multiples of 4: it runs on the frame
// padded by edge replication (read through the padding, never copied) and crops its results back.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "engine/matte.h"
#include "engine/tensor.h"
#include "engine/weight_file.h"

namespace matte {
class Profiler;
}

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
std::string refine_mode_name(RefineMode mode);

// Where a frame's results go, each null when not wanted (then not computed). Full-resolution
// planes cover the frame's F = width·height pixels (not the padding); the coarse ones
// coarse_width()·coarse_height(); the refine map (W/4)·(H/4) of the frame padded to W×H,
// multiples of 4.
struct FrameOutput {
  float* alpha = nullptr;       // [F], clamped to [0, 1] (ONNX pha)
  float* foreground = nullptr;  // planar RGB [3][F], clamped (ONNX fgr)
  float* alpha_sm = nullptr;       // [h·w] (pha_sm)
  float* foreground_sm = nullptr;  // planar RGB [3][h·w] (fgr_sm = clamp(src_sm + residual))
  float* error_sm = nullptr;       // [h·w] (err_sm)
  float* refine_sm = nullptr;      // [(H/4)·(W/4)], 1 where the 4×4 patch was refined (ref_sm)
  // 8-bit results, [F]: round(·255) of alpha and of the foreground ([3·F], interleaved, in the
  // source's channel order), the error map nearest-upscaled, and 255 on the refined patches, 0
  // elsewhere.
  uint8_t* alpha8 = nullptr;
  uint8_t* foreground8 = nullptr;
  uint8_t* error8 = nullptr;
  uint8_t* refined8 = nullptr;
};

class Network {
 public:
  // Creates every layer from the file with its expected shape; throws Error naming the file when it
  // is not a bgm_mobilenetv2 weight file or a tensor is missing or misshapen.
  explicit Network(const WeightFile& weights);
  ~Network();

  // Sizes every buffer for width×height frames with these settings; throws Error for an empty
  // frame or a backbone size below one pixel.
  void plan(int width, int height, const Settings& settings);
  // Runs the planned frame from its 8-bit pixels and its plate's (both of the planned size), read
  // where needed and never converted whole; returns how many 4×4 patches the refiner recomputed.
  // The refiner only computes what the selected patches need, so its cost follows their number.
  int64_t run(const Image8& src, const Image8& plate, const FrameOutput& out);
  // The same from float inputs: the frame padded to W×H as RGB in [0, 1], to fill (padding
  // included) before run(out); allocated on first use.
  View source();
  View plate();
  int64_t run(const FrameOutput& out);
  // Times every step into `profiler` (null: none); it must outlive the runs.
  void set_profiler(Profiler* profiler);
  int coarse_width() const;
  int coarse_height() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace matte::bgm
