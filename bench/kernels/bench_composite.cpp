#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/kernels/bench_util.h"
#include "kernels/composite.h"

namespace matte {
namespace {

// One 1080p frame, its foreground and alpha (a third 0, a third 255, a third in between).
struct Frame1080 {
  static constexpr size_t w = 1920, h = 1080;
  std::vector<uint8_t> frame = pattern(3 * w * h, 7), fg = pattern(3 * w * h, 13), alpha = pattern(w * h, 5),
                       colour = std::vector<uint8_t>(3 * w * h, 128), out = std::vector<uint8_t>(3 * w * h);
  static std::vector<uint8_t> pattern(size_t n, size_t k) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * k + i / 4099);
    return v;
  }
  CompositeImages images() { return {w, h, fg.data(), 3 * w, alpha.data(), w, out.data(), 3 * w}; }
};

void BM_u8_over(benchmark::State& state, Isa isa) {
  Frame1080 f;
  const auto k = composite_kernels(isa);
  for (auto _ : state) {
    k.u8_over(f.images(), f.colour.data(), 3 * f.w, 0, f.h);
    benchmark::DoNotOptimize(f.out.data());
  }
  bench::set_bytes_per_second(state, static_cast<double>(f.frame.size() * 3 + f.alpha.size()));
}

// u8_blur_small and the fused pass: what `--background blur` costs per frame.
void BM_u8_over_blurred(benchmark::State& state, Isa isa, float sigma) {
  Frame1080 f;
  const auto k = composite_kernels(isa);
  const BlurPlan plan = make_blur_plan(f.w, f.h, sigma);
  std::vector<uint16_t> small(3 * plan.small_width * plan.small_height), scratch(blur_scratch_size(plan));
  BlurBuffers work;
  for (auto _ : state) {
    k.u8_blur_small(plan, f.frame.data(), 3 * f.w, small.data(), work);
    k.u8_over_blurred(f.images(), plan, small.data(), scratch.data(), 0, f.h);
    benchmark::DoNotOptimize(f.out.data());
  }
  bench::set_bytes_per_second(state, static_cast<double>(f.frame.size() * 3 + f.alpha.size()));
}

const bool registered = [] {
  for (Isa isa : available_isas()) {
    const std::string isa_text = isa_name(isa);
    benchmark::RegisterBenchmark(("u8_over/colour/1920x1080/" + isa_text).c_str(), BM_u8_over, isa);
    for (float sigma : {4.0f, 20.0f, 80.0f}) {
      benchmark::RegisterBenchmark(
          ("u8_over_blurred/sigma" + std::to_string(int(sigma)) + "/1920x1080/" + isa_text).c_str(),
          BM_u8_over_blurred, isa, sigma);
    }
  }
  return true;
}();

}  // namespace
}  // namespace matte
