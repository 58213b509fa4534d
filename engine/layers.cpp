#include "engine/layers.h"

#include <algorithm>
#include <utility>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "kernels/conv.h"
#include "kernels/dwconv.h"
#include "kernels/gemm.h"
#include "kernels/winograd.h"

namespace matte {

namespace {

// Below this many multiply-adds a task costs more to schedule than it saves.
constexpr size_t kMinTaskWork = 1 << 15;
// Chunks per arena thread for layers split into equal chunks: a few, so the other threads take over
// the queued chunks of one that the OS deschedules (the machine may be shared).
constexpr size_t kChunksPerThread = 4;

std::vector<float> copy_bias(std::span<const float> bias, int cout) {
  std::vector<float> b(static_cast<size_t>(cout), 0.0f);
  std::copy(bias.begin(), bias.end(), b.begin());
  return b;
}

// Scratch for the calling thread, grown on demand and shared by every layer: a task uses it from
// start to end without waiting on other tasks, so nothing else runs on the thread meanwhile.
float* workspace(size_t floats) {
  thread_local Tensor scratch;
  scratch.reshape(1, 1, static_cast<int>(floats));
  return scratch.data();
}

// Runs f(begin, end) over [0, n) in equal chunks of whole `unit`s, kChunksPerThread per arena thread
// but none below kMinTaskWork, one task each. Unlike parallel_ranges' auto partitioning, no chunk is
// a sliver: a GEMM re-reads all its weights per chunk and computes a partial tile in full.
template <class F>
void parallel_chunks(size_t n, size_t unit, size_t work_per_item, F&& f) {
  if (n == 0) return;
  const size_t units = (n + unit - 1) / unit;
  const auto threads = static_cast<size_t>(tbb::this_task_arena::max_concurrency());
  const size_t by_work = n * work_per_item / kMinTaskWork;
  const size_t chunks = std::min({units, threads * kChunksPerThread, by_work});
  if (threads == 1 || chunks <= 1) {
    f(size_t{0}, n);
    return;
  }
  tbb::parallel_for(
      tbb::blocked_range<size_t>(0, chunks, 1),
      [&](const tbb::blocked_range<size_t>& r) {
        for (size_t i = r.begin(); i < r.end(); ++i)
          f(units * i / chunks * unit, std::min(n, units * (i + 1) / chunks * unit));
      },
      tbb::simple_partitioner());
}

}  // namespace

size_t grain_for(size_t work_per_item) {
  return std::max<size_t>(1, kMinTaskWork / std::max<size_t>(1, work_per_item));
}

void parallel_ranges(size_t n, size_t min_items, const std::function<void(size_t, size_t)>& f) {
  if (n == 0) return;
  if (n <= min_items || tbb::this_task_arena::max_concurrency() == 1) {
    f(0, n);
    return;
  }
  tbb::parallel_for(tbb::blocked_range<size_t>(0, n, min_items),
                    [&](const tbb::blocked_range<size_t>& r) { f(r.begin(), r.end()); });
}

PointwiseConv::PointwiseConv(int cin, int cout, std::span<const float> weights, std::span<const float> bias, Act act)
    : cin_(cin), cout_(cout), act_(act), bias_(copy_bias(bias, cout)) {
  const auto& g = gemm();
  packed_.resize(g.f32_gemm_packed_size(cin, cout));
  g.f32_gemm_pack(cin, cout, weights.data(), packed_.data());
}

void PointwiseConv::run(const View& in, const View& out, const float* scale, const View* residual) const {
  GemmParams p;
  p.cin = static_cast<size_t>(cin_);
  p.cout = static_cast<size_t>(cout_);
  p.in_stride = in.stride;
  p.out_stride = out.stride;
  p.res_stride = residual ? residual->stride : 0;
  p.scale = scale;
  p.bias = bias_.data();
  p.act = act_;
  const auto& g = gemm();
  parallel_chunks(in.pixels(), g.tile_pixels, p.cin * p.cout, [&](size_t b, size_t e) {
    g.f32_gemm(p, in.pixel(b), packed_.data(), residual ? residual->pixel(b) : nullptr, out.pixel(b), e - b);
  });
}

DenseConv::DenseConv(int cin, int cout, int kernel, int stride, int dilation, int pad, std::span<const float> weights,
                     std::span<const float> bias, Act act)
    : cin_(cin), cout_(cout), kernel_(kernel), stride_(stride), dilation_(dilation), pad_(pad), act_(act),
      winograd_(kernel == 3 && stride == 1 && dilation == 1 && pad == 1), bias_(copy_bias(bias, cout)) {
  const size_t ci = static_cast<size_t>(cin), co = static_cast<size_t>(cout);
  if (winograd_) {
    const auto& w = winograd();
    packed_.resize(w.f32_winograd_packed_size(ci, co));
    w.pack_f32_winograd(ci, co, weights.data(), packed_.data());
    return;
  }
  const auto& c = conv();
  packed_.resize(c.f32_conv_kxk_packed_size(ci, co, static_cast<size_t>(kernel)));
  c.pack_f32_conv_kxk(ci, co, static_cast<size_t>(kernel), weights.data(), packed_.data());
}

void DenseConv::run(const View& in, const View& out) const {
  winograd_ ? run_winograd(in, out) : run_direct(in, out);
}

void DenseConv::run_winograd(const View& in, const View& out) const {
  WinogradParams p;
  p.h = static_cast<size_t>(out.h);
  p.w = static_cast<size_t>(out.w);
  p.cin = static_cast<size_t>(cin_);
  p.cout = static_cast<size_t>(cout_);
  p.in_stride = in.stride;
  p.out_stride = out.stride;
  p.bias = bias_.data();
  p.act = act_;
  const auto& k = winograd();
  const size_t tiles = winograd_tiles(p), block = winograd_block_tiles(p.cin, p.cout, k.lanes);
  const size_t v_floats = block * winograd_tile_floats(p.cin, k.lanes);
  const size_t m_floats = block * winograd_tile_floats(p.cout, k.lanes);
  auto blocks = [&](size_t b, size_t e) {
    float* v = workspace(v_floats + m_floats);
    float* m = v + v_floats;
    for (size_t i = b; i < e; ++i) {
      const size_t t0 = i * block, n = std::min(block, tiles - t0);
      k.f32_winograd_input(p, in.data, v, t0, n);
      k.f32_winograd_gemm(p, v, packed_.data(), m, n);
      k.f32_winograd_output(p, m, out.data, t0, n);
    }
  };
  const size_t count = (tiles + block - 1) / block;
  parallel_ranges(count, grain_for(block * kWinogradPoints * p.cin * p.cout), blocks);
}

void DenseConv::run_direct(const View& in, const View& out) const {
  ConvParams p;
  p.in_h = static_cast<size_t>(in.h);
  p.in_w = static_cast<size_t>(in.w);
  p.cin = static_cast<size_t>(cin_);
  p.out_h = static_cast<size_t>(out.h);
  p.out_w = static_cast<size_t>(out.w);
  p.cout = static_cast<size_t>(cout_);
  p.kernel = static_cast<size_t>(kernel_);
  p.stride = static_cast<size_t>(stride_);
  p.dilation = static_cast<size_t>(dilation_);
  p.pad_top = p.pad_left = static_cast<size_t>(pad_);
  p.in_stride = in.stride;
  p.out_stride = out.stride;
  p.bias = bias_.data();
  p.act = act_;
  const auto& c = conv();
  const size_t row_work = p.out_w * p.cout * p.cin * p.kernel * p.kernel;
  parallel_ranges(p.out_h, grain_for(row_work),
                  [&](size_t b, size_t e) { c.f32_conv_kxk(p, in.data, packed_.data(), out.data, b, e); });
}

DepthwiseConv::DepthwiseConv(int channels, int kernel, int stride, int dilation, int pad, std::span<const float> weights,
                             std::span<const float> bias, Act act)
    : channels_(channels), kernel_(kernel), stride_(stride), dilation_(dilation), pad_(pad), act_(act),
      bias_(copy_bias(bias, channels)) {
  packed_.resize(dwconv_packed_size(channels, kernel));
  dwconv_pack(channels, kernel, weights.data(), packed_.data());
}

void DepthwiseConv::run(const View& in, const View& out) const {
  DwConvParams p;
  p.channels = static_cast<size_t>(channels_);
  p.stride = static_cast<size_t>(stride_);
  p.dilation = static_cast<size_t>(dilation_);
  p.pad_top = p.pad_left = static_cast<size_t>(pad_);
  p.in_h = static_cast<size_t>(in.h);
  p.in_w = static_cast<size_t>(in.w);
  p.out_h = static_cast<size_t>(out.h);
  p.out_w = static_cast<size_t>(out.w);
  p.in_stride = in.stride;
  p.out_stride = out.stride;
  p.bias = bias_.data();
  p.act = act_;
  const DwConvFn fn = dwconv_for_kernel(dwconv(), static_cast<size_t>(kernel_));
  const size_t row_work = p.out_w * p.channels * static_cast<size_t>(kernel_ * kernel_);
  parallel_chunks(p.out_h, 1, row_work,
                  [&](size_t b, size_t e) { fn(p, in.data, packed_.data(), out.data, b, e); });
}

}  // namespace matte
