// Every convolution of RVM MobileNetV3 (deep guided filter refiner), in execution order. The
// converter checks an ONNX file against this table and the engine creates each tensor from it.
//
// Names are the PyTorch module paths of the RVM code, so an RVM user recognises them:
//   backbone.features.0.0                      stem 3x3 s2 conv (+BN folded), hardswish
//   backbone.features.N.block.J.0              inverted residual N (1..15): J counts expand 1x1 (absent
//                                              when the block does not expand), depthwise, then project
//   backbone.features.N.block.J.fc1 / .fc2     squeeze-excitation 1x1 convs of block N
//   backbone.features.16.0                     last 1x1 conv 160 -> 960, hardswish
//   aspp.aspp1.0 / aspp.aspp2.1                LRASPP: 1x1 + ReLU / global pool, 1x1 (no bias), sigmoid
//   decoder.decodeK.conv.0                     upsampling block K (3, 2, 1) 3x3 conv + ReLU
//   decoder.decodeK.gru.ih.0 / .gru.hh.0       ConvGRU of block K (4..1): gates (sigmoid), candidate (tanh)
//   decoder.decode0.conv.0 / .conv.3           output block 3x3 convs + ReLU
//   project_mat.conv                           1x1 16 -> 4 (3 foreground residual + 1 alpha)
//   refiner.box_filter                         depthwise 3x3 mean filter on 4 channels (no bias)
//   refiner.conv.0 / .conv.3 / .conv.6         deep guided filter 1x1 convs
// Each layer stores "<name>.weight" in ONNX layout [Cout][Cin/groups][kh][kw] and, when `bias` is
// set, "<name>.bias" [Cout]. BatchNorm is always folded, so every conv that had one has a bias.
#pragma once

#include <span>
#include <string_view>

#include "models/common/conv_layer.h"

namespace matte::rvm {

inline constexpr std::string_view kArchitecture = "rvm_mobilenetv3";

std::span<const ConvLayer> conv_layers();
// Throws Error for a name not in the table.
const ConvLayer& conv_layer(std::string_view name);

}  // namespace matte::rvm
