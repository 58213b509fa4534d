#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/kernels/bench_util.h"
#include "kernels/pool.h"

namespace matte {
namespace {

void BM_f32_avgpool_2x2s2(benchmark::State& state, Isa isa, PoolParams p) {
  const size_t c = p.channels, oh = avgpool_2x2s2_output_size(p.in_h), ow = avgpool_2x2s2_output_size(p.in_w);
  std::vector<float> x(p.in_h * p.in_w * c, 0.5f), y(oh * ow * c);
  const auto k = pool_kernels(isa);
  for (auto _ : state) {
    k.f32_avgpool_2x2s2(p, x.data(), c, y.data(), c, 0, oh);
    benchmark::DoNotOptimize(y.data());
  }
  bench::set_bytes_per_second(state, static_cast<double>((x.size() + y.size()) * sizeof(float)));
}

void BM_f32_global_avgpool(benchmark::State& state, Isa isa, PoolParams p) {
  std::vector<float> x(p.in_h * p.in_w * p.channels, 0.5f), y(p.channels);
  const auto k = pool_kernels(isa);
  for (auto _ : state) {
    k.f32_global_avgpool(p, x.data(), p.channels, y.data());
    benchmark::DoNotOptimize(y.data());
  }
  bench::set_bytes_per_second(state, static_cast<double>(x.size() * sizeof(float)));
}

const bool registered = [] {
  for (Isa isa : available_isas()) {
    // Low-resolution source pyramid level of the guided filter.
    benchmark::RegisterBenchmark((std::string("f32_avgpool_2x2s2/270x480x3/") + isa_name(isa)).c_str(),
                                 BM_f32_avgpool_2x2s2, isa, PoolParams{270, 480, 3});
    // MobileNetV3 squeeze-excite at the last stage.
    benchmark::RegisterBenchmark((std::string("f32_global_avgpool/17x30x960/") + isa_name(isa)).c_str(),
                                 BM_f32_global_avgpool, isa, PoolParams{17, 30, 960});
  }
  return true;
}();

}  // namespace
}  // namespace matte
