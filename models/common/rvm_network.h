// Robust Video Matting with the deep guided filter, any of its backbones (MobileNetV3, ResNet50):
// the backbone the architecture names, then the shared head (models/common/rvm_head.h). Buffers
// are planned once per frame size, ratio and chunk length and reused, and the four ConvGRU states
// live in them between chunks.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/weight_file.h"
#include "models/common/rvm_head.h"
#include "models/network.h"

namespace matte::rvm {

// The Capabilities every RVM variant shares, under its name and title.
Capabilities capabilities(std::string_view architecture, std::string_view title);
// The names of the published graphs (both backbones were exported alike).
OnnxIo onnx_io();

class Network final : public matte::Network {
 public:
  using BackboneMaker = std::unique_ptr<Backbone> (*)(const LayerLoader& w);
  // Creates every layer of `table` from the file with its expected shape; throws Error naming the
  // file when a tensor is missing or misshapen.
  Network(const WeightFile& weights, std::span<const ConvLayer> table, BackboneMaker make_backbone);
  ~Network() override;

  void process(const Chunk& chunk) override;
  void reset() override;
  // r1..r4 (index 0..3) as channels × height × width.
  StateView state(int index) const override;
  void set_profiler(Profiler* profiler) override;
  // downsample-ratio: a number, or auto (auto_downsample_ratio of the frame).
  void set(const std::string& name, const std::string& value) override;

 private:
  float ratio_ = 0.0f;  // 0: auto
  std::unique_ptr<RecurrentHead> head_;
  std::unique_ptr<Backbone> backbone_;
  std::vector<Frame> frames_;  // the chunk being run, kept for its capacity
};

// An RVM variant's registry entry: its backbone and layer table under its name and title.
template <std::span<const ConvLayer> (*table)(), Network::BackboneMaker make_backbone>
Architecture architecture(std::string_view name, std::string_view title) {
  return {capabilities(name, title), onnx_io(), [](const WeightFile& weights) -> std::unique_ptr<matte::Network> {
            return std::make_unique<Network>(weights, table(), make_backbone);
          }};
}

}  // namespace matte::rvm
