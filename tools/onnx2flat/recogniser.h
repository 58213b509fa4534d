// The one interface between the converter and a network, and the registry of recognisers. Each
// network's folder (models/<name>/recognise.cpp) defines a Recogniser: how its graph is told from
// the others and how it is converted; adding a network is that file plus one line in
// tools/onnx2flat/recognisers.cpp. Files named *recognise*.cpp under models/ are the converter's
// (they need ONNX), not the runtime library's.
#pragma once

#include <onnx/onnx_pb.h>

#include <span>
#include <string>
#include <string_view>

#include "tools/onnx2flat/convert.h"

namespace matte::convert {

struct Recogniser {
  std::string_view title;  // in errors, e.g. "RVM MobileNetV3"
  // Why `graph` is not this network, from its structure and interface only (ops, how they connect,
  // the graph's input names; never initializer names); empty when it is. Cheap and lenient: the
  // conversion then explains in detail what does not fit the layer table.
  std::string (*mismatch)(const Graph& graph);
  // Converts a graph this network recognises; throws Error naming the file and the layer.
  ConvertedModel (*convert)(const onnx::ModelProto& model, const Graph& graph, const std::string& source_sha256);
};

// Every network the converter recognises, in the order they are tried and listed.
std::span<const Recogniser* const> recognisers();
// The first recogniser that takes `graph`; throws Error naming the file and, for each network,
// why it did not match.
const Recogniser& recogniser_of(const Graph& graph);

}  // namespace matte::convert
