// One BGMv2 frame through the network for the Session: the 8-bit frame and plate in, the results
// straight into the Session's Matte.
#pragma once

#include "engine/matte.h"
#include "engine/weight_file.h"
#include "models/bgm.h"

namespace matte::bgm {

// The weight file's settings with the options' overrides; throws Error for values out of range.
Settings session_settings(const WeightFile& weights, const SessionOptions& options);

class FrameRunner {
 public:
  FrameRunner(const WeightFile& weights, const SessionOptions& options);
  // Runs on the caller's task_arena, into m's vectors of `results` (their buffers reused; the
  // others emptied). Throws Error when the plate's size differs from the frame's.
  void process(const Image8& frame, const Image8& plate, Result results, Matte& m);
  // Times every step into `profiler` (null: none); it must outlive the runs.
  void set_profiler(Profiler* profiler) { network_.set_profiler(profiler); }

 private:
  Network network_;
  Settings settings_;
  int planned_width_ = 0, planned_height_ = 0;
};

}  // namespace matte::bgm
