// RVM's deep guided filter at the low resolution, in one pass over output rows: from the
// downsampled source x (RGB), the network's coarse output y (4 channels) and its hidden features,
//   x4        = [r, g, b, (r + g + b) / 3]
//   mean_*    = 3×3 box filter (zero padding 1, the refiner's box weights) of x4, y, x4·y, x4·x4
//   cov, var  = mean_xy − mean_x·mean_y, mean_xx − mean_x·mean_x
//   A         = conv6(relu(conv3(relu(conv0([cov | var | hidden])))))   (1×1 convolutions)
//   b         = mean_y − A·mean_x
// written as [A 4 | b 4] per pixel: what RVM's head ran as six passes (statistics, box
// filter, cov/var, three pointwise convolutions, b) over whole images, with the same formulas and
// order of operations: the reference equals those passes on the scalar kernels bit for bit, the
// vector kernels fuse three multiply-subtracts.
#pragma once

#include <cstddef>

#include "kernels/isa.h"

namespace matte {

constexpr size_t kDgfStats = 16;   // [x4 | y | x4·y | x4·x4]
constexpr size_t kDgfHidden = 16;  // the decoder's features, after [cov | var] in conv0's input
constexpr size_t kDgfIn = 8 + kDgfHidden, kDgfMid = 16, kDgfA = 4, kDgfOut = 8;
constexpr size_t kDgfTaps = 9;
// The box filter's channels: channel c of x4, y, x4·y and x4·x4 alike has filter c.
constexpr size_t kDgfBoxChannels = 4;

// Multiply-adds per output pixel (box filter and the three convolutions), for the profiler.
constexpr size_t kDgfMultiplyAdds = kDgfStats * kDgfTaps + kDgfIn * kDgfMid + kDgfMid * kDgfMid + kDgfMid * kDgfA;

// The refiner's weights in ONNX layout.
struct DgfWeights {
  const float* box = nullptr;    // [kDgfBoxChannels][1][3][3]
  const float* conv0 = nullptr;  // [16][24], bias [16]
  const float* bias0 = nullptr;
  const float* conv3 = nullptr;  // [16][16], bias [16]
  const float* bias3 = nullptr;
  const float* conv6 = nullptr;  // [4][16], bias [4]
  const float* bias6 = nullptr;
};

// Packed layout, the same for every ISA: box [kDgfBoxChannels][9 taps] as given, then each
// convolution as [cin][cout] (one input's weights for all outputs together) followed by its bias.
constexpr size_t kDgfPackedBox = 0, kDgfPackedConv0 = kDgfPackedBox + kDgfBoxChannels * kDgfTaps,
                 kDgfPackedConv3 = kDgfPackedConv0 + (kDgfIn + 1) * kDgfMid,
                 kDgfPackedConv6 = kDgfPackedConv3 + (kDgfMid + 1) * kDgfMid,
                 kDgfPackedSize = kDgfPackedConv6 + (kDgfMid + 1) * kDgfA;
void dgf_coeffs_pack(const DgfWeights& w, float* packed);

// An h×w image; every pointer is at pixel (0, 0), rows follow each other without gaps and the
// strides are the distances between neighbouring pixels in floats.
struct DgfCoeffsParams {
  size_t h = 0, w = 0;
  const float* src = nullptr;  // RGB
  size_t src_stride = 0;
  const float* coarse = nullptr;  // y above, 4 channels
  size_t coarse_stride = 0;
  const float* hidden = nullptr;  // kDgfHidden channels
  size_t hidden_stride = 0;
  float* ab = nullptr;  // written: [A 4 | b 4]
  size_t ab_stride = 0;
};

// Floats of one planar row in the scratch: the row, a zero column either side and the overhang of
// a last, partial vector of any ISA.
[[gnu::always_inline]] static constexpr size_t dgf_plane(size_t w) { return (w + 15) / 16 * 16 + 16; }
// Floats of scratch one call needs: three rows of statistics and the hidden row, planar.
[[gnu::always_inline]] static constexpr size_t dgf_coeffs_scratch_size(size_t w) {
  return (3 * kDgfStats + kDgfHidden) * dgf_plane(w);
}

struct DgfCoeffsKernels {
  // Output rows [row_begin, row_end); reads rows row_begin − 1 .. row_end of src and coarse. scratch:
  // dgf_coeffs_scratch_size(p.w) floats of the caller's, not shared with a concurrent call.
  void (*f32_dgf_coeffs)(const DgfCoeffsParams& p, const float* packed, float* scratch, size_t row_begin,
                         size_t row_end);
};

namespace ref {
void f32_dgf_coeffs(const DgfCoeffsParams& p, const float* packed, float* scratch, size_t row_begin, size_t row_end);
}  // namespace ref

template <class Arch>
DgfCoeffsKernels dgf_coeffs_table();
extern template DgfCoeffsKernels dgf_coeffs_table<Avx512Arch>();
extern template DgfCoeffsKernels dgf_coeffs_table<Avx2Arch>();

DgfCoeffsKernels dgf_coeffs_kernels(Isa isa);
// The active ISA's table, chosen once.
const DgfCoeffsKernels& dgf_coeffs();

}  // namespace matte
