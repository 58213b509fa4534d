// Every convolution of BackgroundMattingV2 MobileNetV2 (base network + patch refiner), in execution
// order. The converter checks an ONNX file against this table and the engine creates each tensor
// from it.
//
// Names are the PyTorch module paths of the BGMv2 code, so a BGMv2 user recognises them:
//   backbone.features.0.0                 stem 3x3 s2 conv on src‖bgr (6 channels), ReLU6
//   backbone.features.N.conv.J            inverted residual N (1..17): expand 1x1 (conv.0.0, absent
//                                         in block 1), depthwise 3x3 (conv.1.0; conv.0.0 in block 1),
//                                         linear project 1x1 (conv.2; conv.1 in block 1); blocks
//                                         15..17 use dilation 2 (output stride 16)
//   aspp.convs.0.0 / .1.0 / .2.0 / .3.0   ASPP: 1x1 and 3x3 at atrous rates 3, 6, 9, ReLU
//   aspp.convs.4.1                        image pooling branch: global average, 1x1, ReLU
//   aspp.project.0                        1x1 over the five branches (1280 -> 256), ReLU
//   decoder.conv1..conv3                  3x3 over upsampled x ‖ skip feature, ReLU
//   decoder.conv4                         3x3 -> 37 = alpha, foreground residual (3), error, hidden (32)
//   refiner.conv1..conv4                  valid 3x3 convs of the patch refiner (ReLU but conv4)
// Each layer stores "<name>.weight" in ONNX layout [Cout][Cin/groups][kh][kw] and "<name>.bias"
// [Cout]. BatchNorm is always folded, so every conv has a bias.
#pragma once

#include <span>
#include <string_view>

#include "models/common/conv_layer.h"

namespace matte::bgm {

inline constexpr std::string_view kArchitecture = "bgm_mobilenetv2";

std::span<const ConvLayer> conv_layers();
// Throws Error for a name not in the table.
const ConvLayer& conv_layer(std::string_view name);

}  // namespace matte::bgm
