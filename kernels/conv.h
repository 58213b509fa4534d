// Dense (groups = 1) k×k convolution over one NHWC image: any stride, dilation and implicit zero
// padding, fused per-output-channel bias and activation. The vector kernels are an implicit GEMM:
// a tile of MR output pixels of one row × NR output channels accumulates over taps and input
// channels (AVX-512: 12×32, AVX2: 6×16; 12 pixels for one-vector tails); taps that fall into padding are skipped per
// run of pixels, so borders need no padded copy of the input.
#pragma once

#include <cstddef>

#include "kernels/activation.h"
#include "kernels/isa.h"

namespace matte {

struct ConvParams {
  size_t in_h, in_w, cin;
  size_t out_h, out_w, cout;
  size_t kernel;  // k: the window is k×k
  size_t stride = 1, dilation = 1;
  // Bottom/right padding follows from the output size the caller gives.
  size_t pad_top = 0, pad_left = 0;
  // Floats between consecutive pixels: cin / cout for a plain tensor, more for a channel slice.
  size_t in_stride, out_stride;
  // [cout], or nullptr.
  const float* bias = nullptr;
  Act act = Act::none;
};

struct ConvKernels {
  // Floats the packed weights of a [cout][cin][k][k] convolution take.
  size_t (*f32_conv_kxk_packed_size)(size_t cin, size_t cout, size_t k);
  // weights: ONNX [cout][cin][k][k]. Packed layout: output-channel panels of conv_panel_width
  // (NR, then narrower ones for the tail, zero-filled), each [k·k][cin][width].
  void (*pack_f32_conv_kxk)(size_t cin, size_t cout, size_t k, const float* weights, float* packed);
  // Output rows [row_begin, row_end) of act(conv(in) + bias).
  void (*f32_conv_kxk)(const ConvParams& p, const float* in, const float* packed, float* out,
                       size_t row_begin, size_t row_end);
};

namespace ref {
// The reference uses panels of one output channel: [k·k][cin] per channel.
size_t f32_conv_kxk_packed_size(size_t cin, size_t cout, size_t k);
void pack_f32_conv_kxk(size_t cin, size_t cout, size_t k, const float* weights, float* packed);
void f32_conv_kxk(const ConvParams& p, const float* in, const float* packed, float* out, size_t row_begin,
                  size_t row_end);
}  // namespace ref

// Width of the next panel when n output channels remain: halve nr (down to 8) while it exceeds n,
// so a tail of 20 on a 32-wide kernel becomes 16 + 8 and little work goes to padding.
static inline size_t conv_panel_width(size_t nr, size_t n) {
  size_t w = nr;
  while (w > 8 && w > n) w /= 2;
  return w;
}

// Packing shared by every table, panel widths from conv_panel_width.
size_t conv_panels_size(size_t cin, size_t cout, size_t k, size_t nr);
void pack_conv_panels(size_t cin, size_t cout, size_t k, size_t nr, const float* weights, float* packed);

template <class Arch>
ConvKernels conv_table();
extern template ConvKernels conv_table<Avx512Arch>();
extern template ConvKernels conv_table<Avx2Arch>();

ConvKernels conv_kernels(Isa isa);
// The active ISA's table, chosen once.
const ConvKernels& conv();

}  // namespace matte
