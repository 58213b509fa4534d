#include "tools/onnx2flat/convert.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "engine/error.h"
#include "engine/sha256.h"
#include "models/rvm_resnet50/layers.h"
#include "tools/onnx2flat/convert_bgm.h"

#ifndef MATTE_VERSION
#error "MATTE_VERSION must be defined by the build"
#endif

namespace matte {

namespace convert {

namespace {

const char* act_name(Act act) {
  switch (act) {
    case Act::none:
      return "none";
    case Act::relu:
      return "relu";
    case Act::relu6:
      return "relu6";
    case Act::hardswish:
      return "hardswish";
    case Act::hardsigmoid:
      return "hardsigmoid";
    case Act::sigmoid:
      return "sigmoid";
    case Act::tanh:
      return "tanh";
  }
  return "?";
}

// PyTorch exports hardsigmoid and hardswish with alpha 1/6; ONNX's default alpha is 0.2.
void check_hardsigmoid(const Graph& graph, const onnx::NodeProto& node) {
  const float alpha = float_attribute(node, "alpha", 0.2f), beta = float_attribute(node, "beta", 0.5f);
  if (std::abs(alpha - 1.0f / 6.0f) > 1e-6f || std::abs(beta - 0.5f) > 1e-6f) {
    throw Error(graph.origin() + ": " + describe(node) + " has alpha " + std::to_string(alpha) + ", beta " +
                std::to_string(beta) + "; only x/6 + 1/2 is supported");
  }
}

// ReLU6 as PyTorch exports it: Clip with bounds 0 and 6, inputs from opset 11, attributes before.
bool is_relu6(const Graph& graph, const onnx::NodeProto& clip) {
  const auto bound = [&](int input, const char* attribute) -> std::optional<float> {
    if (clip.input_size() > input && !clip.input(input).empty()) return graph.scalar(clip.input(input));
    if (const auto* a = find_attribute(clip, attribute)) return a->f();
    return std::nullopt;
  };
  return clip.op_type() == "Clip" && bound(1, "min") == 0.0f && bound(2, "max") == 6.0f;
}

}  // namespace

std::string converter_version() { return MATTE_VERSION; }

int64_t default_opset(const onnx::ModelProto& model) {
  for (const auto& op : model.opset_import()) {
    if (op.domain().empty() || op.domain() == "ai.onnx") return op.version();
  }
  return -1;
}

ConvMatch match_conv(const Graph& graph, const onnx::NodeProto& conv) {
  ConvMatch m;
  m.conv = &conv;
  std::string v = conv.output(0);
  if (const auto& after = graph.consumers(v);
      after.size() == 1 && after[0]->op_type() == "BatchNormalization" && after[0]->input(0) == v) {
    m.batchnorm = after[0];
    v = m.batchnorm->output(0);
  }
  m.output = v;
  const auto& users = graph.consumers(v);
  if (users.size() == 1) {
    static const std::map<std::string, Act> unary = {{"Relu", Act::relu},
                                                     {"Sigmoid", Act::sigmoid},
                                                     {"Tanh", Act::tanh},
                                                     {"HardSwish", Act::hardswish},
                                                     {"HardSigmoid", Act::hardsigmoid}};
    if (const auto it = unary.find(users[0]->op_type()); it != unary.end()) {
      if (it->second == Act::hardsigmoid) check_hardsigmoid(graph, *users[0]);
      m.act = it->second;
      m.output = users[0]->output(0);
    } else if (users[0]->input(0) == v && is_relu6(graph, *users[0])) {
      m.act = Act::relu6;
      m.output = users[0]->output(0);
    }
  } else if (users.size() == 2) {
    // HardSwish exported as x * HardSigmoid(x).
    const bool first_is_hs = users[0]->op_type() == "HardSigmoid";
    const onnx::NodeProto* hs = first_is_hs ? users[0] : users[1];
    const onnx::NodeProto* mul = first_is_hs ? users[1] : users[0];
    if (hs->op_type() == "HardSigmoid" && mul->op_type() == "Mul" && mul->input_size() == 2) {
      const std::set<std::string> operands = {mul->input(0), mul->input(1)};
      if (operands == std::set<std::string>{v, hs->output(0)}) {
        check_hardsigmoid(graph, *hs);
        m.act = Act::hardswish;
        m.output = mul->output(0);
      }
    }
  }
  return m;
}

ConvWeights conv_weights(const Graph& graph, const ConvMatch& match) {
  const onnx::NodeProto& conv = *match.conv;
  const std::string what = graph.origin() + ": " + describe(conv);
  if (conv.input(1).empty()) throw Error(what + " has no weight input");
  ConvWeights w;
  w.weight_shape = graph.constant_dims(conv.input(1), conv);
  w.weight = graph.constant_values(conv.input(1), conv);
  if (w.weight_shape.size() != 4) throw Error(what + ": weight is " + shape_text(w.weight_shape) + ", not 4-D");
  if (w.weight_shape[0] == 0) throw Error(what + ": weight " + shape_text(w.weight_shape) + " has no output channels");
  const auto cout = static_cast<size_t>(w.weight_shape[0]);
  const auto check_per_channel = [&](const std::vector<float>& v, const std::string& name) {
    if (v.size() != cout) {
      throw Error(what + ": " + name + " has " + std::to_string(v.size()) + " values for " + std::to_string(cout) +
                  " output channels");
    }
  };
  if (conv.input_size() >= 3 && !conv.input(2).empty()) {
    w.bias = graph.constant_values(conv.input(2), conv);
    check_per_channel(w.bias, "bias");
  }
  if (match.batchnorm == nullptr) return w;

  const onnx::NodeProto& bn = *match.batchnorm;
  const auto scale = graph.constant_values(bn.input(1), bn), shift = graph.constant_values(bn.input(2), bn);
  const auto mean = graph.constant_values(bn.input(3), bn), var = graph.constant_values(bn.input(4), bn);
  for (const auto* v : {&scale, &shift, &mean, &var}) check_per_channel(*v, "BatchNormalization parameter");
  const double eps = float_attribute(bn, "epsilon", 1e-5f);
  if (w.bias.empty()) w.bias.assign(cout, 0.0f);
  const size_t per_channel = w.weight.size() / cout;
  for (size_t c = 0; c < cout; ++c) {
    const double s = scale[c] / std::sqrt(static_cast<double>(var[c]) + eps);
    for (size_t i = 0; i < per_channel; ++i) {
      float& x = w.weight[c * per_channel + i];
      x = static_cast<float>(x * s);
    }
    w.bias[c] = static_cast<float>((static_cast<double>(w.bias[c]) - mean[c]) * s + shift[c]);
  }
  return w;
}

namespace {

bool is_depthwise(const onnx::NodeProto& conv) { return int_attribute(conv, "group", 1) > 1; }

// "r" + 4 -> "r4", built by appending: GCC 12 warns falsely (-Wrestrict) on literal + std::string.
std::string numbered(std::string prefix, int k) {
  prefix += std::to_string(k);
  return prefix;
}

// Finds each RVM convolution by following the graph from its inputs and outputs and names it.
class RvmWalker {
 public:
  explicit RvmWalker(const Graph& graph) : g_(graph) {}

