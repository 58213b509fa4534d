#include "models/rvm.h"

#include <string>

#include "engine/error.h"
#include "models/rvm_layers.h"
#include "models/rvm_mobilenetv3/backbone.h"
#include "models/rvm_resnet50/backbone.h"
#include "models/rvm_resnet50/layers.h"

namespace matte::rvm {

namespace {

std::span<const ConvLayer> table_of(std::string_view architecture) {
  if (architecture == kArchitecture) return conv_layers();
  return rvm_resnet50::conv_layers();
}

std::string architecture_of(const WeightFile& file) {
  const auto arch = file.metadata().find("architecture");
  const std::string name = arch == file.metadata().end() ? std::string("none") : arch->second;
  if (!is_rvm_architecture(name)) {
    throw Error(file.origin() + ": not an " + std::string(kArchitecture) + " or " +
                std::string(rvm_resnet50::kArchitecture) + " weight file (architecture '" + name + "')");
  }
  return name;
}

}  // namespace

bool is_rvm_architecture(std::string_view architecture) {
  return architecture == kArchitecture || architecture == rvm_resnet50::kArchitecture;
}

Network::Network(const WeightFile& weights) {
  const std::string architecture = architecture_of(weights);
  const LayerLoader w{weights, table_of(architecture), architecture};
  backbone_ = architecture == kArchitecture ? make_mobilenetv3_backbone(w) : rvm_resnet50::make_backbone(w);
  head_ = std::make_unique<RecurrentHead>(w);
}

Network::~Network() = default;

void Network::plan(int width, int height, float ratio, int frames) {
  if (head_->plan(width, height, ratio, frames)) backbone_->plan(*head_);
}

void Network::run(std::span<const Frame> frames) {
  head_->read_input(frames);
  backbone_->run(*head_);
  head_->decode(frames);
}

void Network::reset_state() { head_->reset_state(); }
void Network::set_profiler(Profiler* profiler) { head_->set_profiler(profiler); }
StateView Network::state(int index) const { return head_->state(index); }

}  // namespace matte::rvm
