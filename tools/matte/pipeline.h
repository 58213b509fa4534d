// Decode → infer → encode: three stages on three threads joined by one-slot channels, working at the
// same time on consecutive frames, so the tool's frames/s stays close to the engine's. Inference
// runs on the calling thread: a oneTBB parallel_pipeline ran it on pool threads that the session's
// arena then could not fill, and every other frame took twice as long.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "engine/matte.h"
#include "tools/matte/background.h"
#include "tools/matte/options.h"
#include "tools/matte/plate.h"
#include "tools/matte/plate_check.h"
#include "tools/matte/sink.h"
#include "tools/matte/source.h"

namespace matte::cli {

struct Output {
  Content content;
  std::unique_ptr<Sink> sink;
};

struct PipelineJob {
  FrameSource* source = nullptr;
  Session* session = nullptr;
  Background* background = nullptr;  // needed for a composition video/JPEG and the preview
  Plate* plate = nullptr;            // BGMv2
  PlateCheck* plate_check = nullptr;  // BGMv2: given every frame's result on the inference thread
  std::vector<Output>* outputs = nullptr;
  int seq_chunk = 1;
  double scene_cut = 0;  // > 0: reset the state before a frame this far from the previous (scene_cut.h)
  int64_t max_frames = 0;                   // 0 = until the input ends
  std::function<bool()> stop;  // checked before each read: Ctrl-C or the preview's q
  // Called on the encode stage after each frame with the frames done so far; `composite` is the
  // frame over the background (empty unless `want_composite`).
  std::function<void(int64_t done, const cv::Mat& composite)> on_frame;
  bool want_composite = false;
};

struct PipelineResult {
  int64_t frames = 0, refined_patches = 0;  // written; BGMv2 patches the refiner recomputed
  std::vector<int64_t> scene_cuts;           // frames the state was reset before (0 = the first written)
};

// Runs to the end of the input, max_frames or stop(). Exceptions from any stage stop the pipeline
// and propagate.
PipelineResult run_pipeline(const PipelineJob& job);

}  // namespace matte::cli
