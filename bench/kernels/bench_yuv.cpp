#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/kernels/bench_util.h"
#include "kernels/yuv.h"

namespace matte {
namespace {

void BM_u8_rgb_to_yuv420(benchmark::State& state, Isa isa, size_t w, size_t h) {
  std::vector<uint8_t> x(3 * w * h), y(w * h), u(yuv420_chroma_size(w) * yuv420_chroma_size(h)), v(u.size());
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<uint8_t>(i * 7 + i / 4099);
  const Yuv420Planes planes{y.data(), u.data(), v.data(), w, yuv420_chroma_size(w), yuv420_chroma_size(w)};
  const auto k = yuv_kernels(isa);
  for (auto _ : state) {
    k.u8_rgb_to_yuv420({x.data(), 3 * w, h, w, true}, planes, 0, yuv420_chroma_size(h));
    benchmark::DoNotOptimize(y.data());
  }
  bench::set_bytes_per_second(state, static_cast<double>(x.size() + y.size() + 2 * u.size()));
}

const bool registered = [] {
  for (Isa isa : available_isas()) {
    // A 1080p composition on its way to the H.264 encoder.
    benchmark::RegisterBenchmark((std::string("u8_rgb_to_yuv420/1920x1080/") + isa_name(isa)).c_str(),
                                 BM_u8_rgb_to_yuv420, isa, size_t{1920}, size_t{1080});
  }
  return true;
}();

}  // namespace
}  // namespace matte
