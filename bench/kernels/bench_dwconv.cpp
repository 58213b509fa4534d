#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/kernels/bench_util.h"
#include "kernels/dwconv.h"

namespace matte {
namespace {

struct DwShape {
  size_t kernel, stride, dilation, channels, in_w, in_h;
};

DwConvParams params_for(const DwShape& s) {
  const size_t pad = (s.kernel - 1) * s.dilation / 2, span = (s.kernel - 1) * s.dilation;
  return {.channels = s.channels, .stride = s.stride, .dilation = s.dilation, .pad_top = pad, .pad_left = pad,
          .in_h = s.in_h, .in_w = s.in_w, .out_h = (s.in_h + 2 * pad - span - 1) / s.stride + 1,
          .out_w = (s.in_w + 2 * pad - span - 1) / s.stride + 1, .in_stride = s.channels,
          .out_stride = s.channels, .act = Act::hardswish};
}

void BM_f32_dwconv(benchmark::State& state, Isa isa, DwShape s) {
  DwConvParams p = params_for(s);
  std::vector<float> input(p.in_h * p.in_w * p.channels, 0.5f), output(p.out_h * p.out_w * p.channels);
  std::vector<float> weights(dwconv_packed_size(p.channels, s.kernel), 0.1f), bias(p.channels, 0.01f);
  p.bias = bias.data();
  const DwConvFn fn = dwconv_for_kernel(dwconv_kernels(isa), s.kernel);
  for (auto _ : state) {
    fn(p, input.data(), weights.data(), output.data(), 0, p.out_h);
    benchmark::DoNotOptimize(output.data());
  }
  const double out_elems = static_cast<double>(output.size());
  bench::set_flops(state, 2.0 * static_cast<double>(s.kernel * s.kernel) * out_elems);
  bench::set_bytes_per_second(state, (static_cast<double>(input.size()) + out_elems) * sizeof(float));
}

// RVM MobileNetV3 at 1080p with downsample ratio 0.25 (backbone input 480×270).
const std::vector<DwShape> kShapes{
    {3, 1, 1, 16, 240, 135}, {3, 2, 1, 64, 240, 135}, {3, 1, 1, 72, 120, 68}, {5, 2, 1, 72, 120, 68},
    {5, 1, 1, 120, 60, 34},  {3, 2, 1, 240, 60, 34},  {3, 1, 1, 200, 30, 17}, {3, 1, 1, 184, 30, 17},
    {3, 1, 1, 480, 30, 17},  {3, 1, 1, 672, 30, 17},  {5, 1, 2, 672, 30, 17}, {5, 1, 2, 960, 30, 17},
};

const bool registered = [] {
  for (Isa isa : available_isas()) {
    for (const DwShape& s : kShapes) {
      const std::string k = std::to_string(s.kernel);
      const std::string name = "f32_dwconv_" + k + "x" + k + "/s" + std::to_string(s.stride) + "d" +
                               std::to_string(s.dilation) + "/C" + std::to_string(s.channels) + "/" +
                               std::to_string(s.in_w) + "x" + std::to_string(s.in_h) + "/" + isa_name(isa);
      benchmark::RegisterBenchmark(name.c_str(), BM_f32_dwconv, isa, s);
    }
  }
  return true;
}();

}  // namespace
}  // namespace matte
