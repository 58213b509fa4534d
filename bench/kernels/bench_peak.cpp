// The core's peak FMA rate per ISA: the ceiling the GEMM and convolution numbers compare to.
#include <benchmark/benchmark.h>

#include <string>

#include "bench/kernels/bench_util.h"
#include "kernels/gemm.h"

namespace matte {
namespace {

void BM_f32_fma_peak(benchmark::State& state, Isa isa) {
  const auto k = gemm_kernels(isa);
  float sink = 0.5f;
  size_t flops = 0;
  for (auto _ : state) {
    flops = k.f32_fma_peak(1 << 16, &sink);
    benchmark::DoNotOptimize(sink);
  }
  bench::set_flops(state, static_cast<double>(flops));
}

const bool registered = [] {
  for (Isa isa : available_isas())
    benchmark::RegisterBenchmark((std::string("f32_fma_peak/") + isa_name(isa)).c_str(), BM_f32_fma_peak, isa);
  return true;
}();

}  // namespace
}  // namespace matte
