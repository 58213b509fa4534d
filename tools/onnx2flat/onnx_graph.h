// Reading ONNX files: parsing, tensor data in any storage the exporters use, and a graph index
// (who produces and who consumes each value) for walking the network's structure.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

namespace matte::convert {

// The whole file, refused before reading when protobuf could not parse it (2 GB and over); throws
// Error naming `path`.
std::vector<uint8_t> read_onnx_file(const std::string& path);
// Throws Error naming `origin` when the bytes are not a complete ONNX model with a graph. Parsing
// costs memory in proportion to the bytes (protobuf's nesting limit bounds the depth).
onnx::ModelProto parse_onnx(std::span<const uint8_t> bytes, const std::string& origin);

// Values of a FLOAT, FLOAT16 or BFLOAT16 tensor stored as raw_data, float_data or int32_data
// (fp16 bit patterns). Throws Error naming `origin` (the file, maybe with the node reading the
// tensor) for other types, external data, or dims that do not match the data present; the
// sizes are compared before anything is allocated, so the cost is bounded by the file's size.
std::vector<float> tensor_values(const onnx::TensorProto& tensor, const std::string& origin);
std::vector<int64_t> tensor_dims(const onnx::TensorProto& tensor);
// Values of an INT64 or INT32 tensor (raw_data or the typed field), checked alike.
std::vector<int64_t> tensor_ints(const onnx::TensorProto& tensor, const std::string& origin);

float half_to_float(uint16_t bits);

const onnx::AttributeProto* find_attribute(const onnx::NodeProto& node, const std::string& name);
int64_t int_attribute(const onnx::NodeProto& node, const std::string& name, int64_t fallback);
float float_attribute(const onnx::NodeProto& node, const std::string& name, float fallback);
std::vector<int64_t> ints_attribute(const onnx::NodeProto& node, const std::string& name);

// Whether a graph input or output list has a value of this name.
bool has_value(const google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>& values, const std::string& name);

class Graph {
 public:
  // Throws Error naming `origin` and the node when a node lacks an output, or inputs its op
  // requires: the converter indexes those without further checks.
  Graph(const onnx::GraphProto& graph, std::string origin);

  const onnx::GraphProto& proto() const { return graph_; }
  const std::string& origin() const { return origin_; }
  // nullptr for graph inputs, initializers and names nothing produces.
  const onnx::NodeProto* producer(const std::string& value) const;
  const std::vector<const onnx::NodeProto*>& consumers(const std::string& value) const;
  // An initializer or a Constant node's value, also through Identity or Cast-to-float; nullptr
  // when `value` is computed.
  const onnx::TensorProto* constant(const std::string& value) const;
  // These throw Error naming `user` when the constant is absent or its data is malformed.
  const onnx::TensorProto& require_constant(const std::string& value, const onnx::NodeProto& user) const;
  std::vector<float> constant_values(const std::string& value, const onnx::NodeProto& user) const;
  std::vector<int64_t> constant_dims(const std::string& value, const onnx::NodeProto& user) const;
  // The value of a one-element floating-point constant; nullopt for anything else.
  std::optional<float> scalar(const std::string& value) const;

 private:
  const onnx::GraphProto& graph_;
  std::string origin_;
  std::map<std::string, const onnx::NodeProto*> producers_;
  std::map<std::string, std::vector<const onnx::NodeProto*>> consumers_;
  std::map<std::string, const onnx::TensorProto*> constants_;
};

// Human-readable listing: opset, inputs/outputs, initializer shapes, every node with attributes.
void dump_model(const onnx::ModelProto& model, std::ostream& out);

// "Conv 'name' (output 'x')" for error messages; exporters often leave node names empty.
std::string describe(const onnx::NodeProto& node);

}  // namespace matte::convert
