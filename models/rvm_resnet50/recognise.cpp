// The converter's recogniser for RVM ResNet50: the head's walk is RVM's
// (models/common/rvm_recognise.h); this is the backbone's, told apart by its stem.
#include <algorithm>

#include "models/common/rvm_recognise.h"
#include "models/rvm_resnet50/layers.h"

namespace matte::convert {

namespace {

const onnx::NodeProto* stem_pool(const Graph& graph, const onnx::NodeProto& stem) {
  return consumer_of_type(graph, match_conv(graph, stem).output, "MaxPool");
}

std::string stem_mismatch(const Graph& graph, const onnx::NodeProto& stem) {
  const bool resnet =
      stem_pool(graph, stem) != nullptr && ints_attribute(stem, "kernel_shape") == std::vector<int64_t>{7, 7};
  return resnet ? "" : "the stem is not a 7x7 convolution followed by a max pool";
}

// Stem, 3×3 stride-2 max pool, stages of bottlenecks (as many as the layer table holds); returns
// the value after the last stage.
std::string walk_backbone(RvmWalk& walk, const onnx::NodeProto& stem) {
  const Graph& g = walk.graph();
  walk.record("backbone.conv1", stem);
  const onnx::NodeProto& pool = *stem_pool(g, stem);
  const bool pool_ok = ints_attribute(pool, "kernel_shape") == std::vector<int64_t>{3, 3} &&
                       ints_attribute(pool, "strides") == std::vector<int64_t>{2, 2} &&
                       ints_attribute(pool, "pads") == std::vector<int64_t>{1, 1, 1, 1} &&
                       int_attribute(pool, "ceil_mode", 0) == 0 && ints_attribute(pool, "dilations").empty();
  if (!pool_ok) walk.fail("the stem's max pool is not 3x3 stride 2 padding 1");
  std::string x = pool.output(0);
  const auto table = rvm_resnet50::conv_layers();
  const auto in_table = [&](const std::string& name) {
    return std::any_of(table.begin(), table.end(), [&](const ConvLayer& l) { return l.name == name; });
  };
  for (int stage = 1; in_table(numbered("backbone.layer", stage) + ".0.conv1"); ++stage) {
    for (int n = 0;; ++n) {
      const std::string prefix = numbered("backbone.layer", stage) + "." + std::to_string(n);
      if (!in_table(prefix + ".conv1")) break;
      const std::string where = prefix.substr(9);  // layerL.N
      // The block's input feeds conv1 (ReLU) and, in a stage's first block, the shortcut's projection.
      const onnx::NodeProto *conv1 = nullptr, *project = nullptr;
      for (const auto* n1 : g.consumers(x)) {
        if (n1->op_type() != "Conv") continue;
        const onnx::NodeProto*& slot = match_conv(g, *n1).act == Act::relu ? conv1 : project;
        if (slot != nullptr)
          walk.fail("more than one " + std::string(slot == conv1 ? "conv1" : "shortcut") + " in " + where);
        slot = n1;
      }
      if (conv1 == nullptr) walk.fail("no conv1 in " + where);
      const std::string a = walk.record(prefix + ".conv1", *conv1).output;
      const std::string b = walk.record(prefix + ".conv2", walk.sole_conv_consumer(a, where)).output;
      const std::string c = walk.record(prefix + ".conv3", walk.sole_conv_consumer(b, where)).output;
      const std::string shortcut = project ? walk.record(prefix + ".downsample.0", *project).output : x;
      const auto* add = binary_consumer(g, "Add", c, shortcut);
      if (add == nullptr) walk.fail(where + " does not add its shortcut");
      const auto* relu = consumer_of_type(g, add->output(0), "Relu");
      if (relu == nullptr || g.consumers(add->output(0)).size() != 1)
        walk.fail(where + " lacks the ReLU after its sum");
      x = relu->output(0);
    }
  }
  return x;
}

constexpr RvmBackbone kBackbone = {"RVM ResNet50", rvm_resnet50::kArchitecture, rvm_resnet50::conv_layers,
                                   stem_mismatch, walk_backbone};

}  // namespace

extern const Recogniser kRvmResNet50Recogniser = rvm_recogniser<kBackbone>();

}  // namespace matte::convert
