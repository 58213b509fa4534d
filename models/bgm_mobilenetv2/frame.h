// BGMv2 behind the Session's Network interface: each 8-bit frame with its plate, the results
// straight into the Session's Mattes.
#pragma once

#include <string>

#include "engine/matte.h"
#include "engine/weight_file.h"
#include "models/bgm_mobilenetv2/bgm.h"
#include "models/network.h"

namespace matte::bgm {

class FrameRunner final : public matte::Network {
 public:
  explicit FrameRunner(const WeightFile& weights);
  // Frame by frame, into each matte's vectors of the chunk's results (their buffers reused; the
  // others emptied); the Session has checked the frames and plates.
  void process(const Chunk& chunk) override;
  void set_profiler(Profiler* profiler) override { network_.set_profiler(profiler); }
  void set(const std::string& name, const std::string& value) override;
  std::string weight_file_value(const std::string& name) const override;

 private:
  void process(const Image8& frame, const Image8& plate, Result results, Matte& m);

  bgm::Network network_;
  Settings settings_;
  int planned_width_ = 0, planned_height_ = 0;
};

}  // namespace matte::bgm
