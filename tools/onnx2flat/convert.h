// ONNX -> engine weight file conversion, and what every network's recogniser uses to convert: conv
// matching, BatchNorm folding, the checks against a layer table, the builder of the converted model.
// The network is recognised from the graph's structure (ops and how they connect, plus the graph's
// input/output names), never from initializer names, which change between exporter versions; each
// network's recogniser is registered in tools/onnx2flat/recognisers.cpp (recogniser.h).
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/weight_file.h"
#include "kernels/activation.h"
#include "models/common/conv_layer.h"
#include "tools/onnx2flat/onnx_graph.h"

namespace matte {

struct ConvertedModel {
  Metadata metadata;
  std::vector<WeightTensor> tensors;
};

// Reads, recognises and converts an ONNX file; throws Error naming `path` and the problem.
ConvertedModel convert_onnx(const std::string& path);
// The same for a file already in memory; `origin` names it in errors.
ConvertedModel convert_onnx_bytes(std::span<const uint8_t> bytes, const std::string& origin);

namespace convert {

inline constexpr int kFormatVersion = 1;
// The project version, recorded in every converted file.
std::string converter_version();

// The default-domain opset the model imports; -1 when it imports none.
int64_t default_opset(const onnx::ModelProto& model);

// "relu", "hardswish", ... for errors.
const char* act_name(Act act);

// A Conv and what follows it: an optional BatchNormalization to fold, then an activation.
struct ConvMatch {
  const onnx::NodeProto* conv = nullptr;
  const onnx::NodeProto* batchnorm = nullptr;
  Act act = Act::none;
  std::string output;  // the value after conv, batchnorm and activation
};
ConvMatch match_conv(const Graph& graph, const onnx::NodeProto& conv);

// Weight in ONNX layout [Cout][Cin/groups][kh][kw] and bias [Cout], BatchNormalization folded in.
// `bias` is empty when the conv has neither a bias nor a BatchNormalization.
struct ConvWeights {
  std::vector<int64_t> weight_shape;
  std::vector<float> weight;
  std::vector<float> bias;
};
ConvWeights conv_weights(const Graph& graph, const ConvMatch& match);

// The conv's attributes and activation against its table entry; throws Error naming the layer.
void check_layer(const Graph& graph, const ConvLayer& layer, const ConvMatch& m);

// Builds a ConvertedModel layer by layer, noting what the metadata records about the source.
class ModelBuilder {
 public:
  explicit ModelBuilder(const Graph& graph) : graph_(graph) {}
  // Checks `m` against `layer` (attributes, activation, weight shape, bias) and appends
  // "<name>.weight" and "<name>.bias".
  void add(const ConvLayer& layer, const ConvMatch& m);
  // The tensors added and the metadata; `settings` gains the fields every architecture records.
  ConvertedModel finish(const onnx::ModelProto& model, std::string_view architecture, const std::string& source_sha256,
                        nlohmann::json settings);

 private:
  const Graph& graph_;
  std::vector<WeightTensor> tensors_;
  int folded_ = 0;
  std::set<int> source_types_;
};

// Converts with the first registered recogniser that takes the graph; `source_sha256` is recorded
// in the metadata.
ConvertedModel convert_model(const onnx::ModelProto& model, const std::string& origin,
                             const std::string& source_sha256);

}  // namespace convert
}  // namespace matte
