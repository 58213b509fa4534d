// Pooling of an NHWC image: average 2x2 stride 2 with ceil_mode=True and count_include_pad=False
// (the odd last row/column averages only the pixels that exist), global average, and max 3x3
// stride 2 with padding 1 (ResNet's stem; padding never wins).
#pragma once

#include <cstddef>

#include "kernels/isa.h"

namespace matte {

struct PoolParams {
  size_t in_h, in_w, channels;
};

// ceil(in/2): ceil_mode keeps the half window at an odd edge.
static inline size_t avgpool_2x2s2_output_size(size_t in) { return (in + 1) / 2; }

// floor((in + 2·1 − 3) / 2) + 1, which is ceil(in/2) as well.
static inline size_t maxpool_3x3s2_output_size(size_t in) { return (in + 1) / 2; }

struct PoolKernels {
  // Output rows [row_begin, row_end) of the ceil(in_h/2) x ceil(in_w/2) result; pixel strides in floats.
  void (*f32_avgpool_2x2s2)(const PoolParams& p, const float* in, size_t in_stride, float* out, size_t out_stride,
                            size_t row_begin, size_t row_end);
  // out[c] = mean over all in_h·in_w pixels of channel c.
  void (*f32_global_avgpool)(const PoolParams& p, const float* in, size_t in_stride, float* out);
  // Output rows [row_begin, row_end) of the maxpool_3x3s2_output_size result; pixel strides in floats.
  void (*f32_maxpool_3x3s2)(const PoolParams& p, const float* in, size_t in_stride, float* out, size_t out_stride,
                            size_t row_begin, size_t row_end);
};

namespace ref {
void f32_avgpool_2x2s2(const PoolParams& p, const float* in, size_t in_stride, float* out, size_t out_stride,
                       size_t row_begin, size_t row_end);
void f32_global_avgpool(const PoolParams& p, const float* in, size_t in_stride, float* out);
void f32_maxpool_3x3s2(const PoolParams& p, const float* in, size_t in_stride, float* out, size_t out_stride,
                       size_t row_begin, size_t row_end);
}  // namespace ref

template <class Arch>
PoolKernels pool_table();
extern template PoolKernels pool_table<Avx512Arch>();
extern template PoolKernels pool_table<Avx2Arch>();

PoolKernels pool_kernels(Isa isa);
// The active ISA's table, chosen once.
const PoolKernels& pool();

}  // namespace matte
