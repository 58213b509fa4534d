#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/kernels/bench_util.h"
#include "kernels/gemm.h"

namespace matte {
namespace {

struct Shape {
  size_t p, cin, cout;
};

// RVM MobileNetV3 pointwise convolutions at 1080p, downsample ratio 0.25 (backbone input 480×270),
// the guided filter's convolutions at 480×270, a squeeze-excitation pair (one pixel), and RVM
// ResNet50's bottleneck convolutions at the same size (layer1 at 120×68 … layer4 at 30×17).
constexpr Shape kShapes[] = {
    {240 * 135, 16, 16},  {240 * 135, 16, 64},  {120 * 68, 64, 24},   {120 * 68, 24, 72},  {120 * 68, 72, 24},
    {60 * 34, 72, 40},    {60 * 34, 40, 120},   {60 * 34, 120, 40},   {30 * 17, 40, 240},  {30 * 17, 240, 80},
    {30 * 17, 80, 200},   {30 * 17, 200, 80},   {30 * 17, 80, 184},   {30 * 17, 184, 80},  {30 * 17, 80, 480},
    {30 * 17, 480, 112},  {30 * 17, 112, 672},  {30 * 17, 672, 112},  {30 * 17, 672, 160}, {30 * 17, 160, 960},
    {30 * 17, 960, 160},  {30 * 17, 960, 128},  {480 * 270, 24, 16},  {480 * 270, 16, 16}, {480 * 270, 16, 4},
    {1, 960, 240},        {1, 240, 960},        {120 * 68, 256, 64},  {120 * 68, 64, 256}, {60 * 34, 512, 128},
    {60 * 34, 128, 512},  {30 * 17, 1024, 256}, {30 * 17, 256, 1024}, {30 * 17, 2048, 512}, {30 * 17, 512, 2048},
    {30 * 17, 1024, 2048},
};

void BM_f32_gemm(benchmark::State& state, Isa isa, Shape s) {
  const auto k = gemm_kernels(isa);
  std::vector<float> in(s.p * s.cin, 0.5f), out(s.p * s.cout), w(s.cin * s.cout, 0.01f), bias(s.cout, 0.1f);
  std::vector<float> packed(k.f32_gemm_packed_size(s.cin, s.cout));
  k.f32_gemm_pack(s.cin, s.cout, w.data(), packed.data());
  GemmParams prm;
  prm.cin = s.cin;
  prm.cout = s.cout;
  prm.in_stride = s.cin;
  prm.out_stride = s.cout;
  prm.bias = bias.data();
  prm.act = Act::hardswish;
  for (auto _ : state) {
    k.f32_gemm(prm, in.data(), packed.data(), nullptr, out.data(), s.p);
    benchmark::DoNotOptimize(out.data());
  }
  bench::set_flops(state, 2.0 * static_cast<double>(s.p * s.cin * s.cout));
}

const bool registered = [] {
  for (Isa isa : available_isas()) {
    for (Shape s : kShapes) {
      const std::string name = "f32_gemm/" + std::string(isa_name(isa)) + "/P" + std::to_string(s.p) + "/" +
                               std::to_string(s.cin) + "x" + std::to_string(s.cout);
      benchmark::RegisterBenchmark(name.c_str(), BM_f32_gemm, isa, s);
    }
  }
  return true;
}();

}  // namespace
}  // namespace matte
