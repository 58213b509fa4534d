// The converter's recogniser for RVM MobileNetV3: the head's walk is RVM's
// (models/common/rvm_recognise.h); this is the backbone's.
#include "models/common/rvm_recognise.h"
#include "models/rvm_mobilenetv3/layers.h"

namespace matte::convert {

namespace {

// ResNet's stem is followed by a max pool; MobileNetV3's goes straight into its first block.
std::string stem_mismatch(const Graph& graph, const onnx::NodeProto& stem) {
  return consumer_of_type(graph, match_conv(graph, stem).output, "MaxPool") ? "the stem is followed by a max pool" : "";
}

// MobileNetV3-Large features 0..16; returns the value after features.16.
std::string walk_backbone(RvmWalk& walk, const onnx::NodeProto& stem) {
  const Graph& g = walk.graph();
  std::string x = walk.record("backbone.features.0.0", stem).output;
  for (int i = 1; i <= 15; ++i) {
    const std::string where = numbered("backbone block ", i);
    const std::string prefix = numbered("backbone.features.", i) + ".block.";
    int j = 0;
    const onnx::NodeProto* conv = &walk.sole_conv_consumer(x, where);
    if (!is_depthwise(*conv)) {
      const std::string expanded = walk.record(prefix + std::to_string(j++) + ".0", *conv).output;
      conv = &walk.sole_conv_consumer(expanded, where);
    }
    std::string y = walk.record(prefix + std::to_string(j++) + ".0", *conv).output;
    if (const auto* pool = consumer_of_type(g, y, "GlobalAveragePool")) {
      const std::string se = prefix + std::to_string(j++);
      const std::string squeezed = walk.record(se + ".fc1", walk.sole_conv_consumer(pool->output(0), where)).output;
      const std::string scale = walk.record(se + ".fc2", walk.sole_conv_consumer(squeezed, where)).output;
      const auto* mul = binary_consumer(g, "Mul", y, scale);
      if (mul == nullptr) walk.fail("squeeze-excitation of " + where + " does not scale its input");
      y = mul->output(0);
    }
    std::string out = walk.record(prefix + std::to_string(j) + ".0", walk.sole_conv_consumer(y, where)).output;
    if (const auto* add = binary_consumer(g, "Add", out, x)) out = add->output(0);
    x = out;
  }
  return walk.record("backbone.features.16.0", walk.sole_conv_consumer(x, "backbone features.16")).output;
}

constexpr RvmBackbone kBackbone = {"RVM MobileNetV3", rvm::kArchitecture, rvm::conv_layers, stem_mismatch,
                                   walk_backbone};

}  // namespace

extern const Recogniser kRvmMobileNetV3Recogniser = rvm_recogniser<kBackbone>();

}  // namespace matte::convert
