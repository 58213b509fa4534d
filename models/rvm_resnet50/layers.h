// Every convolution of RVM ResNet50 (deep guided filter refiner), in execution order; the head's
// layers (aspp.*, decoder.*, project_mat.*, refiner.*) are named as in models/rvm_mobilenetv3/layers.h.
//
//   backbone.conv1                           stem 7x7 s2 conv (+BN folded), ReLU; then a 3x3 s2 max pool
//   backbone.layerL.B.conv1 / .conv2 / .conv3  bottleneck B of stage L (1..4): 1x1 + ReLU, 3x3 + ReLU
//                                            (the stage's stride, or dilation 2 in stage 4), 1x1; the
//                                            sum with the shortcut is followed by ReLU
//   backbone.layerL.0.downsample.0           1x1 projection of the first block's shortcut
// LRASPP is 2048 -> 256 and the decoder's channels are 128/64/32/16.
#pragma once

#include <span>
#include <string_view>

#include "models/common/conv_layer.h"

namespace matte::rvm_resnet50 {

inline constexpr std::string_view kArchitecture = "rvm_resnet50";

std::span<const ConvLayer> conv_layers();

}  // namespace matte::rvm_resnet50
