#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/kernels/bench_util.h"
#include "kernels/eltwise.h"

namespace matte {
namespace {

void BM_f32_vunary(benchmark::State& state, Isa isa, Act act) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::vector<float> x(n, 0.25f), y(n);
  const auto k = eltwise_kernels(isa);
  for (auto _ : state) {
    k.f32_vunary(n, x.data(), y.data(), act);
    benchmark::DoNotOptimize(y.data());
  }
  bench::set_bytes_per_second(state, 2 * n * sizeof(float));
}

using Binary = void (*EltwiseKernels::*)(size_t, const float*, const float*, float*);
using Ternary = void (*EltwiseKernels::*)(size_t, const float*, const float*, const float*, float*);

void BM_binary(benchmark::State& state, Isa isa, Binary fn) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::vector<float> a(n, 0.25f), b(n, 0.5f), y(n);
  const auto k = eltwise_kernels(isa);
  for (auto _ : state) {
    (k.*fn)(n, a.data(), b.data(), y.data());
    benchmark::DoNotOptimize(y.data());
  }
  bench::set_bytes_per_second(state, 3 * n * sizeof(float));
}

void BM_ternary(benchmark::State& state, Isa isa, Ternary fn) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::vector<float> a(n, 0.25f), b(n, 0.5f), c(n, 1.0f), y(n);
  const auto k = eltwise_kernels(isa);
  for (auto _ : state) {
    (k.*fn)(n, a.data(), b.data(), c.data(), y.data());
    benchmark::DoNotOptimize(y.data());
  }
  bench::set_bytes_per_second(state, 4 * n * sizeof(float));
}

void BM_f32_vaffine(benchmark::State& state, Isa isa) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::vector<float> x(n, 0.25f), y(n);
  const auto k = eltwise_kernels(isa);
  for (auto _ : state) {
    k.f32_vaffine(n, x.data(), y.data(), 2.0f, -1.0f);
    benchmark::DoNotOptimize(y.data());
  }
  bench::set_bytes_per_second(state, 2 * n * sizeof(float));
}

// n pixels of 3 channels; the mean goes into channel 3 of a 4-channel buffer when y_stride = 4.
void BM_f32_channel_mean(benchmark::State& state, Isa isa, size_t y_stride) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::vector<float> x(n * 3, 0.25f), y(n * y_stride);
  const auto k = eltwise_kernels(isa);
  for (auto _ : state) {
    k.f32_channel_mean(n, 3, x.data(), 3, y.data() + y_stride - 1, y_stride);
    benchmark::DoNotOptimize(y.data());
  }
  bench::set_bytes_per_second(state, 4 * n * sizeof(float));
}

const bool registered = [] {
  for (Isa isa : available_isas()) {
    for (auto [act, name] : {std::pair{Act::hardswish, "hardswish"}, std::pair{Act::sigmoid, "sigmoid"},
                             std::pair{Act::tanh, "tanh"}}) {
      benchmark::RegisterBenchmark((std::string("f32_vunary/") + name + "/" + isa_name(isa)).c_str(),
                                   BM_f32_vunary, isa, act)
          ->Arg(135 * 240 * 16);
    }
    // Full-resolution guided-filter tensors: 1920x1080x4.
    constexpr int64_t full = 1920 * 1080 * 4;
    const std::string suffix = std::string("/") + isa_name(isa);
    for (auto [fn, name] : {std::pair{&EltwiseKernels::f32_vadd, "f32_vadd"}, std::pair{&EltwiseKernels::f32_vsub, "f32_vsub"},
                            std::pair{&EltwiseKernels::f32_vmul, "f32_vmul"}})
      benchmark::RegisterBenchmark((name + suffix).c_str(), BM_binary, isa, fn)->Arg(full);
    for (auto [fn, name] : {std::pair{&EltwiseKernels::f32_vmuladd, "f32_vmuladd"},
                            std::pair{&EltwiseKernels::f32_vgru_update, "f32_vgru_update"}})
      benchmark::RegisterBenchmark((name + suffix).c_str(), BM_ternary, isa, fn)->Arg(full);
    benchmark::RegisterBenchmark(("f32_vaffine" + suffix).c_str(), BM_f32_vaffine, isa)->Arg(full);
    for (size_t y_stride : {1, 4})
      benchmark::RegisterBenchmark(("f32_channel_mean/3ch/y_stride" + std::to_string(y_stride) + suffix).c_str(),
                                   BM_f32_channel_mean, isa, y_stride)
          ->Arg(1920 * 1080);
  }
  return true;
}();

}  // namespace
}  // namespace matte
