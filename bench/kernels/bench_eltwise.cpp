#include <benchmark/benchmark.h>

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

const bool registered = [] {
  for (Isa isa : available_isas()) {
    for (auto [act, name] : {std::pair{Act::hardswish, "hardswish"}, std::pair{Act::sigmoid, "sigmoid"},
                             std::pair{Act::tanh, "tanh"}}) {
      benchmark::RegisterBenchmark((std::string("f32_vunary/") + name + "/" + isa_name(isa)).c_str(),
                                   BM_f32_vunary, isa, act)
          ->Arg(135 * 240 * 16);
    }
  }
  return true;
}();

}  // namespace
}  // namespace matte
