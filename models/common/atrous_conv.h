// A 3×3 convolution at dilation d with padding d (BGMv2's ASPP, ResNet50's last stage). With
// `phase_grid` it runs as a plain 3×3 convolution over the image's d×d phase sub-images (pixels
// (a + d·i, b + d·j) for each a, b), laid out side by side with a zero pixel between them as their
// padding, which Winograd computes with under half the direct kernel's work. At large d the gaps
// and tile rounding eat the gain while Winograd's weights take 4× the memory (BGMv2 uses the grid
// at d = 3 only); without it the direct kernel runs.
#pragma once

#include <span>
#include <vector>

#include "engine/layers.h"
#include "engine/tensor.h"

namespace matte {

class AtrousConv {
 public:
  AtrousConv() = default;
  // weights: ONNX [cout][cin][3][3]; bias: [cout].
  AtrousConv(int cin, int cout, int dilation, std::span<const float> weights, std::span<const float> bias, Act act,
             bool phase_grid);
  // Sizes the phase grid for h×w inputs.
  void plan(int h, int w);
  // out: in's size, cout channels.
  void run(const View& in, const View& out);
  double flops(const View& out) const { return conv_.flops(out); }
  int cout() const { return conv_.cout(); }

 private:
  int dilation_ = 1;
  bool grid_ = false;
  DenseConv conv_;
  // Phase a's first row in the grid (phase b's first column), -1 when it has no pixels.
  std::vector<int> row0_, col0_;
  Tensor grid_in_, grid_out_;
};

}  // namespace matte