  // Known once the stem is: a 7×7 convolution followed by a max pool starts ResNet50.
  bool resnet50() const { return resnet50_; }
  std::string_view variant() const { return resnet50_ ? "RVM ResNet50" : "RVM MobileNetV3"; }

  // Layer name -> every Conv node computing it (the refiner's box filter is applied four times).
  std::map<std::string, std::vector<ConvMatch>> walk() {
    for (const char* name : {"src", "r1i", "r2i", "r3i", "r4i"}) {
      if (!has_value(g_.proto().input(), name)) fail(std::string("no graph input '") + name + "'");
    }
    for (const char* name : {"fgr", "pha", "r1o", "r2o", "r3o", "r4o"}) {
      if (!has_value(g_.proto().output(), name)) fail(std::string("no graph output '") + name + "'");
    }
    const std::string features = backbone();
    const std::string aspp_out = lraspp(features);
    const std::string decoded = decoder(aspp_out);
    refiner(decoded);
    for (const auto& node : g_.proto().node()) {
      if (node.op_type() == "Conv" && !assigned_.count(&node)) fail("unrecognised " + describe(node));
    }
    return std::move(layers_);
  }

 private:
  [[noreturn]] void fail(const std::string& detail) const {
    throw Error(g_.origin() + ": not an " + std::string(variant()) + " graph (" + detail + ")");
  }

