#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/kernels/bench_util.h"
#include "kernels/resize.h"
#include "kernels/upsample_apply.h"

namespace matte {
namespace {

// The low-resolution map's pixel stride in the networks: RVM's [A | b], BGMv2's decoder output.
size_t low_stride(Epilogue e) { return e == Epilogue::guided ? 8 : 37; }

enum class From { u8, f32_planar };

// A whole frame's full-resolution output on one thread, driven as the networks do: each
// low-resolution row expanded once, then every output row from its two expanded rows, writing
// floats and 8-bit.
void BM_upsample_apply_frame(benchmark::State& state, Isa isa, Epilogue e, ResizeParams p, From from) {
  const size_t w = p.out_w, h = p.out_h, n = w * h, plane = (w + 15) / 16 * 16, stride = low_stride(e);
  const size_t expanded_size = upsample_expanded_size(e, plane);
  const std::vector<float> low(p.in_h * p.in_w * stride, 0.25f);
  const UpsampleColumns cols = upsample_columns(p.in_w, w, p.scale_x);
  const std::vector<uint8_t> src8(3 * n, 100);
  const std::vector<float> srcf(3 * n, 0.4f);
  std::vector<float> alpha(n), fg(3 * n), expanded(2 * expanded_size);
  std::vector<uint8_t> alpha8(n), fg8(3 * n);
  const auto k = upsample_apply_kernels(isa);
  for (auto _ : state) {
    size_t held[2] = {p.in_h, p.in_h};
    for (size_t y = 0; y < h; ++y) {
      const ResizeTap ty = resize_tap(y, h, p.in_h, p.scale_y);
      const float* rows[2];
      for (size_t j = 0; j < 2; ++j) {
        const size_t row = j == 0 ? ty.i0 : ty.i1;
        float* slot = expanded.data() + (row % 2) * expanded_size;
        if (held[row % 2] != row) {
          k.f32_upsample_expand(e, w, low.data() + row * p.in_w * stride, stride, cols.x0.data(), cols.x1.data(), slot,
                                plane);
          held[row % 2] = row;
        }
        rows[j] = slot;
      }
      UpsampleRow r;
      r.epilogue = e;
      r.width = w;
      r.top = rows[0];
      r.bottom = rows[1];
      r.plane = plane;
      r.wx0 = cols.wx0.data();
      r.wx1 = cols.wx1.data();
      r.wy0 = ty.w0;
      r.wy1 = ty.w1;
      r.alpha = alpha.data() + y * w;
      for (size_t c = 0; c < 3; ++c) r.foreground[c] = fg.data() + c * n + y * w;
      r.alpha8 = alpha8.data() + y * w;
      r.foreground8 = fg8.data() + 3 * y * w;
      if (from == From::u8) {
        k.u8_upsample_apply_row(r, src8.data() + 3 * y * w, false);
      } else {
        const float* s = srcf.data() + y * w;
        k.f32_upsample_apply_row(r, {{s, s + n, s + 2 * n}, 1});
      }
    }
    benchmark::DoNotOptimize(fg8.data());
  }
  // Source read, float and 8-bit results written.
  bench::set_bytes_per_second(state, static_cast<double>(n * ((from == From::u8 ? 3 : 12) + 16 + 4)));
}

const bool registered = [] {
  // Scale 1/4 at 1080p, 1/8 at 4K.
  const std::pair<const char*, ResizeParams> cases[] = {
      {"270x480_to_1080x1920", resize_to_size(270, 480, 1, 1080, 1920)},
      {"270x480_to_2160x3840", resize_to_size(270, 480, 1, 2160, 3840)},
  };
  for (Isa isa : available_isas()) {
    for (Epilogue e : {Epilogue::guided, Epilogue::coarse}) {
      for (const auto& [name, p] : cases) {
        for (From from : {From::u8, From::f32_planar}) {
          const std::string label = std::string("upsample_apply_frame/") +
                                    (e == Epilogue::guided ? "guided/" : "coarse/") +
                                    (from == From::u8 ? "u8/" : "f32_planar/") + name + "/" + isa_name(isa);
          benchmark::RegisterBenchmark(label.c_str(), BM_upsample_apply_frame, isa, e, p, from);
        }
      }
    }
  }
  return true;
}();

}  // namespace
}  // namespace matte
