// Robust Video Matting, MobileNetV3 backbone with the deep guided filter: the network as plain code
// over the layers of models/rvm_layers.h. NHWC, a chunk of T frames at a time: the encoder runs layer
// by layer over all T, then the decoder steps the ConvGRUs frame by frame. Buffers are planned once
// per frame size, ratio and T and reused, and the four ConvGRU states live in them between chunks.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
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

  // Sizes every buffer for chunks of `frames` width×height frames at this ratio; when the size or
  // ratio changes the recurrent state restarts from zero. Throws Error when the downsampled frame
  // would be empty.
  void plan(int width, int height, float ratio, int frames);
  // The full-resolution H×W×3 RGB input of frame t of the chunk, to fill before run().
  View input(int t) const;
  // The planned chunk, one output per frame in order; the recurrent state carries over.
  void run(std::span<const FrameOutput> out);
  void reset_state();
  // r1..r4 (index 0..3) as channels × height × width.
  StateView state(int index) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace matte::rvm
