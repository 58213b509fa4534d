#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bench/kernels/bench_util.h"
#include "kernels/winograd.h"

namespace matte {
namespace {

struct WinogradShape {
  const char* name;
  size_t h, w, cin, cout;
  Act act;
};

// RVM MobileNetV3 at 1080p, downsample ratio 0.25 (the names match bench_conv.cpp's), then the
// BGMv2 decoder at 1080p, backbone scale 0.25.
constexpr WinogradShape kShapes[] = {
    {"decoder_171to80_60x34", 34, 60, 171, 80, Act::relu},
    {"decoder_107to40_120x68", 68, 120, 107, 40, Act::relu},
    {"decoder_59to32_240x135", 135, 240, 59, 32, Act::relu},
    {"decoder_35to16_480x270", 270, 480, 35, 16, Act::relu},
    {"decoder_16to16_480x270", 270, 480, 16, 16, Act::relu},
    {"gru_128to128_30x17", 17, 30, 128, 128, Act::sigmoid},
    {"gru_128to64_30x17", 17, 30, 128, 64, Act::tanh},
    {"gru_80to80_60x34", 34, 60, 80, 80, Act::sigmoid},
    {"gru_80to40_60x34", 34, 60, 80, 40, Act::tanh},
    {"gru_40to40_120x68", 68, 120, 40, 40, Act::sigmoid},
    {"gru_40to20_120x68", 68, 120, 40, 20, Act::tanh},
    {"gru_32to32_240x135", 135, 240, 32, 32, Act::sigmoid},
    {"gru_32to16_240x135", 135, 240, 32, 16, Act::tanh},
    {"bgm_decoder_288to128_60x34", 34, 60, 288, 128, Act::relu},
    {"bgm_decoder_152to64_120x68", 68, 120, 152, 64, Act::relu},
    {"bgm_decoder_80to48_240x135", 135, 240, 80, 48, Act::relu},
    {"bgm_decoder_54to37_480x270", 270, 480, 54, 37, Act::none},
};

enum class Stage { all, input, gemm, output };

// The convolution on one thread in blocks of `block` tiles (the engine's block size; input
// transform, 36 GEMMs, output transform), or one of its stages alone. FLOPS counts the direct
// convolution's multiply-adds for the whole ("effective", comparable with f32_conv_kxk) and the
// GEMMs' own for the gemm stage.
void BM_f32_winograd(benchmark::State& state, Isa isa, WinogradShape s, Stage stage) {
  const size_t block = size_t(state.range(0));
  const auto k = winograd_kernels(isa);
  WinogradParams p;
  p.h = s.h, p.w = s.w, p.cin = s.cin, p.cout = s.cout, p.in_stride = s.cin, p.out_stride = s.cout, p.act = s.act;
  std::vector<float> in(s.h * s.w * s.cin, 0.25f), out(s.h * s.w * s.cout), bias(s.cout, 0.1f);
  p.bias = bias.data();
  std::vector<float> w(s.cout * s.cin * 9, 0.01f), packed(k.f32_winograd_packed_size(s.cin, s.cout));
  k.pack_f32_winograd(s.cin, s.cout, w.data(), packed.data());
  std::vector<float> v(block * winograd_tile_floats(s.cin, k.lanes)), m(block * winograd_tile_floats(s.cout, k.lanes));
  const size_t tiles = winograd_tiles(p);
  for (auto _ : state) {
    for (size_t t0 = 0; t0 < tiles; t0 += block) {
      const size_t n = std::min(block, tiles - t0);
      if (stage == Stage::all || stage == Stage::input) k.f32_winograd_input(p, in.data(), v.data(), t0, n);
      if (stage == Stage::all || stage == Stage::gemm) k.f32_winograd_gemm(p, v.data(), packed.data(), m.data(), n);
      if (stage == Stage::all || stage == Stage::output) k.f32_winograd_output(p, m.data(), out.data(), t0, n);
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::DoNotOptimize(m.data());
  }
  if (stage == Stage::all) bench::set_flops(state, 2.0 * double(s.h * s.w * s.cout * s.cin * 9));
  if (stage == Stage::gemm) bench::set_flops(state, 2.0 * double(tiles * kWinogradPoints * s.cout * s.cin));
}

const bool registered = [] {
  constexpr std::pair<Stage, const char*> kStages[] = {
      {Stage::all, ""}, {Stage::input, "/input"}, {Stage::gemm, "/gemm"}, {Stage::output, "/output"}};
  for (Isa isa : available_isas()) {
    if (isa == Isa::scalar) continue;
    for (const WinogradShape& s : kShapes)
      for (auto [stage, stage_name] : kStages)
        benchmark::RegisterBenchmark((std::string("f32_winograd/") + s.name + "/" + isa_name(isa) + stage_name).c_str(),
                                     BM_f32_winograd, isa, s, stage)
            ->ArgName("block")
            ->Arg(int64_t(winograd_block_tiles(s.cin, s.cout, winograd_kernels(isa).lanes)))
            ->Unit(benchmark::kMicrosecond);
  }
  return true;
}();

}  // namespace
}  // namespace matte
