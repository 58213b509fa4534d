#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <vector>

#include "bench/kernels/bench_util.h"
#include "kernels/dgf_coeffs.h"

namespace matte {
namespace {

// A whole low-resolution image on one thread as the network drives it: in bands of 16 rows, in
// its layout (source inside the 35-channel decoder buffer, y inside the 16-channel one, hidden
// inside the 24-channel one).
void BM_dgf_coeffs(benchmark::State& state, Isa isa, size_t h, size_t w) {
  const size_t n = h * w;
  const std::vector<float> src(n * 35, 0.4f), y(n * 16, 0.6f), hidden(n * 24, 0.3f);
  const std::vector<float> box(kDgfBoxChannels * kDgfTaps, 1.0f / 9.0f), w0(kDgfIn * kDgfMid, 0.05f),
      w3(kDgfMid * kDgfMid, 0.05f), w6(kDgfMid * kDgfA, 0.05f), bias(kDgfMid, 0.01f);
  std::vector<float> packed(kDgfPackedSize), ab(n * kDgfOut), scratch(dgf_coeffs_scratch_size(w));
  dgf_coeffs_pack({box.data(), w0.data(), bias.data(), w3.data(), bias.data(), w6.data(), bias.data()},
                  packed.data());
  const DgfCoeffsParams p{h, w, src.data() + 32, 35, y.data() + 4, 16, hidden.data() + 8, 24, ab.data(), kDgfOut};
  const auto k = dgf_coeffs_kernels(isa);
  for (auto _ : state) {
    for (size_t y = 0; y < h; y += 16) k.f32_dgf_coeffs(p, packed.data(), scratch.data(), y, std::min(h, y + 16));
    benchmark::DoNotOptimize(ab.data());
  }
  bench::set_flops(state, 2.0 * static_cast<double>(kDgfMultiplyAdds * n));
  // Source, y and hidden read, [A | b] written.
  bench::set_bytes_per_second(state, static_cast<double>(n * (3 + 4 + kDgfHidden + kDgfOut) * sizeof(float)));
}

const bool registered = [] {
  const std::pair<size_t, size_t> sizes[] = {{270, 480}, {288, 512}};
  for (Isa isa : available_isas()) {
    for (const auto& [h, w] : sizes) {
      const std::string label =
          "dgf_coeffs/" + std::to_string(w) + "x" + std::to_string(h) + "/" + isa_name(isa);
      benchmark::RegisterBenchmark(label.c_str(), BM_dgf_coeffs, isa, h, w);
    }
  }
  return true;
}();

}  // namespace
}  // namespace matte
