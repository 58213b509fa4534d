// Depthwise convolution (one filter per channel), NHWC, square kernel, implicit zero padding,
// fused per-channel bias and activation. Also serves as the guided filter's box filter
// (3×3, stride 1, pad 1, weights 1/9, no bias).
#pragma once

#include <cstddef>

#include "kernels/activation.h"
#include "kernels/isa.h"

namespace matte {

struct DwConvParams {
  size_t channels = 0;
  size_t stride = 1;    // 1 or 2 (any value ≥ 1 works)
  size_t dilation = 1;  // 1 or 2 (any value ≥ 1 works)
  // Zero padding before the first row / column; bottom and right padding follow from out_h, out_w.
  size_t pad_top = 0, pad_left = 0;
  size_t in_h = 0, in_w = 0;
  size_t out_h = 0, out_w = 0;
  // Distance between neighbouring pixels in floats (≥ channels): lets input and output be channel
  // slices of wider concatenated buffers.
  size_t in_stride = 0, out_stride = 0;
  // [channels], or nullptr.
  const float* bias = nullptr;
  Act act = Act::none;
};

// Output pixel (y, x) of channel c, tap (ky, kx) reads input (y·stride − pad_top + ky·dilation,
// x·stride − pad_left + kx·dilation). Weights are packed (dwconv_pack).
// Only output rows [row_begin, row_end) and channels [0, channels) of each output pixel are written.
using DwConvFn = void (*)(const DwConvParams& p, const float* in, const float* packed, float* out,
                          size_t row_begin, size_t row_end);

struct DwConvKernels {
  DwConvFn f32_dwconv_3x3;
  DwConvFn f32_dwconv_5x5;
};

// Packed layout, the same for every ISA: [kernel·kernel taps][channels], tap = ky·kernel + kx, so
// one vector load fetches a tap for consecutive channels.
static constexpr size_t dwconv_packed_size(size_t channels, size_t kernel) { return kernel * kernel * channels; }
// From the ONNX layout [channels][1][kernel][kernel] (group = channels).
void dwconv_pack(size_t channels, size_t kernel, const float* weights, float* packed);

namespace ref {
void f32_dwconv_3x3(const DwConvParams& p, const float* in, const float* packed, float* out,
                    size_t row_begin, size_t row_end);
void f32_dwconv_5x5(const DwConvParams& p, const float* in, const float* packed, float* out,
                    size_t row_begin, size_t row_end);
}  // namespace ref

template <class Arch>
DwConvKernels dwconv_table();
extern template DwConvKernels dwconv_table<Avx512Arch>();
extern template DwConvKernels dwconv_table<Avx2Arch>();

DwConvKernels dwconv_kernels(Isa isa);
// The active ISA's table, chosen once.
const DwConvKernels& dwconv();
// The table entry for a kernel size (3 or 5); null for any other size.
DwConvFn dwconv_for_kernel(const DwConvKernels& table, size_t kernel);

}  // namespace matte
