// The one interface between the Session and a network, and the registry of networks. Each network
// (models/<name>/) defines an Architecture: what it takes and gives, and how it loads; adding a
// network is its folder plus one line in models/architectures.cpp.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/matte.h"
#include "engine/profile.h"
#include "engine/weight_file.h"

namespace matte {

// Frames of one size, in order, checked by the Session. Exactly one of `frames` and `planar` is
// set; `plates` has one plate per frame (checked too, of its frame's size) for networks that take
// plates, and is empty otherwise.
struct Chunk {
  std::span<const Image8> frames;
  std::span<const PlanarImage> planar;
  std::span<const Image8> plates;
  std::span<Matte> mattes;  // one per frame, sized by the network for `results`
  Result results = Result::all;
};

class Network {
 public:
  virtual ~Network() = default;
  // Runs on the caller's task_arena.
  virtual void process(const Chunk& chunk) = 0;
  // Zero recurrent state (networks without one: nothing).
  virtual void reset() {}
  // Recurrent state `index` (Capabilities::recurrent_states of them) after the last frame.
  virtual StateView state(int index) const;
  // Times every step into `profiler` (null: none); it must outlive the runs.
  virtual void set_profiler(Profiler* profiler) = 0;
  // A setting of its Capabilities, the value already checked (check_setting); applies to the next
  // frame.
  virtual void set(const std::string& name, const std::string& value) = 0;
  // The value of a setting whose default is the weight file's (Setting::value empty).
  virtual std::string weight_file_value(const std::string& name) const;
};

// The names of the published ONNX graph's tensors, for the ONNX Runtime reference
// (tools/reference): frames and plates go in as [1, 3, H, W] float RGB in [0, 1].
struct OnnxIo {
  std::string frame;
  std::string plate = {};             // empty: the network takes none
  std::string downsample_ratio = {};  // a [1] input; empty: none
  // Each recurrent output and the input it feeds on the next frame (zeros on the first).
  std::vector<std::pair<std::string, std::string>> recurrent = {};
  std::string alpha, foreground;
};

struct Architecture {
  Capabilities capabilities;
  OnnxIo onnx;
  // Throws Error naming the file when a tensor is missing or misshapen.
  std::unique_ptr<Network> (*load)(const WeightFile& weights);
};

// Every network this build runs, in the order error messages list them.
std::span<const Architecture* const> architectures();
// The weight file's architecture; throws Error naming the file and listing the registry otherwise.
const Architecture& architecture_of(const WeightFile& weights);
// The architecture so named ("rvm_mobilenetv3", ...); throws Error listing the registry otherwise.
const Architecture& architecture_named(const std::string& name);

}  // namespace matte
