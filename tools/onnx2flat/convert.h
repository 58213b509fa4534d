// ONNX -> engine weight file conversion for RVM MobileNetV3. The network is recognised from the
// graph's structure (ops and how they connect, plus the graph's input/output names), never from
// initializer names, which change between exporter versions.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/weight_file.h"
#include "kernels/activation.h"
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

// `source_sha256` is recorded in the metadata.
ConvertedModel convert_model(const onnx::ModelProto& model, const std::string& origin,
                             const std::string& source_sha256);

}  // namespace convert
}  // namespace matte
