// The record every network's layer table is made of: one convolution as the converter checks it
// and the engine creates it. Names are the PyTorch module paths of the network's code.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/activation.h"

namespace matte {

struct ConvLayer {
  std::string_view name;
  int cin, cout;
  int kernel;  // square kernels only
  int stride, dilation, groups;
  int pad;  // on every side
  bool bias;
  Act act;  // applied right after the conv (and its folded BN)
};

// Throws Error naming `architecture` for a name not in `table`.
const ConvLayer& find_layer(std::span<const ConvLayer> table, std::string_view name, std::string_view architecture);

std::vector<int64_t> weight_shape(const ConvLayer& layer);
std::string weight_name(const ConvLayer& layer);
std::string bias_name(const ConvLayer& layer);

}  // namespace matte