  const ConvMatch& record(const std::string& name, const onnx::NodeProto& conv) {
    if (!assigned_.insert(&conv).second) fail(describe(conv) + " reached twice");
    auto& matches = layers_[name];
    if (!matches.empty() && name != "refiner.box_filter") fail("two convolutions for " + name);
    matches.push_back(match_conv(g_, conv));
    return matches.back();
  }

  const onnx::NodeProto& sole_conv_consumer(const std::string& value, const std::string& where) const {
    const onnx::NodeProto* found = nullptr;
    for (const auto* n : g_.consumers(value)) {
      if (n->op_type() != "Conv") continue;
      if (found != nullptr) fail("more than one Conv reads '" + value + "' in " + where);
      found = n;
    }
    if (found == nullptr) fail("no Conv reads '" + value + "' in " + where);
    return *found;
  }

  const onnx::NodeProto* consumer_of_type(const std::string& value, const std::string& op) const {
    for (const auto* n : g_.consumers(value)) {
      if (n->op_type() == op) return n;
    }
    return nullptr;
  }

  // The node of type `op` that combines values `a` and `b`.
  const onnx::NodeProto* binary_consumer(const std::string& op, const std::string& a, const std::string& b) const {
    for (const auto* n : g_.consumers(a)) {
      if (n->op_type() == op && n->input_size() == 2 &&
          std::set<std::string>{n->input(0), n->input(1)} == std::set<std::string>{a, b}) {
        return n;
      }
    }
    return nullptr;
  }

  // Convs reached from `value` through data-flow nodes other than Conv. Shape nodes carry sizes,
  // not data, so they are not followed; `preprocessing` restricts the walk to the ops that
  // normalise and resize the input image.
  std::vector<const onnx::NodeProto*> frontier(const std::string& value, bool preprocessing = false) const {
    static const std::set<std::string> preprocessing_ops = {"Resize", "Sub", "Div", "Mul", "Add", "Cast", "Identity"};
    std::vector<const onnx::NodeProto*> convs;
    std::set<std::string> seen = {value};
    std::vector<std::string> todo = {value};
    while (!todo.empty()) {
      const std::string v = todo.back();
      todo.pop_back();
      for (const auto* n : g_.consumers(v)) {
        if (n->op_type() == "Conv") {
          if (n->input(0) == v && std::find(convs.begin(), convs.end(), n) == convs.end()) convs.push_back(n);
          continue;
        }
        if (n->op_type() == "Shape" || (preprocessing && !preprocessing_ops.count(n->op_type()))) continue;
        for (const auto& out : n->output()) {
          if (seen.insert(out).second) todo.push_back(out);
        }
      }
    }
    return convs;
  }

  bool reaches(const std::string& from, const std::string& to) const {
    std::set<std::string> seen = {from};
    std::vector<std::string> todo = {from};
    while (!todo.empty()) {
      const std::string v = todo.back();
      todo.pop_back();
      if (v == to) return true;
      for (const auto* n : g_.consumers(v)) {
        if (n->op_type() == "Conv" || n->op_type() == "Shape") continue;
        for (const auto& out : n->output()) {
          if (seen.insert(out).second) todo.push_back(out);
        }
      }
    }
    return false;
  }

