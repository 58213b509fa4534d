#include "models/bgm_mobilenetv2/layers.h"

#include <array>

namespace matte::bgm {

namespace {

// name, cin, cout, kernel, stride, dilation, groups, pad, bias, act
constexpr std::array kLayers = {
    ConvLayer{"backbone.features.0.0",            6,  32, 3, 2, 1,   1, 1, true, Act::relu6},
    ConvLayer{"backbone.features.1.conv.0.0",    32,  32, 3, 1, 1,  32, 1, true, Act::relu6},
    ConvLayer{"backbone.features.1.conv.1",      32,  16, 1, 1, 1,   1, 0, true, Act::none},
    ConvLayer{"backbone.features.2.conv.0.0",    16,  96, 1, 1, 1,   1, 0, true, Act::relu6},
    ConvLayer{"backbone.features.2.conv.1.0",    96,  96, 3, 2, 1,  96, 1, true, Act::relu6},
    ConvLayer{"backbone.features.2.conv.2",      96,  24, 1, 1, 1,   1, 0, true, Act::none},
    ConvLayer{"backbone.features.3.conv.0.0",    24, 144, 1, 1, 1,   1, 0, true, Act::relu6},
    ConvLayer{"backbone.features.3.conv.1.0",   144, 144, 3, 1, 1, 144, 1, true, Act::relu6},
    ConvLayer{"backbone.features.3.conv.2",     144,  24, 1, 1, 1,   1, 0, true, Act::none},
    ConvLayer{"backbone.features.4.conv.0.0",    24, 144, 1, 1, 1,   1, 0, true, Act::relu6},
    ConvLayer{"backbone.features.4.conv.1.0",   144, 144, 3, 2, 1, 144, 1, true, Act::relu6},
    ConvLayer{"backbone.features.4.conv.2",     144,  32, 1, 1, 1,   1, 0, true, Act::none},
    ConvLayer{"backbone.features.5.conv.0.0",    32, 192, 1, 1, 1,   1, 0, true, Act::relu6},
    ConvLayer{"backbone.features.5.conv.1.0",   192, 192, 3, 1, 1, 192, 1, true, Act::relu6},
    ConvLayer{"backbone.features.5.conv.2",     192,  32, 1, 1, 1,   1, 0, true, Act::none},
    ConvLayer{"backbone.features.6.conv.0.0",    32, 192, 1, 1, 1,   1, 0, true, Act::relu6},
    ConvLayer{"backbone.features.6.conv.1.0",   192, 192, 3, 1, 1, 192, 1, true, Act::relu6},
    ConvLayer{"backbone.features.6.conv.2",     192,  32, 1, 1, 1,   1, 0, true, Act::none},
    ConvLayer{"backbone.features.7.conv.0.0",    32, 192, 1, 1, 1,   1, 0, true, Act::relu6},
    ConvLayer{"backbone.features.7.conv.1.0",   192, 192, 3, 2, 1, 192, 1, true, Act::relu6},
    ConvLayer{"backbone.features.7.conv.2",     192,  64, 1, 1, 1,   1, 0, true, Act::none},
    ConvLayer{"backbone.features.8.conv.0.0",    64, 384, 1, 1, 1,   1, 0, true, Act::relu6},
    ConvLayer{"backbone.features.8.conv.1.0",   384, 384, 3, 1, 1, 384, 1, true, Act::relu6},
    ConvLayer{"backbone.features.8.conv.2",     384,  64, 1, 1, 1,   1, 0, true, Act::none},
    ConvLayer{"backbone.features.9.conv.0.0",    64, 384, 1, 1, 1,   1, 0, true, Act::relu6},
    ConvLayer{"backbone.features.9.conv.1.0",   384, 384, 3, 1, 1, 384, 1, true, Act::relu6},
    ConvLayer{"backbone.features.9.conv.2",     384,  64, 1, 1, 1,   1, 0, true, Act::none},
    ConvLayer{"backbone.features.10.conv.0.0",   64, 384, 1, 1, 1,   1, 0, true, Act::relu6},
    ConvLayer{"backbone.features.10.conv.1.0",  384, 384, 3, 1, 1, 384, 1, true, Act::relu6},
    ConvLayer{"backbone.features.10.conv.2",    384,  64, 1, 1, 1,   1, 0, true, Act::none},
    ConvLayer{"backbone.features.11.conv.0.0",   64, 384, 1, 1, 1,   1, 0, true, Act::relu6},
    ConvLayer{"backbone.features.11.conv.1.0",  384, 384, 3, 1, 1, 384, 1, true, Act::relu6},
    ConvLayer{"backbone.features.11.conv.2",    384,  96, 1, 1, 1,   1, 0, true, Act::none},
    ConvLayer{"backbone.features.12.conv.0.0",   96, 576, 1, 1, 1,   1, 0, true, Act::relu6},
    ConvLayer{"backbone.features.12.conv.1.0",  576, 576, 3, 1, 1, 576, 1, true, Act::relu6},
    ConvLayer{"backbone.features.12.conv.2",    576,  96, 1, 1, 1,   1, 0, true, Act::none},
    ConvLayer{"backbone.features.13.conv.0.0",   96, 576, 1, 1, 1,   1, 0, true, Act::relu6},
    ConvLayer{"backbone.features.13.conv.1.0",  576, 576, 3, 1, 1, 576, 1, true, Act::relu6},
    ConvLayer{"backbone.features.13.conv.2",    576,  96, 1, 1, 1,   1, 0, true, Act::none},
    ConvLayer{"backbone.features.14.conv.0.0",   96, 576, 1, 1, 1,   1, 0, true, Act::relu6},
    ConvLayer{"backbone.features.14.conv.1.0",  576, 576, 3, 1, 1, 576, 1, true, Act::relu6},
    ConvLayer{"backbone.features.14.conv.2",    576, 160, 1, 1, 1,   1, 0, true, Act::none},
    ConvLayer{"backbone.features.15.conv.0.0",  160, 960, 1, 1, 1,   1, 0, true, Act::relu6},
    ConvLayer{"backbone.features.15.conv.1.0",  960, 960, 3, 1, 2, 960, 2, true, Act::relu6},
    ConvLayer{"backbone.features.15.conv.2",    960, 160, 1, 1, 1,   1, 0, true, Act::none},
    ConvLayer{"backbone.features.16.conv.0.0",  160, 960, 1, 1, 1,   1, 0, true, Act::relu6},
    ConvLayer{"backbone.features.16.conv.1.0",  960, 960, 3, 1, 2, 960, 2, true, Act::relu6},
    ConvLayer{"backbone.features.16.conv.2",    960, 160, 1, 1, 1,   1, 0, true, Act::none},
    ConvLayer{"backbone.features.17.conv.0.0",  160, 960, 1, 1, 1,   1, 0, true, Act::relu6},
    ConvLayer{"backbone.features.17.conv.1.0",  960, 960, 3, 1, 2, 960, 2, true, Act::relu6},
    ConvLayer{"backbone.features.17.conv.2",    960, 320, 1, 1, 1,   1, 0, true, Act::none},
    ConvLayer{"aspp.convs.0.0",                 320, 256, 1, 1, 1,   1, 0, true, Act::relu},
    ConvLayer{"aspp.convs.1.0",                 320, 256, 3, 1, 3,   1, 3, true, Act::relu},
    ConvLayer{"aspp.convs.2.0",                 320, 256, 3, 1, 6,   1, 6, true, Act::relu},
    ConvLayer{"aspp.convs.3.0",                 320, 256, 3, 1, 9,   1, 9, true, Act::relu},
    ConvLayer{"aspp.convs.4.1",                 320, 256, 1, 1, 1,   1, 0, true, Act::relu},
    ConvLayer{"aspp.project.0",                1280, 256, 1, 1, 1,   1, 0, true, Act::relu},
    ConvLayer{"decoder.conv1",                  288, 128, 3, 1, 1,   1, 1, true, Act::relu},
    ConvLayer{"decoder.conv2",                  152,  64, 3, 1, 1,   1, 1, true, Act::relu},
    ConvLayer{"decoder.conv3",                   80,  48, 3, 1, 1,   1, 1, true, Act::relu},
    ConvLayer{"decoder.conv4",                   54,  37, 3, 1, 1,   1, 1, true, Act::none},
    ConvLayer{"refiner.conv1",                   42,  24, 3, 1, 1,   1, 0, true, Act::relu},
    ConvLayer{"refiner.conv2",                   24,  16, 3, 1, 1,   1, 0, true, Act::relu},
    ConvLayer{"refiner.conv3",                   22,  12, 3, 1, 1,   1, 0, true, Act::relu},
    ConvLayer{"refiner.conv4",                   12,   4, 3, 1, 1,   1, 0, true, Act::none},
};

}  // namespace

std::span<const ConvLayer> conv_layers() { return kLayers; }

const ConvLayer& conv_layer(std::string_view name) { return find_layer(kLayers, name, kArchitecture); }

}  // namespace matte::bgm
