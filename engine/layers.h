// Convolution layers: each packs its weights once at construction into the layout its kernel reads
// and runs that kernel with oneTBB splitting output rows (or pixels) across the threads of the
// caller's task_arena. Weights come in ONNX layout [cout][cin/groups][k][k]; bias may be empty.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "engine/tensor.h"
#include "kernels/activation.h"

namespace matte {

// Output length of a convolution along one axis.
inline int conv_output_size(int in, int kernel, int stride, int dilation, int pad) {
  return (in + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1;
}

// Runs f(begin, end) over [0, n) on the current arena, in chunks of at least `min_items`; serially
// when the whole range is one chunk.
void parallel_ranges(size_t n, size_t min_items, const std::function<void(size_t, size_t)>& f);
// Chunk size so one chunk does roughly enough work to be worth a task.
size_t grain_for(size_t work_per_item);

// Runs f(i) for every pixel index in parallel chunks.
template <class F>
void for_pixels(size_t n, size_t work_per_pixel, F f) {
  parallel_ranges(n, grain_for(work_per_pixel), [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) f(i);
  });
}

// 1×1 convolution as a GEMM over pixels.
class PointwiseConv {
 public:
  PointwiseConv() = default;
  PointwiseConv(int cin, int cout, std::span<const float> weights, std::span<const float> bias, Act act);
  // out = act(in·W (·scale per input channel) + bias) (+ residual); out must not overlap in.
  void run(const View& in, const View& out, const float* scale = nullptr, const View* residual = nullptr) const;
  int cin() const { return cin_; }
  int cout() const { return cout_; }
  // Arithmetic of one run writing `out` (multiply-add = 2), for the profiler.
  double flops(const View& out) const { return 2.0 * cin_ * cout_ * double(out.pixels()); }

 private:
  int cin_ = 0, cout_ = 0;
  Act act_ = Act::none;
  std::vector<float> packed_, bias_;
};

// Dense k×k convolution (groups = 1). 3×3 with stride 1, dilation 1 and padding 1 runs as Winograd
// F(4×4, 3×3) (kernels/winograd.h: 2-3× the direct kernel's speed on RVM's and BGMv2's decoder
// shapes), anything else on the direct kernel.
class DenseConv {
 public:
  DenseConv() = default;
  DenseConv(int cin, int cout, int kernel, int stride, int dilation, int pad, std::span<const float> weights,
            std::span<const float> bias, Act act);
  // out's size must be conv_output_size of in's.
  void run(const View& in, const View& out) const;
  int cin() const { return cin_; }
  int cout() const { return cout_; }
  int kernel() const { return kernel_; }
  // As the direct convolution counts it, also when Winograd needs fewer multiplications.
  double flops(const View& out) const { return 2.0 * cin_ * cout_ * kernel_ * kernel_ * double(out.pixels()); }

 private:
  int cin_ = 0, cout_ = 0, kernel_ = 0, stride_ = 1, dilation_ = 1, pad_ = 0;
  Act act_ = Act::none;
  bool winograd_ = false;
  std::vector<float> packed_, bias_;

  void run_direct(const View& in, const View& out) const;
  void run_winograd(const View& in, const View& out) const;
};

// Depthwise k×k convolution (groups = channels), k = 3 or 5.
class DepthwiseConv {
 public:
  DepthwiseConv() = default;
  DepthwiseConv(int channels, int kernel, int stride, int dilation, int pad, std::span<const float> weights,
                std::span<const float> bias, Act act);
  void run(const View& in, const View& out) const;
  int channels() const { return channels_; }
  int stride() const { return stride_; }
  int kernel() const { return kernel_; }
  double flops(const View& out) const { return 2.0 * channels_ * kernel_ * kernel_ * double(out.pixels()); }

 private:
  int channels_ = 0, kernel_ = 0, stride_ = 1, dilation_ = 1, pad_ = 0;
  Act act_ = Act::none;
  std::vector<float> packed_, bias_;
};

}  // namespace matte