  const onnx::NodeProto& sole_frontier_conv(const std::string& value, const std::string& where) const {
    const auto convs = frontier(value);
    if (convs.size() != 1) fail(std::to_string(convs.size()) + " convolutions follow '" + value + "' in " + where);
    return *convs[0];
  }

  std::string backbone() {
    const auto stems = frontier("src", true);
    if (stems.size() != 1 || is_depthwise(*stems[0])) fail("no single stem convolution after the input normalisation");
    const std::string stem_out = match_conv(g_, *stems[0]).output;
    const auto* pool = consumer_of_type(stem_out, "MaxPool");
    resnet50_ = pool != nullptr && ints_attribute(*stems[0], "kernel_shape") == std::vector<int64_t>{7, 7};
    return resnet50_ ? resnet_backbone(*stems[0], *pool) : mobilenet_backbone(*stems[0]);
  }

  // ResNet50: stem, 3×3 stride-2 max pool, stages of bottlenecks (as many as the layer table
  // holds); returns the value after the last stage.
  std::string resnet_backbone(const onnx::NodeProto& stem, const onnx::NodeProto& pool) {
    record("backbone.conv1", stem);
    const bool pool_ok = ints_attribute(pool, "kernel_shape") == std::vector<int64_t>{3, 3} &&
                         ints_attribute(pool, "strides") == std::vector<int64_t>{2, 2} &&
                         ints_attribute(pool, "pads") == std::vector<int64_t>{1, 1, 1, 1} &&
                         int_attribute(pool, "ceil_mode", 0) == 0 && ints_attribute(pool, "dilations").empty();
    if (!pool_ok) fail("the stem's max pool is not 3x3 stride 2 padding 1");
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
        for (const auto* n1 : g_.consumers(x)) {
          if (n1->op_type() != "Conv") continue;
          const onnx::NodeProto*& slot = match_conv(g_, *n1).act == Act::relu ? conv1 : project;
          if (slot != nullptr)
            fail("more than one " + std::string(slot == conv1 ? "conv1" : "shortcut") + " in " + where);
          slot = n1;
        }
        if (conv1 == nullptr) fail("no conv1 in " + where);
        const std::string a = record(prefix + ".conv1", *conv1).output;
        const std::string b = record(prefix + ".conv2", sole_conv_consumer(a, where)).output;
        const std::string c = record(prefix + ".conv3", sole_conv_consumer(b, where)).output;
        const std::string shortcut = project ? record(prefix + ".downsample.0", *project).output : x;
        const auto* add = binary_consumer("Add", c, shortcut);
        if (add == nullptr) fail(where + " does not add its shortcut");
        const auto* relu = consumer_of_type(add->output(0), "Relu");
        if (relu == nullptr || g_.consumers(add->output(0)).size() != 1) fail(where + " lacks the ReLU after its sum");
        x = relu->output(0);
      }
    }
    return x;
  }

  // MobileNetV3-Large features 0..16; returns the value after features.16.
  std::string mobilenet_backbone(const onnx::NodeProto& stem) {
    std::string x = record("backbone.features.0.0", stem).output;
    for (int i = 1; i <= 15; ++i) {
      const std::string where = numbered("backbone block ", i);
      const std::string prefix = numbered("backbone.features.", i) + ".block.";
      int j = 0;
      const onnx::NodeProto* conv = &sole_conv_consumer(x, where);
      if (!is_depthwise(*conv)) {
        const std::string expanded = record(prefix + std::to_string(j++) + ".0", *conv).output;
        conv = &sole_conv_consumer(expanded, where);
      }
      std::string y = record(prefix + std::to_string(j++) + ".0", *conv).output;
      if (const auto* pool = consumer_of_type(y, "GlobalAveragePool")) {
        const std::string se = prefix + std::to_string(j++);
        const std::string squeezed = record(se + ".fc1", sole_conv_consumer(pool->output(0), where)).output;
        const std::string scale = record(se + ".fc2", sole_conv_consumer(squeezed, where)).output;
        const auto* mul = binary_consumer("Mul", y, scale);
        if (mul == nullptr) fail("squeeze-excitation of " + where + " does not scale its input");
        y = mul->output(0);
      }
      std::string out = record(prefix + std::to_string(j) + ".0", sole_conv_consumer(y, where)).output;
      if (const auto* add = binary_consumer("Add", out, x)) out = add->output(0);
      x = out;
    }
    return record("backbone.features.16.0", sole_conv_consumer(x, "backbone features.16")).output;
  }

