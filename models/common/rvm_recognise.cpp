#include "models/common/rvm_recognise.h"

#include <algorithm>

#include "engine/error.h"

namespace matte::convert {

namespace {

// Convs reached from `value` through data-flow nodes other than Conv. Shape nodes carry sizes,
// not data, so they are not followed; `preprocessing` restricts the walk to the ops that
// normalise and resize the input image.
std::vector<const onnx::NodeProto*> frontier(const Graph& g, const std::string& value, bool preprocessing = false) {
  static const std::set<std::string> preprocessing_ops = {"Resize", "Sub", "Div", "Mul", "Add", "Cast", "Identity"};
  std::vector<const onnx::NodeProto*> convs;
  std::set<std::string> seen = {value};
  std::vector<std::string> todo = {value};
  while (!todo.empty()) {
    const std::string v = todo.back();
    todo.pop_back();
    for (const auto* n : g.consumers(v)) {
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

bool reaches(const Graph& g, const std::string& from, const std::string& to) {
  std::set<std::string> seen = {from};
  std::vector<std::string> todo = {from};
  while (!todo.empty()) {
    const std::string v = todo.back();
    todo.pop_back();
    if (v == to) return true;
    for (const auto* n : g.consumers(v)) {
      if (n->op_type() == "Conv" || n->op_type() == "Shape") continue;
      for (const auto& out : n->output()) {
        if (seen.insert(out).second) todo.push_back(out);
      }
    }
  }
  return false;
}

// The single full (not depthwise) convolution after the input normalisation; nullptr otherwise.
const onnx::NodeProto* stem_of(const Graph& g) {
  const auto stems = frontier(g, "src", true);
  return stems.size() == 1 && !is_depthwise(*stems[0]) ? stems[0] : nullptr;
}

constexpr const char* kNoStem = "no single stem convolution after the input normalisation";

}  // namespace

std::string numbered(std::string prefix, int k) {
  prefix += std::to_string(k);
  return prefix;
}

bool is_depthwise(const onnx::NodeProto& conv) { return int_attribute(conv, "group", 1) > 1; }

const onnx::NodeProto* consumer_of_type(const Graph& graph, const std::string& value, const std::string& op) {
  for (const auto* n : graph.consumers(value)) {
    if (n->op_type() == op) return n;
  }
  return nullptr;
}

const onnx::NodeProto* binary_consumer(const Graph& graph, const std::string& op, const std::string& a,
                                       const std::string& b) {
  for (const auto* n : graph.consumers(a)) {
    if (n->op_type() == op && n->input_size() == 2 &&
        std::set<std::string>{n->input(0), n->input(1)} == std::set<std::string>{a, b}) {
      return n;
    }
  }
  return nullptr;
}

std::string rvm_mismatch(const Graph& graph, const RvmBackbone& backbone) {
  for (const char* name : {"src", "r1i", "r2i", "r3i", "r4i"}) {
    if (!has_value(graph.proto().input(), name)) return std::string("no graph input '") + name + "'";
  }
  const onnx::NodeProto* stem = stem_of(graph);
  return stem == nullptr ? kNoStem : backbone.stem_mismatch(graph, *stem);
}

void RvmWalk::fail(const std::string& detail) const {
  throw Error(g_.origin() + ": not an " + std::string(title_) + " graph (" + detail + ")");
}

const ConvMatch& RvmWalk::record(const std::string& name, const onnx::NodeProto& conv) {
  if (!assigned_.insert(&conv).second) fail(describe(conv) + " reached twice");
  auto& matches = layers_[name];
  if (!matches.empty() && name != "refiner.box_filter") fail("two convolutions for " + name);
  matches.push_back(match_conv(g_, conv));
  return matches.back();
}

const onnx::NodeProto& RvmWalk::sole_conv_consumer(const std::string& value, const std::string& where) const {
  const onnx::NodeProto* found = nullptr;
  for (const auto* n : g_.consumers(value)) {
    if (n->op_type() != "Conv") continue;
    if (found != nullptr) fail("more than one Conv reads '" + value + "' in " + where);
    found = n;
  }
  if (found == nullptr) fail("no Conv reads '" + value + "' in " + where);
  return *found;
}

const onnx::NodeProto& RvmWalk::sole_frontier_conv(const std::string& value, const std::string& where) const {
  const auto convs = frontier(g_, value);
  if (convs.size() != 1) fail(std::to_string(convs.size()) + " convolutions follow '" + value + "' in " + where);
  return *convs[0];
}

RvmLayers RvmWalk::walk(const RvmBackbone& backbone) {
  if (const std::string why = rvm_mismatch(g_, backbone); !why.empty()) fail(why);
  for (const char* name : {"fgr", "pha", "r1o", "r2o", "r3o", "r4o"}) {
    if (!has_value(g_.proto().output(), name)) fail(std::string("no graph output '") + name + "'");
  }
  const std::string features = backbone.walk(*this, *stem_of(g_));
  const std::string aspp_out = lraspp(features);
  const std::string decoded = decoder(aspp_out);
  refiner(decoded);
  for (const auto& node : g_.proto().node()) {
    if (node.op_type() == "Conv" && !assigned_.count(&node)) fail("unrecognised " + describe(node));
  }
  return std::move(layers_);
}

std::string RvmWalk::lraspp(const std::string& features) {
  const std::string branch1 = record("aspp.aspp1.0", sole_conv_consumer(features, "LRASPP")).output;
  const auto* pool = consumer_of_type(g_, features, "GlobalAveragePool");
  if (pool == nullptr) fail("no global pooling branch in LRASPP");
  const std::string branch2 = record("aspp.aspp2.1", sole_conv_consumer(pool->output(0), "LRASPP")).output;
  const auto* mul = binary_consumer(g_, "Mul", branch1, branch2);
  if (mul == nullptr) fail("LRASPP branches are not multiplied");
  return mul->output(0);
}

// ConvGRU k: the recurrent input rKi feeds exactly one gate conv (sigmoid) and one candidate
// conv (tanh); both must also read the block's features `x`, and the state must reach rKo.
void RvmWalk::gru(int k, const std::string& x) {
  const std::string where = numbered("ConvGRU of decode", k);
  const std::string state_in = numbered("r", k) + "i", state_out = numbered("r", k) + "o";
  const onnx::NodeProto *ih = nullptr, *hh = nullptr;
  for (const auto* conv : frontier(g_, state_in)) {
    const Act act = match_conv(g_, *conv).act;
    if (act != Act::sigmoid && act != Act::tanh) continue;  // the next block's conv
    const onnx::NodeProto*& slot = act == Act::sigmoid ? ih : hh;
    if (slot != nullptr) fail("two " + std::string(act_name(act)) + " convolutions in " + where);
    slot = conv;
  }
  if (ih == nullptr || hh == nullptr) fail(where + " lacks its sigmoid or tanh convolution");
  const auto from_x = frontier(g_, x);
  for (const auto* conv : {ih, hh}) {
    if (std::find(from_x.begin(), from_x.end(), conv) == from_x.end())
      fail(where + " does not read its block's features");
  }
  const std::string prefix = numbered("decoder.decode", k) + ".gru.";
  record(prefix + "ih.0", *ih);
  if (!reaches(g_, record(prefix + "hh.0", *hh).output, state_out)) fail(where + " does not produce " + state_out);
}

// Returns the value after decode0.
std::string RvmWalk::decoder(const std::string& aspp_out) {
  gru(4, aspp_out);
  for (int k = 3; k >= 1; --k) {
    const std::string where = numbered("decode", k);
    const std::string previous_state = numbered("r", k + 1) + "o";
    gru(k, record("decoder." + where + ".conv.0", sole_frontier_conv(previous_state, where)).output);
  }
  const std::string first = record("decoder.decode0.conv.0", sole_frontier_conv("r1o", "decode0")).output;
  return record("decoder.decode0.conv.3", sole_conv_consumer(first, "decode0")).output;
}

void RvmWalk::refiner(const std::string& decoded) {
  const auto& project = sole_conv_consumer(decoded, "project_mat");
  const std::string coarse = record("project_mat.conv", project).output;
  const onnx::NodeProto* hidden = nullptr;
  for (const auto* conv : frontier(g_, decoded)) {
    if (conv == &project) continue;
    if (hidden != nullptr) fail("more than one refiner convolution reads the decoder's features");
    hidden = conv;
  }
  if (hidden == nullptr) fail("no deep guided filter refiner");
  std::string x = record("refiner.conv.0", *hidden).output;
  x = record("refiner.conv.3", sole_conv_consumer(x, "refiner")).output;
  x = record("refiner.conv.6", sole_conv_consumer(x, "refiner")).output;
  if (!reaches(g_, x, "pha") || !reaches(g_, x, "fgr")) fail("the refiner does not produce fgr and pha");

  // The remaining convs are the box filter's applications: one weight, shared or duplicated by
  // the exporter. The coarse output is filtered directly.
  const auto filtered = frontier(g_, coarse);
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

ConvertedModel convert_rvm(const onnx::ModelProto& model, const Graph& graph, const std::string& source_sha256,
                           const RvmBackbone& backbone) {
  RvmWalk walker(graph, backbone.title);
  const RvmLayers layers = walker.walk(backbone);
  const auto table = backbone.conv_layers();
  for (const auto& [name, matches] : layers) {
    if (std::none_of(table.begin(), table.end(), [&](const ConvLayer& l) { return l.name == name; }))
      walker.fail("unexpected layer " + name);
  }
  ModelBuilder builder(graph);
  for (const ConvLayer& layer : table) {
    const auto it = layers.find(std::string(layer.name));
    if (it == layers.end()) walker.fail("no layer " + std::string(layer.name));
    // Each application of the box filter must fit the table; the first one gives the weights.
    for (const ConvMatch& m : it->second) check_layer(graph, layer, m);
    builder.add(layer, it->second.front());
  }
  const bool runtime_downsample = has_value(model.graph().input(), "downsample_ratio");
  return builder.finish(
      model, backbone.architecture, source_sha256,
      {{"refiner", "deep_guided_filter"}, {"downsample_ratio", runtime_downsample ? "input" : "none"}});
}

}  // namespace matte::convert
