#include "models/bgm_mobilenetv2/refiner.h"

#include <algorithm>

#include "kernels/conv.h"

namespace matte::bgm {

namespace {

int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

}  // namespace

RunConv::RunConv(int k, int cin, int cout, std::span<const float> weights, std::span<const float> bias, Act act)
    : k_(k), cin_(cin), cout_(cout), act_(act), bias_(bias.begin(), bias.end()) {
  const auto& c = conv();
  packed_.resize(c.f32_conv_kxk_packed_size(size_t(cin), size_t(cout), size_t(k)));
  c.pack_f32_conv_kxk(size_t(cin), size_t(cout), size_t(k), weights.data(), packed_.data());
}

void RunConv::run(const float* in, int in_pitch, float* out, size_t out_step, int n) const {
  // k input rows in_pitch wide: with no padding every tap is inside, so the kernel never looks at
  // the width beyond the row pitch it derives from it.
  ConvParams p;
  p.in_h = size_t(k_);
  p.in_w = size_t(in_pitch);
  p.cin = size_t(cin_);
  p.out_h = 1;
  p.out_w = size_t(n);
  p.cout = size_t(cout_);
  p.kernel = size_t(k_);
  p.in_stride = size_t(cin_);
  p.out_stride = out_step;
  p.bias = bias_.empty() ? nullptr : bias_.data();
  p.act = act_;
  conv().f32_conv_kxk(p, in, packed_.data(), out, 0, 1);
}

void RunConv::run(const float* in, float* out, int pitch, const PixelRun& r) const {
  const size_t first = size_t(r.y - 1) * size_t(pitch) + size_t(r.x0 - 1);
  run(in + first * size_t(cin_), pitch, out + (size_t(r.y) * size_t(pitch) + size_t(r.x0)) * size_t(cout_),
      size_t(cout_), r.x1 - r.x0);
}

RefinerConv3::RefinerConv3(int up, int full, int cout, std::span<const float> weights, std::span<const float> bias,
                           Act act)
    : up_channels_(up), cout_(cout), act_(act) {
  const int cin = up + full;
  const auto w = [&](int o, int c, int ky, int kx) { return weights[size_t(((o * cin + c) * 3 + ky) * 3 + kx)]; };
  std::vector<float> wf(size_t(cout * full * 9));
  for (int o = 0; o < cout; ++o)
    for (int c = 0; c < full; ++c)
      for (int t = 0; t < 9; ++t) wf[size_t((o * full + c) * 9 + t)] = w(o, up + c, t / 3, t % 3);
  full_ = RunConv(3, full, cout, wf, bias, Act::none);
  // Output parity p: its window's rows (columns) -1, 0, 1 fall on conv2's rows (columns) 0, 1 of
  // the 2×2 window as {0, 1, 1} for p = 0 and {0, 0, 1} for p = 1.
  const int tap[2][3] = {{0, 1, 1}, {0, 0, 1}};
  for (int py = 0; py < 2; ++py) {
    for (int px = 0; px < 2; ++px) {
      std::vector<double> sum(size_t(cout * up * 4), 0.0);
      for (int o = 0; o < cout; ++o)
        for (int c = 0; c < up; ++c)
          for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx)
              sum[size_t((o * up + c) * 4 + tap[py][ky] * 2 + tap[px][kx])] += w(o, c, ky, kx);
      const std::vector<float> wu(sum.begin(), sum.end());
      up_[size_t(py)][size_t(px)] = RunConv(2, up, cout, wu, {}, Act::none);
    }
  }
}

void RefinerConv3::run(const float* full, int full_pitch, const float* half, int half_pitch, float* tmp, float* out,
                       const PixelRun& r) const {
  const size_t co = size_t(cout_), row = size_t(r.y) * size_t(full_pitch);
  full_.run(full, out, full_pitch, r);
  // Output (y, x) of parity (py, px) reads conv2's rows y / 2 + 1 + py .. + 1, columns alike.
  const int py = r.y & 1, hy = r.y / 2 + 1 + py;
  for (int px = 0; px < 2; ++px) {
    const int x = r.x0 + ((px - r.x0) & 1);
    if (x >= r.x1) continue;
    const float* in = half + (size_t(hy) * size_t(half_pitch) + size_t(x / 2 + 1 + px)) * size_t(up_channels_);
    up_[size_t(py)][size_t(px)].run(in, half_pitch, tmp + (row + size_t(x)) * co, 2 * co, (r.x1 - x + 1) / 2);
  }
  with_act(act_, [&](auto tag) {
    for (size_t i = (row + size_t(r.x0)) * co, e = (row + size_t(r.x1)) * co; i < e; ++i)
      out[i] = act_ref(decltype(tag)::value, out[i] + tmp[i]);
  });
}

void PatchRuns::build(const uint8_t* selected, int rows, int cols) {
  spans_.clear();
  row_begin_.assign(size_t(rows) + 1, 0);
  for (int y = 0; y < rows; ++y) {
    const uint8_t* s = selected + size_t(y) * size_t(cols);
    for (int x = 0; x < cols;) {
      if (!s[x]) {
        ++x;
        continue;
      }
      int x1 = x + 1;
      while (x1 < cols && s[x1]) ++x1;
      spans_.push_back({x, x1});
      x = x1;
    }
    row_begin_[size_t(y) + 1] = spans_.size();
  }
}

bool PatchRuns::any(int py0, int py1, int px0, int px1) const {
  for (int y = py0; y < py1; ++y)
    for (size_t i = row_begin_[size_t(y)]; i < row_begin_[size_t(y) + 1]; ++i)
      if (spans_[i].x1 > px0 && spans_[i].x0 < px1) return true;
  return false;
}

void PatchRuns::runs(int py0, int py1, int px0, int px1, int scale, int margin, int origin,
                     std::vector<PixelRun>& out) const {
  out.clear();
  const int y_end = (py1 - py0) * scale + origin + margin;
  std::vector<Span> row;
  for (int y = origin - margin; y < y_end; ++y) {
    // Patch rows p whose grown pixels cover row y:
    // scale·(p - py0) - margin <= y - origin < scale·(p - py0 + 1) + margin.
    const int rel = y - origin;
    const int first = std::max(py0, py0 + floor_div(rel - margin, scale));
    const int last = std::min(py1 - 1, py0 + floor_div(rel + margin, scale));
    row.clear();
    for (int p = first; p <= last; ++p) {
      for (size_t i = row_begin_[size_t(p)]; i < row_begin_[size_t(p) + 1]; ++i) {
        const int a = std::max(spans_[i].x0, px0), b = std::min(spans_[i].x1, px1);
        if (a < b) row.push_back({(a - px0) * scale + origin - margin, (b - px0) * scale + origin + margin});
      }
    }
    std::sort(row.begin(), row.end(), [](const Span& l, const Span& r) { return l.x0 < r.x0; });
    for (const Span& s : row) {
      if (!out.empty() && out.back().y == y && s.x0 <= out.back().x1)
        out.back().x1 = std::max(out.back().x1, s.x1);
      else
        out.push_back({y, s.x0, s.x1});
    }
  }
}

}  // namespace matte::bgm
