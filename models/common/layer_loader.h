// Creates a network's layers from a weight file, each tensor checked against the layer table.
#pragma once

#include <span>
#include <string_view>

#include "engine/layers.h"
#include "engine/weight_file.h"
#include "models/common/conv_layer.h"

namespace matte {

struct LayerLoader {
  const WeightFile& file;
  std::span<const ConvLayer> table;
  std::string_view architecture;

  const ConvLayer& layer(std::string_view name) const { return find_layer(table, name, architecture); }
  std::span<const float> weights(const ConvLayer& l) const { return file.tensor(weight_name(l), weight_shape(l)); }
  std::span<const float> bias(const ConvLayer& l) const {
    if (!l.bias) return {};
    return file.tensor(bias_name(l), {l.cout});
  }
  PointwiseConv pointwise(std::string_view name) const {
    const ConvLayer& l = layer(name);
    return PointwiseConv(l.cin, l.cout, weights(l), bias(l), l.act);
  }
  DepthwiseConv depthwise(std::string_view name) const {
    const ConvLayer& l = layer(name);
    return DepthwiseConv(l.cin, l.kernel, l.stride, l.dilation, l.pad, weights(l), bias(l), l.act);
  }
  DenseConv dense(std::string_view name) const {
    const ConvLayer& l = layer(name);
    return DenseConv(l.cin, l.cout, l.kernel, l.stride, l.dilation, l.pad, weights(l), bias(l), l.act);
  }
};

}  // namespace matte
