// What every Robust Video Matting backbone shares: the frame at the network's input size and its
// average pools, LRASPP, the recurrent decoder (four ConvGRUs) and the deep guided filter. A
// backbone reads the downsampled source and writes its four features into the head's buffers;
// every channel count comes from the network's layer table. NHWC, a chunk of T frames at a time:
// the backbone and LRASPP run layer by layer over all T (frames stacked along the height), then
// the decoder steps the ConvGRUs frame by frame.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <variant>

#include "engine/matte.h"
#include "engine/profile.h"
#include "engine/tensor.h"
#include "models/common/layer_loader.h"

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

// Profiler stages (matte-bench --profile).
inline constexpr std::string_view kInput = "input", kBackbone = "backbone", kLraspp = "lraspp",
                                  kDecoder = "decoder", kGru = "gru", kResize = "resize",
                                  kGuided = "guided filter", kOutput = "full-res output";

// Frame t of a view over `frames` frames stacked along its height.
View frame_of(const View& v, int frames, int t);

class RecurrentHead {
 public:
  // Loads aspp.*, decoder.*, project_mat.* and refiner.* from the table's file.
  explicit RecurrentHead(const LayerLoader& w);
  ~RecurrentHead();

  // Channels of the backbone's feature at `level` 1..4 (1/2 .. 1/16 of the downsampled frame).
  int feature_channels(int level) const;
  // Sizes the buffers for chunks of `frames` width×height frames; a new size or ratio restarts
  // the recurrent state. Returns whether anything changed. Throws Error when the downsampled
  // frame would be empty.
  bool plan(int width, int height, float ratio, int frames);
  int frames() const;
  // Rows and columns at `level`: 0 is the downsampled frame, 1..4 its 1/2 .. 1/16.
  int height(int level) const;
  int width(int level) const;
  // The chunk's downsampled source (3 channels in [0, 1]) and where its features go.
  View source() const;
  View feature(int level) const;

  // Downsamples the chunk's frames into source() and pools them for the decoder.
  void read_input(std::span<const Frame> frames);
  // LRASPP over feature(4), then per frame the decoder and the guided filter into its results.
  void decode(std::span<const Frame> frames);

  void reset_state();
  // r1..r4 (index 0..3) as channels × height × width.
  StateView state(int index) const;
  void set_profiler(Profiler* profiler);
  Profiler* profiler() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A backbone: the encoder of one RVM variant over the head's buffers.
class Backbone {
 public:
  virtual ~Backbone() = default;
  // After head.plan(): sizes the backbone's own buffers.
  virtual void plan(const RecurrentHead& head) = 0;
  // After head.read_input(): writes head.feature(1..4) for the chunk.
  virtual void run(const RecurrentHead& head) = 0;
};

}  // namespace matte::rvm