  std::string lraspp(const std::string& features) {
    const std::string branch1 = record("aspp.aspp1.0", sole_conv_consumer(features, "LRASPP")).output;
    const auto* pool = consumer_of_type(features, "GlobalAveragePool");
    if (pool == nullptr) fail("no global pooling branch in LRASPP");
    const std::string branch2 = record("aspp.aspp2.1", sole_conv_consumer(pool->output(0), "LRASPP")).output;
    const auto* mul = binary_consumer("Mul", branch1, branch2);
    if (mul == nullptr) fail("LRASPP branches are not multiplied");
    return mul->output(0);
  }

  // ConvGRU k: the recurrent input rKi feeds exactly one gate conv (sigmoid) and one candidate
  // conv (tanh); both must also read the block's features `x`, and the state must reach rKo.
  void gru(int k, const std::string& x) {
    const std::string where = numbered("ConvGRU of decode", k);
    const std::string state_in = numbered("r", k) + "i", state_out = numbered("r", k) + "o";
    const onnx::NodeProto *ih = nullptr, *hh = nullptr;
    for (const auto* conv : frontier(state_in)) {
      const Act act = match_conv(g_, *conv).act;
      if (act != Act::sigmoid && act != Act::tanh) continue;  // the next block's conv
      const onnx::NodeProto*& slot = act == Act::sigmoid ? ih : hh;
      if (slot != nullptr) fail("two " + std::string(act_name(act)) + " convolutions in " + where);
      slot = conv;
    }
    if (ih == nullptr || hh == nullptr) fail(where + " lacks its sigmoid or tanh convolution");
    const auto from_x = frontier(x);
    for (const auto* conv : {ih, hh}) {
      if (std::find(from_x.begin(), from_x.end(), conv) == from_x.end())
        fail(where + " does not read its block's features");
    }
    const std::string prefix = numbered("decoder.decode", k) + ".gru.";
    record(prefix + "ih.0", *ih);
    if (!reaches(record(prefix + "hh.0", *hh).output, state_out)) fail(where + " does not produce " + state_out);
  }

  // Returns the value after decode0.
  std::string decoder(const std::string& aspp_out) {
    gru(4, aspp_out);
    for (int k = 3; k >= 1; --k) {
      const std::string where = numbered("decode", k);
      const std::string previous_state = numbered("r", k + 1) + "o";
      gru(k, record("decoder." + where + ".conv.0", sole_frontier_conv(previous_state, where)).output);
    }
    const std::string first = record("decoder.decode0.conv.0", sole_frontier_conv("r1o", "decode0")).output;
    return record("decoder.decode0.conv.3", sole_conv_consumer(first, "decode0")).output;
  }

