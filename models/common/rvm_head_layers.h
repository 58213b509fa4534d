// The layers of the head every RVM variant shares (LRASPP, the recurrent decoder, the output block,
// the projection and the deep guided filter), made from the widths a variant chooses, so a
// variant's table lists only its backbone. Names as in models/rvm_mobilenetv3/layers.h.
#pragma once

#include <array>
#include <cstddef>

#include "models/common/conv_layer.h"

namespace matte::rvm {

struct HeadWidths {
  int backbone;                // channels of the backbone's last output (LRASPP's input)
  int lraspp;                  // LRASPP's output, decode4's ConvGRU input
  std::array<int, 3> skips;    // the backbone's features at 1/2, 1/4, 1/8
  std::array<int, 4> decoder;  // decode3, decode2, decode1, decode0 outputs
};

inline constexpr int kSourceChannels = 3;
// The deep guided filter's hidden width, fixed by RVM (and kernels/dgf_coeffs.h).
inline constexpr int kRefinerHidden = 16;

constexpr std::array<ConvLayer, 20> head_layers(const HeadWidths& w) {
  const int s = kSourceChannels, h = kRefinerHidden, out = 4;  // out: 3 foreground residual + alpha
  const auto conv3 = [](std::string_view name, int cin, int cout, Act act) {
    return ConvLayer{name, cin, cout, 3, 1, 1, 1, 1, true, act};
  };
  const auto conv1 = [](std::string_view name, int cin, int cout, bool bias, Act act) {
    return ConvLayer{name, cin, cout, 1, 1, 1, 1, 0, bias, act};
  };
  const auto [d3, d2, d1, d0] = w.decoder;
  return {
      conv1("aspp.aspp1.0", w.backbone, w.lraspp, true, Act::relu),
      conv1("aspp.aspp2.1", w.backbone, w.lraspp, false, Act::sigmoid),
      conv3("decoder.decode4.gru.ih.0", w.lraspp, w.lraspp, Act::sigmoid),
      conv3("decoder.decode4.gru.hh.0", w.lraspp, w.lraspp / 2, Act::tanh),
      conv3("decoder.decode3.conv.0", w.lraspp + w.skips[2] + s, d3, Act::relu),
      conv3("decoder.decode3.gru.ih.0", d3, d3, Act::sigmoid),
      conv3("decoder.decode3.gru.hh.0", d3, d3 / 2, Act::tanh),
      conv3("decoder.decode2.conv.0", d3 + w.skips[1] + s, d2, Act::relu),
      conv3("decoder.decode2.gru.ih.0", d2, d2, Act::sigmoid),
      conv3("decoder.decode2.gru.hh.0", d2, d2 / 2, Act::tanh),
      conv3("decoder.decode1.conv.0", d2 + w.skips[0] + s, d1, Act::relu),
      conv3("decoder.decode1.gru.ih.0", d1, d1, Act::sigmoid),
      conv3("decoder.decode1.gru.hh.0", d1, d1 / 2, Act::tanh),
      conv3("decoder.decode0.conv.0", d1 + s, d0, Act::relu),
      conv3("decoder.decode0.conv.3", d0, d0, Act::relu),
      conv1("project_mat.conv", d0, out, true, Act::none),
      ConvLayer{"refiner.box_filter", out, out, 3, 1, 1, out, 1, false, Act::none},
      conv1("refiner.conv.0", 2 * out + h, h, true, Act::relu),
      conv1("refiner.conv.3", h, h, true, Act::relu),
      conv1("refiner.conv.6", h, out, true, Act::none),
  };
}

// A variant's backbone layers followed by its head's, in execution order.
template <size_t N, size_t M>
constexpr std::array<ConvLayer, N + M> joined(const std::array<ConvLayer, N>& a, const std::array<ConvLayer, M>& b) {
  std::array<ConvLayer, N + M> all{};
  for (size_t i = 0; i < N; ++i) all[i] = a[i];
  for (size_t i = 0; i < M; ++i) all[N + i] = b[i];
  return all;
}

}  // namespace matte::rvm
