#include "tools/onnx2flat/convert.h"

#include <cmath>
#include <map>

#include "engine/error.h"
#include "engine/sha256.h"
#include "tools/onnx2flat/recogniser.h"

namespace matte {

namespace convert {

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

namespace {

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

std::string converter_version() { return version(); }

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

std::vector<int64_t> ints_or(const onnx::NodeProto& node, const std::string& name, std::vector<int64_t> fallback) {
  auto v = ints_attribute(node, name);
  return v.empty() ? fallback : v;
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
  const Graph graph(model.graph(), origin);
  return recogniser_of(graph).convert(model, graph, source_sha256);
}

}  // namespace convert

ConvertedModel convert_onnx_bytes(std::span<const uint8_t> bytes, const std::string& origin) {
  const onnx::ModelProto model = convert::parse_onnx(bytes, origin);
  return convert::convert_model(model, origin, sha256_hex(bytes));
}

ConvertedModel convert_onnx(const std::string& path) { return convert_onnx_bytes(convert::read_onnx_file(path), path); }

}  // namespace matte
