// A 3×3 stride-1 pad-1 convolution evaluated at a list of pixels only: each batch of pixels is
// gathered into rows of their 3×3 windows (im2col) and multiplied by the weights as one GEMM.
// BGMv2 computes the hidden channels of its last decoder layer this way around the refined
// patches, the only place they are read (a tenth of the coarse pixels at 1080p).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/tensor.h"
#include "kernels/activation.h"

namespace matte::bgm {

class SparseConv3x3 {
 public:
  SparseConv3x3() = default;
  // weights: ONNX [cout][cin][3][3]; bias: [cout].
  SparseConv3x3(int cin, int cout, std::span<const float> weights, std::span<const float> bias, Act act);
  // out(p) = act(conv(in)(p) + bias) for every p in `pixels` (row-major indices into in, whose size
  // out has); the other pixels of out are left alone. Batches of pixels go to the arena's threads.
  void run(const View& in, std::span<const int32_t> pixels, const View& out) const;
  double flops(size_t pixels) const { return 2.0 * 9 * cin_ * cout_ * double(pixels); }

 private:
  int cin_ = 0, cout_ = 0;
  Act act_ = Act::none;
  std::vector<float> packed_, bias_;
};

}  // namespace matte::bgm