  void refiner(const std::string& decoded) {
    const auto& project = sole_conv_consumer(decoded, "project_mat");
    const std::string coarse = record("project_mat.conv", project).output;
    const onnx::NodeProto* hidden = nullptr;
    for (const auto* conv : frontier(decoded)) {
      if (conv == &project) continue;
      if (hidden != nullptr) fail("more than one refiner convolution reads the decoder's features");
      hidden = conv;
    }
    if (hidden == nullptr) fail("no deep guided filter refiner");
    std::string x = record("refiner.conv.0", *hidden).output;
    x = record("refiner.conv.3", sole_conv_consumer(x, "refiner")).output;
    x = record("refiner.conv.6", sole_conv_consumer(x, "refiner")).output;
    if (!reaches(x, "pha") || !reaches(x, "fgr")) fail("the refiner does not produce fgr and pha");

    // The remaining convs are the box filter's applications: one weight, shared or duplicated by
    // the exporter. The coarse output is filtered directly.
    const auto filtered = frontier(coarse);
    if (filtered.empty()) fail("no box filter on the coarse output");
    const auto weight_of = [&](const onnx::NodeProto& conv) -> const onnx::TensorProto& {
      return g_.require_constant(conv.input(1), conv);
    };
    const onnx::TensorProto& box = weight_of(*filtered[0]);
    for (const auto& node : g_.proto().node()) {
      if (node.op_type() != "Conv" || assigned_.count(&node)) continue;
      const onnx::TensorProto& weight = weight_of(node);
      const bool same = &weight == &box || (tensor_dims(weight) == tensor_dims(box) &&
                                            tensor_values(weight, g_.origin()) == tensor_values(box, g_.origin()));
      if (!is_depthwise(node) || !same) fail("unrecognised " + describe(node));
      record("refiner.box_filter", node);
    }
  }

  const Graph& g_;
  bool resnet50_ = false;
  std::map<std::string, std::vector<ConvMatch>> layers_;
  std::set<const onnx::NodeProto*> assigned_;
};

std::vector<int64_t> ints_or(const onnx::NodeProto& node, const std::string& name, std::vector<int64_t> fallback) {
  auto v = ints_attribute(node, name);
  return v.empty() ? fallback : v;
}

ConvertedModel convert_rvm(const onnx::ModelProto& model, const std::string& origin, const std::string& source_sha256) {
  const Graph graph(model.graph(), origin);
  RvmWalker walker(graph);
  const auto layers = walker.walk();
  const auto table = walker.resnet50() ? rvm_resnet50::conv_layers() : rvm::conv_layers();
  const std::string what = origin + ": not an " + std::string(walker.variant()) + " graph (";
  for (const auto& [name, matches] : layers) {
    if (std::none_of(table.begin(), table.end(), [&](const ConvLayer& l) { return l.name == name; }))
      throw Error(what + "unexpected layer " + name + ")");
  }
  ModelBuilder builder(graph);
  for (const ConvLayer& layer : table) {
    const auto it = layers.find(std::string(layer.name));
    if (it == layers.end()) throw Error(what + "no layer " + std::string(layer.name) + ")");
    // Each application of the box filter must fit the table; the first one gives the weights.
    for (const ConvMatch& m : it->second) check_layer(graph, layer, m);
    builder.add(layer, it->second.front());
  }
  const bool runtime_downsample = has_value(model.graph().input(), "downsample_ratio");
  return builder.finish(
      model, walker.resnet50() ? rvm_resnet50::kArchitecture : rvm::kArchitecture, source_sha256,
      {{"refiner", "deep_guided_filter"}, {"downsample_ratio", runtime_downsample ? "input" : "none"}});
}

}  // namespace

void check_layer(const Graph& graph, const ConvLayer& layer, const ConvMatch& m) {
  const onnx::NodeProto& conv = *m.conv;
  const std::string what = graph.origin() + ": " + std::string(layer.name) + " (" + describe(conv) + ")";
  const auto expect = [&](const std::string& attr, const std::vector<int64_t>& got, const std::vector<int64_t>& want) {
    if (got != want) throw Error(what + ": " + attr + " " + shape_text(got) + ", expected " + shape_text(want));
  };
  const int64_t k = layer.kernel, s = layer.stride, d = layer.dilation, p = layer.pad;
  if (const auto* a = find_attribute(conv, "kernel_shape"))
    expect("kernel_shape", {a->ints().begin(), a->ints().end()}, {k, k});
  expect("strides", ints_or(conv, "strides", {1, 1}), {s, s});
  expect("dilations", ints_or(conv, "dilations", {1, 1}), {d, d});
  const std::string auto_pad = find_attribute(conv, "auto_pad") ? find_attribute(conv, "auto_pad")->s() : "NOTSET";
  if (auto_pad != "NOTSET" && !(auto_pad == "VALID" && p == 0))
    throw Error(what + ": auto_pad " + auto_pad + " is not supported");
  expect("pads", ints_or(conv, "pads", {0, 0, 0, 0}), {p, p, p, p});
  expect("group", {int_attribute(conv, "group", 1)}, {layer.groups});
  if (m.act != layer.act) {
    throw Error(what + ": followed by activation " + act_name(m.act) + ", expected " + act_name(layer.act));
  }
}

