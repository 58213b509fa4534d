// Robust Video Matting, MobileNetV3 backbone with the deep guided filter: the network as plain code
// over the layers of models/rvm_layers.h. NHWC, a chunk of T frames at a time: the encoder runs layer
// by layer over all T, then the decoder steps the ConvGRUs frame by frame. Buffers are planned once
// per frame size, ratio and T and reused, and the four ConvGRU states live in them between chunks.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <variant>
#include <vector>

#include "engine/layers.h"
#include "engine/matte.h"
#include "engine/tensor.h"
#include "engine/weight_file.h"

namespace matte {
class Profiler;
}

namespace matte::rvm {

// One frame of a chunk: its full-resolution pixels, read where needed and never converted as a
// whole, and where its results go, every pointer covering width·height pixels or null (that
// result is not computed).
struct Frame {
  std::variant<Image8, PlanarImage> pixels;
  float* alpha = nullptr;          // [H·W]
  float* foreground = nullptr;     // planar RGB [3][H·W]
  uint8_t* alpha8 = nullptr;       // [H·W]
  uint8_t* foreground8 = nullptr;  // interleaved, in the pixels' channel order (RGB for planar ones)
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
  // The planned chunk of frames (of the planned size), in order; the recurrent state carries over.
  void run(std::span<const Frame> frames);
  void reset_state();
  // Times every step into `profiler` (null: none); it must outlive the runs.
  void set_profiler(Profiler* profiler);
  // r1..r4 (index 0..3) as channels × height × width.
  StateView state(int index) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace matte::rvm
