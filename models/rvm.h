// Robust Video Matting, MobileNetV3 backbone with the deep guided filter: the network as plain code
// over the layers of models/rvm_layers.h. One frame at a time, NHWC; buffers are planned once per
// frame size and ratio and reused, and the four ConvGRU states live in them between frames.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/layers.h"
#include "engine/matte.h"
#include "engine/tensor.h"
#include "engine/weight_file.h"

namespace matte::rvm {

// Where a frame's results go, every pointer covering width·height pixels.
struct FrameOutput {
  float* alpha;       // [H·W]
  float* foreground;  // planar RGB [3][H·W]
  uint8_t* alpha8;    // [H·W]
  uint8_t* foreground8;  // interleaved, BGR order when `bgr`
  bool bgr;
};

class Network {
 public:
  // Creates every layer from the file with its expected shape; throws Error naming the file when it
  // is not an rvm_mobilenetv3 weight file or a tensor is missing or misshapen.
  explicit Network(const WeightFile& weights);
  ~Network();

  // Sizes every buffer for a width×height frame at this ratio; when anything changes the recurrent
  // state restarts from zero. Throws Error when the downsampled frame would be empty.
  void plan(int width, int height, float ratio);
  // The full-resolution H×W×3 RGB input to fill before run().
  View input() const;
  // One frame; the recurrent state carries over from the previous run().
  void run(const FrameOutput& out);
  void reset_state();
  // r1..r4 (index 0..3) as channels × height × width.
  StateView state(int index) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace matte::rvm
