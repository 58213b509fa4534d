#pragma once

#include <benchmark/benchmark.h>

namespace matte::bench {

// Shown as bytes_per_second (G/s) by Google Benchmark.
inline void set_bytes_per_second(benchmark::State& state, double bytes_per_iteration) {
  state.SetBytesProcessed(static_cast<int64_t>(bytes_per_iteration * static_cast<double>(state.iterations())));
}

// Shown as FLOPS=...G/s: multiply-add counts as 2.
inline void set_flops(benchmark::State& state, double flops_per_iteration) {
  state.counters["FLOPS"] = benchmark::Counter(flops_per_iteration * static_cast<double>(state.iterations()),
                                               benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

}  // namespace matte::bench
