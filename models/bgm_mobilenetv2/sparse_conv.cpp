#include "models/bgm_mobilenetv2/sparse_conv.h"

#include <algorithm>

#include "engine/layers.h"
#include "kernels/gemm.h"

namespace matte::bgm {

namespace {

// Pixels per GEMM: their window rows (9·cin floats each) stay in L2 next to the weights.
constexpr size_t kBatch = 48;

}  // namespace

SparseConv3x3::SparseConv3x3(int cin, int cout, std::span<const float> weights, std::span<const float> bias, Act act)
    : cin_(cin), cout_(cout), act_(act), bias_(bias.begin(), bias.end()) {
  // [cout][cin][ky][kx] -> [cout][ky][kx][cin], the order of a gathered window.
  const size_t ci = size_t(cin), co = size_t(cout), k = 9 * ci;
  std::vector<float> w(co * k);
  for (size_t o = 0; o < co; ++o)
    for (size_t c = 0; c < ci; ++c)
      for (size_t t = 0; t < 9; ++t) w[o * k + t * ci + c] = weights[(o * ci + c) * 9 + t];
  const auto& g = gemm();
  packed_.resize(g.f32_gemm_packed_size(k, co));
  g.f32_gemm_pack(k, co, w.data(), packed_.data());
}

void SparseConv3x3::run(const View& in, std::span<const int32_t> pixels, const View& out) const {
  const size_t ci = size_t(cin_), k = 9 * ci, co = size_t(cout_);
  GemmParams p;
  p.cin = k;
  p.cout = co;
  p.in_stride = k;
  p.out_stride = co;
  p.bias = bias_.data();
  p.act = act_;
  const auto& g = gemm();
  const size_t batches = (pixels.size() + kBatch - 1) / kBatch;
  parallel_ranges(batches, 1, [&](size_t b, size_t e) {
    thread_local std::vector<float> scratch;
    scratch.resize(kBatch * (k + co));
    float* const cols = scratch.data();
    float* const result = cols + kBatch * k;
    for (size_t batch = b; batch < e; ++batch) {
      const std::span<const int32_t> px =
          pixels.subspan(batch * kBatch, std::min(kBatch, pixels.size() - batch * kBatch));
      for (size_t i = 0; i < px.size(); ++i) {
        const int y = px[i] / in.w, x = px[i] % in.w;
        float* row = cols + i * k;
        for (int dy = -1; dy <= 1; ++dy) {
          for (int dx = -1; dx <= 1; ++dx, row += ci) {
            const int yy = y + dy, xx = x + dx;
            if (yy < 0 || yy >= in.h || xx < 0 || xx >= in.w)
              std::fill_n(row, ci, 0.0f);
            else
              std::copy_n(in.pixel(size_t(yy) * size_t(in.w) + size_t(xx)), ci, row);
          }
        }
      }
      g.f32_gemm(p, cols, packed_.data(), nullptr, result, px.size());
      for (size_t i = 0; i < px.size(); ++i) std::copy_n(result + i * co, co, out.pixel(size_t(px[i])));
    }
  });
}

}  // namespace matte::bgm
