#include "models/common/conv_layer.h"

#include "engine/error.h"

namespace matte {

const ConvLayer& find_layer(std::span<const ConvLayer> table, std::string_view name, std::string_view architecture) {
  for (const auto& layer : table) {
    if (layer.name == name) return layer;
  }
  throw Error(std::string(architecture) + " has no layer '" + std::string(name) + "'");
}

std::vector<int64_t> weight_shape(const ConvLayer& layer) {
  return {layer.cout, layer.cin / layer.groups, layer.kernel, layer.kernel};
}

std::string weight_name(const ConvLayer& layer) { return std::string(layer.name) + ".weight"; }
std::string bias_name(const ConvLayer& layer) { return std::string(layer.name) + ".bias"; }

}  // namespace matte
