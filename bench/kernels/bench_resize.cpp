#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/kernels/bench_util.h"
#include "kernels/resize.h"

namespace matte {
namespace {

void BM_f32_resize_bilinear(benchmark::State& state, Isa isa, ResizeParams p) {
  const size_t c = p.channels;
  std::vector<float> x(p.in_h * p.in_w * c, 0.5f), y(p.out_h * p.out_w * c);
  const auto k = resize_kernels(isa);
  for (auto _ : state) {
    k.f32_resize_bilinear(p, x.data(), c, y.data(), c, 0, p.out_h);
    benchmark::DoNotOptimize(y.data());
  }
  bench::set_bytes_per_second(state, static_cast<double>((x.size() + y.size()) * sizeof(float)));
}

// RVM's input downsampling straight from the 8-bit frame.
void BM_u8_resize_bilinear(benchmark::State& state, Isa isa, ResizeParams p) {
  const size_t c = p.channels;
  std::vector<uint8_t> x(p.in_h * p.in_w * c, 100);
  std::vector<float> y(p.out_h * p.out_w * c);
  const auto k = resize_kernels(isa);
  for (auto _ : state) {
    k.u8_resize_bilinear(p, {x.data(), p.in_w * c, p.in_h, p.in_w}, y.data(), c, 0, p.out_h);
    benchmark::DoNotOptimize(y.data());
  }
  bench::set_bytes_per_second(state, static_cast<double>(y.size() * sizeof(float)));
}

const bool registered = [] {
  const std::pair<const char*, ResizeParams> cases[] = {
      // Deep guided filter: A and b back to full resolution.
      {"270x480x4_to_1080x1920", resize_to_size(270, 480, 4, 1080, 1920)},
      // RVM input downsampling, downsample_ratio 0.25.
      {"1080x1920x3_scale0.25", resize_by_scale(1080, 1920, 3, 0.25f, 0.25f)},
      // Decoder x2 upsampling.
      {"17x30x128_scale2", resize_by_scale(17, 30, 128, 2.0f, 2.0f)},
  };
  const std::pair<const char*, ResizeParams> u8_cases[] = {
      {"1080x1920x3_scale0.25", resize_by_scale(1080, 1920, 3, 0.25f, 0.25f)},
      {"2160x3840x3_scale0.125", resize_by_scale(2160, 3840, 3, 0.125f, 0.125f)},
  };
  for (Isa isa : available_isas()) {
    for (const auto& [name, p] : cases) {
      benchmark::RegisterBenchmark((std::string("f32_resize_bilinear/") + name + "/" + isa_name(isa)).c_str(),
                                   BM_f32_resize_bilinear, isa, p);
    }
    for (const auto& [name, p] : u8_cases) {
      benchmark::RegisterBenchmark((std::string("u8_resize_bilinear/") + name + "/" + isa_name(isa)).c_str(),
                                   BM_u8_resize_bilinear, isa, p);
    }
  }
  return true;
}();

}  // namespace
}  // namespace matte
