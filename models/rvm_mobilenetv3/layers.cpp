#include "models/rvm_mobilenetv3/layers.h"

#include <array>

#include "models/common/rvm_head_layers.h"

namespace matte::rvm {

namespace {

// name, cin, cout, kernel, stride, dilation, groups, pad, bias, act
constexpr std::array kBackbone = {
    ConvLayer{"backbone.features.0.0",              3,  16, 3, 2, 1,   1, 1, true,  Act::hardswish},
    ConvLayer{"backbone.features.1.block.0.0",     16,  16, 3, 1, 1,  16, 1, true,  Act::relu},
    ConvLayer{"backbone.features.1.block.1.0",     16,  16, 1, 1, 1,   1, 0, true,  Act::none},
    ConvLayer{"backbone.features.2.block.0.0",     16,  64, 1, 1, 1,   1, 0, true,  Act::relu},
    ConvLayer{"backbone.features.2.block.1.0",     64,  64, 3, 2, 1,  64, 1, true,  Act::relu},
    ConvLayer{"backbone.features.2.block.2.0",     64,  24, 1, 1, 1,   1, 0, true,  Act::none},
    ConvLayer{"backbone.features.3.block.0.0",     24,  72, 1, 1, 1,   1, 0, true,  Act::relu},
    ConvLayer{"backbone.features.3.block.1.0",     72,  72, 3, 1, 1,  72, 1, true,  Act::relu},
    ConvLayer{"backbone.features.3.block.2.0",     72,  24, 1, 1, 1,   1, 0, true,  Act::none},
    ConvLayer{"backbone.features.4.block.0.0",     24,  72, 1, 1, 1,   1, 0, true,  Act::relu},
    ConvLayer{"backbone.features.4.block.1.0",     72,  72, 5, 2, 1,  72, 2, true,  Act::relu},
    ConvLayer{"backbone.features.4.block.2.fc1",   72,  24, 1, 1, 1,   1, 0, true,  Act::relu},
    ConvLayer{"backbone.features.4.block.2.fc2",   24,  72, 1, 1, 1,   1, 0, true,  Act::hardsigmoid},
    ConvLayer{"backbone.features.4.block.3.0",     72,  40, 1, 1, 1,   1, 0, true,  Act::none},
    ConvLayer{"backbone.features.5.block.0.0",     40, 120, 1, 1, 1,   1, 0, true,  Act::relu},
    ConvLayer{"backbone.features.5.block.1.0",    120, 120, 5, 1, 1, 120, 2, true,  Act::relu},
    ConvLayer{"backbone.features.5.block.2.fc1",  120,  32, 1, 1, 1,   1, 0, true,  Act::relu},
    ConvLayer{"backbone.features.5.block.2.fc2",   32, 120, 1, 1, 1,   1, 0, true,  Act::hardsigmoid},
    ConvLayer{"backbone.features.5.block.3.0",    120,  40, 1, 1, 1,   1, 0, true,  Act::none},
    ConvLayer{"backbone.features.6.block.0.0",     40, 120, 1, 1, 1,   1, 0, true,  Act::relu},
    ConvLayer{"backbone.features.6.block.1.0",    120, 120, 5, 1, 1, 120, 2, true,  Act::relu},
    ConvLayer{"backbone.features.6.block.2.fc1",  120,  32, 1, 1, 1,   1, 0, true,  Act::relu},
    ConvLayer{"backbone.features.6.block.2.fc2",   32, 120, 1, 1, 1,   1, 0, true,  Act::hardsigmoid},
    ConvLayer{"backbone.features.6.block.3.0",    120,  40, 1, 1, 1,   1, 0, true,  Act::none},
    ConvLayer{"backbone.features.7.block.0.0",     40, 240, 1, 1, 1,   1, 0, true,  Act::hardswish},
    ConvLayer{"backbone.features.7.block.1.0",    240, 240, 3, 2, 1, 240, 1, true,  Act::hardswish},
    ConvLayer{"backbone.features.7.block.2.0",    240,  80, 1, 1, 1,   1, 0, true,  Act::none},
    ConvLayer{"backbone.features.8.block.0.0",     80, 200, 1, 1, 1,   1, 0, true,  Act::hardswish},
    ConvLayer{"backbone.features.8.block.1.0",    200, 200, 3, 1, 1, 200, 1, true,  Act::hardswish},
    ConvLayer{"backbone.features.8.block.2.0",    200,  80, 1, 1, 1,   1, 0, true,  Act::none},
    ConvLayer{"backbone.features.9.block.0.0",     80, 184, 1, 1, 1,   1, 0, true,  Act::hardswish},
    ConvLayer{"backbone.features.9.block.1.0",    184, 184, 3, 1, 1, 184, 1, true,  Act::hardswish},
    ConvLayer{"backbone.features.9.block.2.0",    184,  80, 1, 1, 1,   1, 0, true,  Act::none},
    ConvLayer{"backbone.features.10.block.0.0",    80, 184, 1, 1, 1,   1, 0, true,  Act::hardswish},
    ConvLayer{"backbone.features.10.block.1.0",   184, 184, 3, 1, 1, 184, 1, true,  Act::hardswish},
    ConvLayer{"backbone.features.10.block.2.0",   184,  80, 1, 1, 1,   1, 0, true,  Act::none},
    ConvLayer{"backbone.features.11.block.0.0",    80, 480, 1, 1, 1,   1, 0, true,  Act::hardswish},
    ConvLayer{"backbone.features.11.block.1.0",   480, 480, 3, 1, 1, 480, 1, true,  Act::hardswish},
    ConvLayer{"backbone.features.11.block.2.fc1", 480, 120, 1, 1, 1,   1, 0, true,  Act::relu},
    ConvLayer{"backbone.features.11.block.2.fc2", 120, 480, 1, 1, 1,   1, 0, true,  Act::hardsigmoid},
    ConvLayer{"backbone.features.11.block.3.0",   480, 112, 1, 1, 1,   1, 0, true,  Act::none},
    ConvLayer{"backbone.features.12.block.0.0",   112, 672, 1, 1, 1,   1, 0, true,  Act::hardswish},
    ConvLayer{"backbone.features.12.block.1.0",   672, 672, 3, 1, 1, 672, 1, true,  Act::hardswish},
    ConvLayer{"backbone.features.12.block.2.fc1", 672, 168, 1, 1, 1,   1, 0, true,  Act::relu},
    ConvLayer{"backbone.features.12.block.2.fc2", 168, 672, 1, 1, 1,   1, 0, true,  Act::hardsigmoid},
    ConvLayer{"backbone.features.12.block.3.0",   672, 112, 1, 1, 1,   1, 0, true,  Act::none},
    ConvLayer{"backbone.features.13.block.0.0",   112, 672, 1, 1, 1,   1, 0, true,  Act::hardswish},
    ConvLayer{"backbone.features.13.block.1.0",   672, 672, 5, 1, 2, 672, 4, true,  Act::hardswish},
    ConvLayer{"backbone.features.13.block.2.fc1", 672, 168, 1, 1, 1,   1, 0, true,  Act::relu},
    ConvLayer{"backbone.features.13.block.2.fc2", 168, 672, 1, 1, 1,   1, 0, true,  Act::hardsigmoid},
    ConvLayer{"backbone.features.13.block.3.0",   672, 160, 1, 1, 1,   1, 0, true,  Act::none},
    ConvLayer{"backbone.features.14.block.0.0",   160, 960, 1, 1, 1,   1, 0, true,  Act::hardswish},
    ConvLayer{"backbone.features.14.block.1.0",   960, 960, 5, 1, 2, 960, 4, true,  Act::hardswish},
    ConvLayer{"backbone.features.14.block.2.fc1", 960, 240, 1, 1, 1,   1, 0, true,  Act::relu},
    ConvLayer{"backbone.features.14.block.2.fc2", 240, 960, 1, 1, 1,   1, 0, true,  Act::hardsigmoid},
    ConvLayer{"backbone.features.14.block.3.0",   960, 160, 1, 1, 1,   1, 0, true,  Act::none},
    ConvLayer{"backbone.features.15.block.0.0",   160, 960, 1, 1, 1,   1, 0, true,  Act::hardswish},
    ConvLayer{"backbone.features.15.block.1.0",   960, 960, 5, 1, 2, 960, 4, true,  Act::hardswish},
    ConvLayer{"backbone.features.15.block.2.fc1", 960, 240, 1, 1, 1,   1, 0, true,  Act::relu},
    ConvLayer{"backbone.features.15.block.2.fc2", 240, 960, 1, 1, 1,   1, 0, true,  Act::hardsigmoid},
    ConvLayer{"backbone.features.15.block.3.0",   960, 160, 1, 1, 1,   1, 0, true,  Act::none},
    ConvLayer{"backbone.features.16.0",           160, 960, 1, 1, 1,   1, 0, true,  Act::hardswish},
};

constexpr auto kLayers = rvm::joined(
    kBackbone, rvm::head_layers({.backbone = 960, .lraspp = 128, .skips = {16, 24, 40}, .decoder = {80, 40, 32, 16}}));

}  // namespace

std::span<const ConvLayer> conv_layers() { return kLayers; }

const ConvLayer& conv_layer(std::string_view name) { return find_layer(kLayers, name, kArchitecture); }

}  // namespace matte::rvm
