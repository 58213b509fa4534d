#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/kernels/bench_util.h"
#include "kernels/conv.h"

namespace matte {
namespace {

struct ConvShape {
  const char* name;
  size_t in_h, in_w, cin, cout, stride;
  Act act;
};

// RVM MobileNetV3 at 1080p, downsample ratio 0.25; all 3×3 with padding 1.
constexpr ConvShape kShapes[] = {
    {"stem_s2_3to16_480x270", 270, 480, 3, 16, 2, Act::hardswish},
    {"decoder_171to80_60x34", 34, 60, 171, 80, 1, Act::relu},
    {"decoder_107to40_120x68", 68, 120, 107, 40, 1, Act::relu},
    {"decoder_59to32_240x135", 135, 240, 59, 32, 1, Act::relu},
    {"decoder_35to16_480x270", 270, 480, 35, 16, 1, Act::relu},
    {"decoder_16to16_480x270", 270, 480, 16, 16, 1, Act::relu},
    {"gru_128to128_30x17", 17, 30, 128, 128, 1, Act::sigmoid},
    {"gru_128to64_30x17", 17, 30, 128, 64, 1, Act::tanh},
    {"gru_80to80_60x34", 34, 60, 80, 80, 1, Act::sigmoid},
    {"gru_80to40_60x34", 34, 60, 80, 40, 1, Act::tanh},
    {"gru_40to40_120x68", 68, 120, 40, 40, 1, Act::sigmoid},
    {"gru_40to20_120x68", 68, 120, 40, 20, 1, Act::tanh},
    {"gru_32to32_240x135", 135, 240, 32, 32, 1, Act::sigmoid},
    {"gru_32to16_240x135", 135, 240, 32, 16, 1, Act::tanh},
};

void BM_f32_conv_kxk(benchmark::State& state, Isa isa, ConvShape s) {
  ConvParams p{};
  p.in_h = s.in_h, p.in_w = s.in_w, p.cin = s.cin, p.cout = s.cout, p.kernel = 3;
  p.out_h = (s.in_h - 1) / s.stride + 1, p.out_w = (s.in_w - 1) / s.stride + 1;
  p.stride = s.stride, p.pad_top = p.pad_left = 1;
  p.in_stride = s.cin, p.out_stride = s.cout, p.act = s.act;
  const auto k = conv_kernels(isa);
  std::vector<float> in(p.in_h * p.in_w * p.cin, 0.25f), w(p.cout * p.cin * 9, 0.01f), bias(p.cout, 0.1f);
  std::vector<float> packed(k.f32_conv_kxk_packed_size(p.cin, p.cout, 3)), out(p.out_h * p.out_w * p.cout);
  k.pack_f32_conv_kxk(p.cin, p.cout, 3, w.data(), packed.data());
  p.bias = bias.data();
  for (auto _ : state) {
    k.f32_conv_kxk(p, in.data(), packed.data(), out.data(), 0, p.out_h);
    benchmark::DoNotOptimize(out.data());
  }
  bench::set_flops(state, 2.0 * double(p.out_h * p.out_w * p.cout * p.cin * 9));
}

const bool registered = [] {
  for (Isa isa : available_isas())
    for (const ConvShape& s : kShapes)
      benchmark::RegisterBenchmark((std::string("f32_conv_kxk/") + s.name + "/" + isa_name(isa)).c_str(),
                                   BM_f32_conv_kxk, isa, s)
          ->Unit(benchmark::kMicrosecond);
  return true;
}();

}  // namespace
}  // namespace matte