void ModelBuilder::add(const ConvLayer& layer, const ConvMatch& m) {
  check_layer(graph_, layer, m);
  const std::string what = graph_.origin() + ": " + std::string(layer.name) + " (" + describe(*m.conv) + ")";
  if (const auto dims = graph_.constant_dims(m.conv->input(1), *m.conv); dims != weight_shape(layer)) {
    throw Error(what + ": weight shape " + shape_text(dims) + ", expected " + shape_text(weight_shape(layer)));
  }
  ConvWeights w = conv_weights(graph_, m);
  if (w.bias.empty() == layer.bias) throw Error(what + (layer.bias ? ": bias missing" : ": unexpected bias"));
  folded_ += m.batchnorm != nullptr;
  source_types_.insert(graph_.require_constant(m.conv->input(1), *m.conv).data_type());
  tensors_.push_back({weight_name(layer), std::move(w.weight_shape), std::move(w.weight)});
  if (layer.bias) tensors_.push_back({bias_name(layer), {layer.cout}, std::move(w.bias)});
}

ConvertedModel ModelBuilder::finish(const onnx::ModelProto& model, std::string_view architecture,
                                    const std::string& source_sha256, nlohmann::json settings) {
  std::string precision = "mixed";
  if (source_types_ == std::set<int>{onnx::TensorProto::FLOAT}) precision = "float32";
  if (source_types_ == std::set<int>{onnx::TensorProto::FLOAT16}) precision = "float16";
  settings["weight_layout"] = "OIHW";
  settings["source_precision"] = precision;
  settings["batchnorm_folded_by_converter"] = folded_;
  settings["source_producer"] = model.producer_name() + " " + model.producer_version();
  const int64_t opset = default_opset(model);
  ConvertedModel out;
  out.tensors = std::move(tensors_);
  out.metadata = {
      {"architecture", std::string(architecture)},
      {"format_version", std::to_string(kFormatVersion)},
      {"converter_version", converter_version()},
      {"source_sha256", source_sha256},
      {"source_opset", opset < 0 ? "unknown" : std::to_string(opset)},
      {"settings", settings.dump()},
  };
  return out;
}

ConvertedModel convert_model(const onnx::ModelProto& model, const std::string& origin,
                             const std::string& source_sha256) {
  const auto& inputs = model.graph().input();
  if (is_bgm_graph(model.graph())) return convert_bgm(model, origin, source_sha256);
  if (!has_value(inputs, "r1i")) {
    std::string names;
    for (const auto& v : inputs) names += (names.empty() ? "" : " ") + v.name();
    throw Error(origin + ": neither an RVM (MobileNetV3, ResNet50) nor a BGMv2 MobileNetV2 graph (inputs: " +
                (names.empty() ? "none" : names) + ")");
  }
  return convert_rvm(model, origin, source_sha256);
}

}  // namespace convert

ConvertedModel convert_onnx_bytes(std::span<const uint8_t> bytes, const std::string& origin) {
  const onnx::ModelProto model = convert::parse_onnx(bytes, origin);
  return convert::convert_model(model, origin, sha256_hex(bytes));
}

ConvertedModel convert_onnx(const std::string& path) { return convert_onnx_bytes(convert::read_onnx_file(path), path); }

}  // namespace matte
