// Why the engine is channels-last: the same 3×3 stride-1 depthwise convolution (pad 1, bias, ReLU)
// in NCHW, vectorised along W, against the NHWC kernel the engine uses.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "bench/kernels/bench_util.h"
#include "kernels/dwconv.h"

namespace matte {
namespace {

// Plain loops for GCC to vectorise along W with the caller's target; interior columns are
// branch-free, the two edge columns are done apart.
[[gnu::always_inline]] inline void nchw_dwconv3x3s1(size_t channels, size_t h, size_t w, const float* in,
                                                    const float* weights, const float* bias, float* out) {
  for (size_t c = 0; c < channels; ++c) {
    const float* src = in + c * h * w;
    const float* k = weights + c * 9;
    for (size_t y = 0; y < h; ++y) {
      float* o = out + (c * h + y) * w;
      std::fill(o, o + w, bias[c]);
      for (size_t ky = 0; ky < 3; ++ky) {
        if ((y == 0 && ky == 0) || (y + 1 == h && ky == 2)) continue;
        const float* r = src + (y + ky - 1) * w;
        const float k0 = k[ky * 3], k1 = k[ky * 3 + 1], k2 = k[ky * 3 + 2];
        o[0] = std::fma(k1, r[0], std::fma(k2, r[1], o[0]));
        for (size_t x = 1; x + 1 < w; ++x) o[x] = std::fma(k0, r[x - 1], std::fma(k1, r[x], std::fma(k2, r[x + 1], o[x])));
        o[w - 1] = std::fma(k0, r[w - 2], std::fma(k1, r[w - 1], o[w - 1]));
      }
      for (size_t x = 0; x < w; ++x) o[x] = std::max(o[x], 0.0f);
    }
  }
}

using NchwFn = void (*)(size_t, size_t, size_t, const float*, const float*, const float*, float*);

[[gnu::target("avx2,fma")]] void nchw_avx2(size_t c, size_t h, size_t w, const float* in, const float* k,
                                             const float* b, float* out) {
  nchw_dwconv3x3s1(c, h, w, in, k, b, out);
}

[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,prefer-vector-width=512")]] void nchw_avx512(
    size_t c, size_t h, size_t w, const float* in, const float* k, const float* b, float* out) {
  nchw_dwconv3x3s1(c, h, w, in, k, b, out);
}

struct LayoutShape {
  size_t channels, w, h;
};

void set_counters(benchmark::State& state, const LayoutShape& s) {
  const double elems = static_cast<double>(s.channels * s.w * s.h);
  bench::set_flops(state, 2.0 * 9.0 * elems);
  bench::set_bytes_per_second(state, 2.0 * elems * sizeof(float));
}

void BM_nchw(benchmark::State& state, NchwFn fn, LayoutShape s) {
  const size_t n = s.channels * s.h * s.w;
  std::vector<float> input(n, 0.5f), output(n), weights(s.channels * 9, 0.1f), bias(s.channels, 0.01f);
  for (auto _ : state) {
    fn(s.channels, s.h, s.w, input.data(), weights.data(), bias.data(), output.data());
    benchmark::DoNotOptimize(output.data());
  }
  set_counters(state, s);
}

void BM_nhwc(benchmark::State& state, Isa isa, LayoutShape s) {
  const size_t n = s.channels * s.h * s.w;
  std::vector<float> input(n, 0.5f), output(n), weights(dwconv_packed_size(s.channels, 3), 0.1f),
      bias(s.channels, 0.01f);
  const DwConvParams p{.channels = s.channels, .stride = 1, .dilation = 1, .pad_top = 1, .pad_left = 1,
                       .in_h = s.h, .in_w = s.w, .out_h = s.h, .out_w = s.w, .in_stride = s.channels,
                       .out_stride = s.channels, .bias = bias.data(), .act = Act::relu};
  const DwConvFn fn = dwconv_kernels(isa).f32_dwconv_3x3;
  for (auto _ : state) {
    fn(p, input.data(), weights.data(), output.data(), 0, s.h);
    benchmark::DoNotOptimize(output.data());
  }
  set_counters(state, s);
}

const bool registered = [] {
  for (const LayoutShape& s : {LayoutShape{72, 120, 68}, LayoutShape{16, 240, 135}}) {
    const std::string shape = "/C" + std::to_string(s.channels) + "/" + std::to_string(s.w) + "x" + std::to_string(s.h);
    for (Isa isa : available_isas()) {
      if (isa == Isa::scalar) continue;
      const std::string suffix = shape + "/" + isa_name(isa);
      benchmark::RegisterBenchmark(("layout_dwconv3x3s1/NHWC" + suffix).c_str(), BM_nhwc, isa, s);
      benchmark::RegisterBenchmark(("layout_dwconv3x3s1/NCHW" + suffix).c_str(), BM_nchw,
                                   isa == Isa::avx512 ? nchw_avx512 : nchw_avx2, s);
    }
  }
  return true;
}();

}  // namespace
}  // namespace matte
