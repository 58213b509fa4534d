#include "models/common/rvm_network.h"

#include <cstdlib>
#include <string>

#include "models/results.h"

namespace matte::rvm {

Capabilities capabilities(std::string_view architecture, std::string_view title) {
  return {.architecture = std::string(architecture),
          .title = std::string(title),
          .takes_plate = false,
          .recurrent_states = 4,
          .results = Result::alpha | Result::foreground | Result::alpha8 | Result::foreground8,
          .settings = {{.name = "downsample-ratio",
                        .description = "the working scale; auto: the frame's longer side at most 512 px "
                                       "(0.25 for 1080p, 0.125 for 4K)",
                        .kind = Setting::Kind::number,
                        .min = 0.0,
                        .max = 1.0,
                        .words = {"auto"},
                        .value = "auto",
                        .between_frames = true}}};
}

OnnxIo onnx_io() {
  return {.frame = "src",
          .downsample_ratio = "downsample_ratio",
          .recurrent = {{"r1o", "r1i"}, {"r2o", "r2i"}, {"r3o", "r3i"}, {"r4o", "r4i"}},
          .alpha = "pha",
          .foreground = "fgr"};
}

Network::Network(const WeightFile& weights, std::span<const ConvLayer> table, BackboneMaker make_backbone) {
  // The registry chose the network by this name.
  const LayerLoader w{weights, table, weights.metadata().at("architecture")};
  backbone_ = make_backbone(w);
  head_ = std::make_unique<RecurrentHead>(w);
}

Network::~Network() = default;

void Network::process(const Chunk& chunk) {
  const size_t n = chunk.mattes.size();
  const int width = chunk.frames.empty() ? chunk.planar[0].width : chunk.frames[0].width;
  const int height = chunk.frames.empty() ? chunk.planar[0].height : chunk.frames[0].height;
  frames_.clear();
  for (size_t i = 0; i < n; ++i) {
    Matte& m = chunk.mattes[i];
    size_results(m, chunk.results, width, height);
    Frame f;
    if (chunk.frames.empty()) f.pixels = chunk.planar[i];
    else f.pixels = chunk.frames[i];
    f.alpha = data_or_null(m.alpha);
    f.foreground = data_or_null(m.foreground);
    f.alpha8 = data_or_null(m.alpha8);
    f.foreground8 = data_or_null(m.foreground8);
    frames_.push_back(f);
  }
  const float ratio = ratio_ > 0.0f ? ratio_ : auto_downsample_ratio(width, height);
  if (head_->plan(width, height, ratio, static_cast<int>(n))) backbone_->plan(*head_);
  head_->read_input(frames_);
  backbone_->run(*head_);
  head_->decode(frames_);
}

void Network::reset() { head_->reset_state(); }
void Network::set_profiler(Profiler* profiler) { head_->set_profiler(profiler); }
StateView Network::state(int index) const { return head_->state(index); }

void Network::set(const std::string&, const std::string& value) {
  ratio_ = value == "auto" ? 0.0f : std::strtof(value.c_str(), nullptr);
}

}  // namespace matte::rvm
