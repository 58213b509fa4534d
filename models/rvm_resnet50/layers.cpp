#include "models/rvm_resnet50/layers.h"

#include <array>

#include "models/common/rvm_head_layers.h"

namespace matte::rvm_resnet50 {

namespace {

// name, cin, cout, kernel, stride, dilation, groups, pad, bias, act
constexpr std::array kBackbone = {
    ConvLayer{"backbone.conv1",                    3,   64, 7, 2, 1, 1, 3, true,  Act::relu},
    ConvLayer{"backbone.layer1.0.conv1",          64,   64, 1, 1, 1, 1, 0, true,  Act::relu},
    ConvLayer{"backbone.layer1.0.conv2",          64,   64, 3, 1, 1, 1, 1, true,  Act::relu},
    ConvLayer{"backbone.layer1.0.conv3",          64,  256, 1, 1, 1, 1, 0, true,  Act::none},
    ConvLayer{"backbone.layer1.0.downsample.0",   64,  256, 1, 1, 1, 1, 0, true,  Act::none},
    ConvLayer{"backbone.layer1.1.conv1",         256,   64, 1, 1, 1, 1, 0, true,  Act::relu},
    ConvLayer{"backbone.layer1.1.conv2",          64,   64, 3, 1, 1, 1, 1, true,  Act::relu},
    ConvLayer{"backbone.layer1.1.conv3",          64,  256, 1, 1, 1, 1, 0, true,  Act::none},
    ConvLayer{"backbone.layer1.2.conv1",         256,   64, 1, 1, 1, 1, 0, true,  Act::relu},
    ConvLayer{"backbone.layer1.2.conv2",          64,   64, 3, 1, 1, 1, 1, true,  Act::relu},
    ConvLayer{"backbone.layer1.2.conv3",          64,  256, 1, 1, 1, 1, 0, true,  Act::none},
    ConvLayer{"backbone.layer2.0.conv1",         256,  128, 1, 1, 1, 1, 0, true,  Act::relu},
    ConvLayer{"backbone.layer2.0.conv2",         128,  128, 3, 2, 1, 1, 1, true,  Act::relu},
    ConvLayer{"backbone.layer2.0.conv3",         128,  512, 1, 1, 1, 1, 0, true,  Act::none},
    ConvLayer{"backbone.layer2.0.downsample.0",  256,  512, 1, 2, 1, 1, 0, true,  Act::none},
    ConvLayer{"backbone.layer2.1.conv1",         512,  128, 1, 1, 1, 1, 0, true,  Act::relu},
    ConvLayer{"backbone.layer2.1.conv2",         128,  128, 3, 1, 1, 1, 1, true,  Act::relu},
    ConvLayer{"backbone.layer2.1.conv3",         128,  512, 1, 1, 1, 1, 0, true,  Act::none},
    ConvLayer{"backbone.layer2.2.conv1",         512,  128, 1, 1, 1, 1, 0, true,  Act::relu},
    ConvLayer{"backbone.layer2.2.conv2",         128,  128, 3, 1, 1, 1, 1, true,  Act::relu},
    ConvLayer{"backbone.layer2.2.conv3",         128,  512, 1, 1, 1, 1, 0, true,  Act::none},
    ConvLayer{"backbone.layer2.3.conv1",         512,  128, 1, 1, 1, 1, 0, true,  Act::relu},
    ConvLayer{"backbone.layer2.3.conv2",         128,  128, 3, 1, 1, 1, 1, true,  Act::relu},
    ConvLayer{"backbone.layer2.3.conv3",         128,  512, 1, 1, 1, 1, 0, true,  Act::none},
    ConvLayer{"backbone.layer3.0.conv1",         512,  256, 1, 1, 1, 1, 0, true,  Act::relu},
    ConvLayer{"backbone.layer3.0.conv2",         256,  256, 3, 2, 1, 1, 1, true,  Act::relu},
    ConvLayer{"backbone.layer3.0.conv3",         256, 1024, 1, 1, 1, 1, 0, true,  Act::none},
    ConvLayer{"backbone.layer3.0.downsample.0",  512, 1024, 1, 2, 1, 1, 0, true,  Act::none},
    ConvLayer{"backbone.layer3.1.conv1",        1024,  256, 1, 1, 1, 1, 0, true,  Act::relu},
    ConvLayer{"backbone.layer3.1.conv2",         256,  256, 3, 1, 1, 1, 1, true,  Act::relu},
    ConvLayer{"backbone.layer3.1.conv3",         256, 1024, 1, 1, 1, 1, 0, true,  Act::none},
    ConvLayer{"backbone.layer3.2.conv1",        1024,  256, 1, 1, 1, 1, 0, true,  Act::relu},
    ConvLayer{"backbone.layer3.2.conv2",         256,  256, 3, 1, 1, 1, 1, true,  Act::relu},
    ConvLayer{"backbone.layer3.2.conv3",         256, 1024, 1, 1, 1, 1, 0, true,  Act::none},
    ConvLayer{"backbone.layer3.3.conv1",        1024,  256, 1, 1, 1, 1, 0, true,  Act::relu},
    ConvLayer{"backbone.layer3.3.conv2",         256,  256, 3, 1, 1, 1, 1, true,  Act::relu},
    ConvLayer{"backbone.layer3.3.conv3",         256, 1024, 1, 1, 1, 1, 0, true,  Act::none},
    ConvLayer{"backbone.layer3.4.conv1",        1024,  256, 1, 1, 1, 1, 0, true,  Act::relu},
    ConvLayer{"backbone.layer3.4.conv2",         256,  256, 3, 1, 1, 1, 1, true,  Act::relu},
    ConvLayer{"backbone.layer3.4.conv3",         256, 1024, 1, 1, 1, 1, 0, true,  Act::none},
    ConvLayer{"backbone.layer3.5.conv1",        1024,  256, 1, 1, 1, 1, 0, true,  Act::relu},
    ConvLayer{"backbone.layer3.5.conv2",         256,  256, 3, 1, 1, 1, 1, true,  Act::relu},
    ConvLayer{"backbone.layer3.5.conv3",         256, 1024, 1, 1, 1, 1, 0, true,  Act::none},
    ConvLayer{"backbone.layer4.0.conv1",        1024,  512, 1, 1, 1, 1, 0, true,  Act::relu},
    ConvLayer{"backbone.layer4.0.conv2",         512,  512, 3, 1, 1, 1, 1, true,  Act::relu},
    ConvLayer{"backbone.layer4.0.conv3",         512, 2048, 1, 1, 1, 1, 0, true,  Act::none},
    ConvLayer{"backbone.layer4.0.downsample.0", 1024, 2048, 1, 1, 1, 1, 0, true,  Act::none},
    ConvLayer{"backbone.layer4.1.conv1",        2048,  512, 1, 1, 1, 1, 0, true,  Act::relu},
    ConvLayer{"backbone.layer4.1.conv2",         512,  512, 3, 1, 2, 1, 2, true,  Act::relu},
    ConvLayer{"backbone.layer4.1.conv3",         512, 2048, 1, 1, 1, 1, 0, true,  Act::none},
    ConvLayer{"backbone.layer4.2.conv1",        2048,  512, 1, 1, 1, 1, 0, true,  Act::relu},
    ConvLayer{"backbone.layer4.2.conv2",         512,  512, 3, 1, 2, 1, 2, true,  Act::relu},
    ConvLayer{"backbone.layer4.2.conv3",         512, 2048, 1, 1, 1, 1, 0, true,  Act::none},
};

constexpr auto kLayers = rvm::joined(
    kBackbone,
    rvm::head_layers({.backbone = 2048, .lraspp = 256, .skips = {64, 256, 512}, .decoder = {128, 64, 32, 16}}));

}  // namespace

std::span<const ConvLayer> conv_layers() { return kLayers; }

}  // namespace matte::rvm_resnet50
