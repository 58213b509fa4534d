// The pieces of BGMv2's patch refiner that work on runs of pixels. The refiner's convolutions are
// valid 3×3 ones, so every intermediate pixel is a function of its position alone: the refiner
// computes each layer once over the union of what the selected patches need, a tile of patches at
// a time, as runs of consecutive pixels per row.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/activation.h"

namespace matte::bgm {

// Columns [x0, x1) of row y.
struct PixelRun {
  int y = 0, x0 = 0, x1 = 0;
};

// A valid k×k convolution of n consecutive output pixels of a row.
class RunConv {
 public:
  RunConv() = default;
  // weights: ONNX [cout][cin][k][k]; bias: [cout] or empty.
  RunConv(int k, int cin, int cout, std::span<const float> weights, std::span<const float> bias, Act act);
  // Output i (at out + i·out_step) from the k×k window whose top-left pixel is in's pixel i of its
  // row; input pixels are cin floats, rows in_pitch pixels apart, and every window pixel must have
  // been computed.
  void run(const float* in, int in_pitch, float* out, size_t out_step, int n) const;
  // Run r of a buffer `pitch` pixels wide with the output laid out alike (cout floats per pixel), a
  // 3×3 window centred on each output pixel.
  void run(const float* in, float* out, int pitch, const PixelRun& r) const;
  int cout() const { return cout_; }

 private:
  int k_ = 0, cin_ = 0, cout_ = 0;
  Act act_ = Act::none;
  std::vector<float> packed_, bias_;
};

// The refiner's conv3: a valid 3×3 convolution over [conv2's output nearest-upsampled ×2 | the
// full-resolution channels]. On the upsampled channels a 3×3 window covers 2×2 of conv2's pixels,
// so with the weights summed for each parity of the output pixel they cost 4 taps instead of 9.
class RefinerConv3 {
 public:
  RefinerConv3() = default;
  // weights: ONNX [cout][up + full][3][3]; bias: [cout].
  RefinerConv3(int up, int full, int cout, std::span<const float> weights, std::span<const float> bias, Act act);
  // Run r of the full-resolution buffers (`full` with the full channels in, out with cout, both
  // full_pitch pixels wide; tmp like out), where full-resolution pixel (y, x) lies on conv2's
  // (y / 2 + 2, x / 2 + 2) of `half` (half_pitch pixels wide); y and x of even parity there.
  void run(const float* full, int full_pitch, const float* half, int half_pitch, float* tmp, float* out,
           const PixelRun& r) const;

 private:
  int up_channels_ = 0, cout_ = 0;
  Act act_ = Act::none;
  RunConv full_;                              // with the bias
  std::array<std::array<RunConv, 2>, 2> up_;  // 2×2, by output row and column parity
};

// The selected patches of a frame as runs per patch row, and from them the pixels a layer needs
// in a tile: the union of the tile's patches (scale×scale pixels each) grown by a margin.
class PatchRuns {
 public:
  // selected: rows × cols patch flags.
  void build(const uint8_t* selected, int rows, int cols);
  // The needed pixels of the tile's patches [py0, py1) × [px0, px1) at `scale` pixels per patch,
  // grown by `margin`, as runs in the coordinates whose (0, 0) is the global pixel
  // (scale·py0 - origin, scale·px0 - origin), row by row.
  void runs(int py0, int py1, int px0, int px1, int scale, int margin, int origin, std::vector<PixelRun>& out) const;
  // Whether the tile has a selected patch.
  bool any(int py0, int py1, int px0, int px1) const;

 private:
  struct Span {
    int x0, x1;
  };
  std::vector<Span> spans_;        // runs of selected patches, row by row
  std::vector<size_t> row_begin_;  // row r's runs: [row_begin_[r], row_begin_[r + 1])
};

}  // namespace matte::bgm
