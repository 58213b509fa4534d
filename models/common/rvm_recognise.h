// The converter's walk of an RVM graph, shared by its backbones: the graph's interface, the stem,
// and the head (LRASPP, the decoder's blocks and ConvGRUs, the deep guided filter), each
// convolution found by following the graph from its inputs and outputs and named after the layer
// table. Each backbone's recogniser (models/rvm_*/recognise.cpp) walks its own layers from the stem.
// Converter only (ONNX): not part of the runtime library.
#pragma once

#include <onnx/onnx_pb.h>

#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/common/conv_layer.h"
#include "tools/onnx2flat/convert.h"
#include "tools/onnx2flat/recogniser.h"

namespace matte::convert {

class RvmWalk;

// What tells one RVM backbone from another and walks it.
struct RvmBackbone {
  std::string_view title;  // "RVM MobileNetV3": errors read "not an <title> graph (...)"
  std::string_view architecture;
  std::span<const ConvLayer> (*conv_layers)();
  // Why `stem` (the first convolution after the input normalisation) is not this backbone's; empty
  // when it is.
  std::string (*stem_mismatch)(const Graph& graph, const onnx::NodeProto& stem);
  // Records the backbone's convolutions from the stem; returns the value after the last one.
  std::string (*walk)(RvmWalk& walk, const onnx::NodeProto& stem);
};

// Why `graph` is not an RVM graph with `backbone` (its inputs, its stem); empty when it is.
std::string rvm_mismatch(const Graph& graph, const RvmBackbone& backbone);
// Walks the graph, checks every convolution against the backbone's table and converts it.
ConvertedModel convert_rvm(const onnx::ModelProto& model, const Graph& graph, const std::string& source_sha256,
                           const RvmBackbone& backbone);

// The recogniser of an RVM graph with `backbone`, for the registry.
template <const RvmBackbone& backbone>
constexpr Recogniser rvm_recogniser() {
  return {backbone.title, [](const Graph& graph) { return rvm_mismatch(graph, backbone); },
          [](const onnx::ModelProto& model, const Graph& graph, const std::string& source_sha256) {
            return convert_rvm(model, graph, source_sha256, backbone);
          }};
}

// "r" + 4 -> "r4", built by appending: GCC 12 warns falsely (-Wrestrict) on literal + std::string.
std::string numbered(std::string prefix, int k);
bool is_depthwise(const onnx::NodeProto& conv);
// A node of type `op` reading `value`; nullptr when there is none.
const onnx::NodeProto* consumer_of_type(const Graph& graph, const std::string& value, const std::string& op);
// The node of type `op` that combines values `a` and `b`; nullptr when there is none.
const onnx::NodeProto* binary_consumer(const Graph& graph, const std::string& op, const std::string& a,
                                       const std::string& b);

// Layer name -> every Conv node computing it (the refiner's box filter is applied four times).
using RvmLayers = std::map<std::string, std::vector<ConvMatch>>;

class RvmWalk {
 public:
  RvmWalk(const Graph& graph, std::string_view title) : g_(graph), title_(title) {}

  // The whole graph: interface, `backbone` from the stem, head, and no convolution left over.
  RvmLayers walk(const RvmBackbone& backbone);

  // For the backbones' walks.
  const Graph& graph() const { return g_; }
  [[noreturn]] void fail(const std::string& detail) const;
  // Names `conv` as layer `name`; fails when either is taken already.
  const ConvMatch& record(const std::string& name, const onnx::NodeProto& conv);
  const onnx::NodeProto& sole_conv_consumer(const std::string& value, const std::string& where) const;

 private:
  const onnx::NodeProto& sole_frontier_conv(const std::string& value, const std::string& where) const;
  std::string lraspp(const std::string& features);
  void gru(int k, const std::string& x);
  std::string decoder(const std::string& aspp_out);
  void refiner(const std::string& decoded);

  const Graph& g_;
  std::string_view title_;
  RvmLayers layers_;
  std::set<const onnx::NodeProto*> assigned_;
};

}  // namespace matte::convert
