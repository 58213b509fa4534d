// The converter's recogniser for BackgroundMattingV2 MobileNetV2: the Conv nodes in graph order
// 1:1 with the layer table, and the settings the exporter baked into the graph (backbone_scale,
// refine_mode, sample_pixels, threshold, outputs) read from it.
#include <algorithm>
#include <charconv>
#include <limits>
#include <set>

#include "engine/error.h"
#include "models/bgm_mobilenetv2/bgm.h"
#include "models/bgm_mobilenetv2/layers.h"
#include "models/bgm_mobilenetv2/recognise_crops.h"
#include "tools/onnx2flat/recogniser.h"

namespace matte::convert {

namespace {

[[noreturn]] void fail(const Graph& g, const std::string& detail) {
  throw Error(g.origin() + ": not a BGMv2 MobileNetV2 graph (" + detail + ")");
}

std::vector<const onnx::NodeProto*> nodes_of(const Graph& g, const std::string& op) {
  std::vector<const onnx::NodeProto*> out;
  for (const auto& n : g.proto().node()) {
    if (n.op_type() == op) out.push_back(&n);
  }
  return out;
}

// The float's shortest decimal form, so that 0.1f is recorded as 0.1 and not 0.10000000149011612.
double decimal(float x) {
  char text[32];
  const auto end = std::to_chars(text, text + sizeof text, x).ptr;
  double out = 0;
  std::from_chars(text, end, out);
  return out;
}

// Every Conv in graph order against the table. Topological order fixes every layer but the ASPP
// branches, so the two alike 1x1 ones (plain and image pooling) are told apart by their input.
void add_layers(const Graph& g, ModelBuilder& builder) {
  const auto convs = nodes_of(g, "Conv");
  const auto table = bgm::conv_layers();
  for (size_t i = 0; i < std::min(convs.size(), table.size()); ++i) builder.add(table[i], match_conv(g, *convs[i]));
  if (convs.size() < table.size()) fail(g, "no convolution for " + std::string(table[convs.size()].name));
  if (convs.size() > table.size()) {
    fail(g, "unexpected " + describe(*convs[table.size()]) + " after " + std::string(table.back().name));
  }
  const auto conv_of = [&](std::string_view name) {
    const auto it = std::find_if(table.begin(), table.end(), [&](const auto& l) { return l.name == name; });
    return convs[static_cast<size_t>(it - table.begin())];
  };
  const onnx::NodeProto* pool = g.producer(conv_of("aspp.convs.4.1")->input(0));
  if (pool == nullptr || pool->op_type() != "GlobalAveragePool" ||
      conv_of("aspp.convs.0.0")->input(0) != pool->input(0))
    fail(g, "aspp.convs.4.1 is not the image pooling branch beside aspp.convs.0.0");
}

// The scale of the first Resize of src: its constant `scales`, or the constant that multiplies
// the frame size on the way to its `sizes` (PyTorch's recompute_scale_factor export).
float backbone_scale(const Graph& g) {
  const auto resizes = nodes_of(g, "Resize");
  const auto it = std::find_if(resizes.begin(), resizes.end(), [](const auto* n) { return n->input(0) == "src"; });
  if (it == resizes.end()) fail(g, "src is not resized for the backbone");
  const onnx::NodeProto& resize = **it;
  // Opset 10 takes (X, scales); later opsets (X, roi, scales, sizes), one of scales and sizes empty.
  const int scales_input = resize.input_size() == 2 ? 1 : 2;
  if (const auto* t = resize.input_size() > scales_input ? g.constant(resize.input(scales_input)) : nullptr;
      t != nullptr && tensor_dims(*t) == std::vector<int64_t>{4}) {
    const auto s = tensor_values(*t, g.origin());
    if (s[0] != 1.0f || s[1] != 1.0f || s[2] != s[3]) fail(g, describe(resize) + " does not scale both axes alike");
    if (!(s[2] > 0.0f && s[2] <= 1.0f))
      fail(g, describe(resize) + " scales by " + std::to_string(s[2]) + ", not in (0, 1]");
    return s[2];
  }
  if (resize.input_size() < 4 || resize.input(3).empty())
    fail(g, describe(resize) + " has no constant scales or sizes");
  std::set<float> scales;
  std::set<std::string> seen;
  std::vector<std::string> todo = {resize.input(3)};
  while (!todo.empty()) {
    const auto* n = g.producer(todo.back());
    todo.pop_back();
    if (n == nullptr) continue;
    if (n->op_type() == "Mul" && n->input_size() == 2) {
      for (const auto& in : n->input()) {
        if (const auto c = g.scalar(in)) scales.insert(*c);
      }
    } else if (n->op_type() == "Div" && n->input_size() == 2) {
      if (const auto c = g.scalar(n->input(1))) scales.insert(1.0f / *c);
    }
    for (const auto& in : n->input()) {
      if (!in.empty() && seen.insert(in).second) todo.push_back(in);
    }
  }
  if (scales.size() != 1 || !(*scales.begin() > 0.0f && *scales.begin() <= 1.0f)) {
    fail(g, "no single scale in (0, 1] computes the sizes of " + describe(resize));
  }
  return *scales.begin();
}

// refine_mode and its parameters. Absent ones keep the BGMv2 defaults, so the engine can still
// switch mode at run time. Sampling also compares the error with 0 (oversampling guard): a TopK
// decides the mode before any Greater.
nlohmann::json refine_settings(const Graph& g) {
  const bgm::Settings defaults;
  nlohmann::json s = {
      {"refine_mode", "full"}, {"sample_pixels", defaults.sample_pixels}, {"threshold", decimal(defaults.threshold)}};
  const auto topk = nodes_of(g, "TopK");
  if (topk.size() > 1) fail(g, "more than one TopK");
  if (topk.size() == 1) {
    const onnx::NodeProto& n = *topk[0];
    const auto* k = n.input_size() > 1 ? g.constant(n.input(1)) : nullptr;
    const auto values = k != nullptr ? tensor_ints(*k, g.origin()) : std::vector<int64_t>{};
    if (values.size() != 1 || values[0] <= 0) fail(g, describe(n) + " has no constant k");
    // The engine counts sample pixels (16 per patch) in an int.
    if (values[0] > std::numeric_limits<int>::max() / 16)
      fail(g, describe(n) + " has k " + std::to_string(values[0]) + ", too large");
    s["refine_mode"] = "sampling";
    s["sample_pixels"] = values[0] * 16;  // k is the number of 4x4 patches
    return s;
  }
  std::vector<float> thresholds;
  for (const auto* n : nodes_of(g, "Greater")) {
    if (const auto c = n->input_size() == 2 ? g.scalar(n->input(1)) : std::nullopt) thresholds.push_back(*c);
  }
  if (thresholds.size() > 1) fail(g, "more than one Greater against a constant");
  if (thresholds.size() == 1) {
    s["refine_mode"] = "thresholding";
    s["threshold"] = decimal(thresholds[0]);
  } else if (!nodes_of(g, "RoiAlign").empty()) {
    fail(g, "patches are cropped but chosen by neither TopK nor a threshold");
  }
  return s;
}

// BGMv2's graph inputs: src and bgr (the plate), and no recurrent state.
std::string mismatch(const Graph& g) {
  for (const char* name : {"src", "bgr"}) {
    if (!has_value(g.proto().input(), name)) return std::string("no graph input '") + name + "'";
  }
  return has_value(g.proto().input(), "r1i") ? "a recurrent state input 'r1i'" : "";
}

// Throws Error naming the file (and the layer) at the first mismatch.
ConvertedModel convert(const onnx::ModelProto& model, const Graph& g, const std::string& source_sha256) {
  std::string outputs;
  for (const auto& v : model.graph().output()) outputs += (outputs.empty() ? "" : ",") + v.name();
  for (const char* name : {"pha", "fgr"}) {
    if (!has_value(model.graph().output(), name)) fail(g, std::string("no graph output '") + name + "'");
  }
  ModelBuilder builder(g);
  add_layers(g, builder);
  check_patch_crops(g, default_opset(model));
  nlohmann::json settings = refine_settings(g);
  settings["backbone_scale"] = decimal(backbone_scale(g));
  settings["kernel_size"] = bgm::conv_layer("refiner.conv1").kernel;
  settings["outputs"] = outputs;
  return builder.finish(model, bgm::kArchitecture, source_sha256, std::move(settings));
}

}  // namespace

extern const Recogniser kBgmMobileNetV2Recogniser{"BGMv2 MobileNetV2", mismatch, convert};

}  // namespace matte::convert
