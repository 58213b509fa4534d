// Robust Video Matting with the deep guided filter, any of its backbones (MobileNetV3, ResNet50):
// the backbone picked by the weight file's architecture, then the shared head
// (models/common/rvm_head.h). Buffers are planned once per frame size, ratio and chunk length
// and reused, and the four ConvGRU states live in them between chunks.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "engine/matte.h"
#include "engine/weight_file.h"
#include "models/common/rvm_head.h"

namespace matte::rvm {

// Whether `architecture` names an RVM variant this network runs.
bool is_rvm_architecture(std::string_view architecture);

class Network {
 public:
  // Creates every layer from the file with its expected shape; throws Error naming the file when it
  // is not an RVM weight file or a tensor is missing or misshapen.
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
  std::unique_ptr<RecurrentHead> head_;
  std::unique_ptr<Backbone> backbone_;
};

}  // namespace matte::rvm
