#include "kernels/winograd.h"

namespace matte {

namespace {

constexpr size_t kT = kWinogradTile, kW = kWinogradWindow;

// Lavin & Gray's F(4×4, 3×3) matrices for the points 0, ±1, ±2, ∞.
constexpr float kBt[kW][kW] = {
    {4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
    {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1},
};
constexpr double kG[kW][3] = {
    {1.0 / 4, 0, 0},
    {-1.0 / 6, -1.0 / 6, -1.0 / 6},
    {-1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6},
    {1.0 / 24, -1.0 / 12, 1.0 / 6},
    {0, 0, 1},
};
constexpr float kAt[kT][kW] = {
    {1, 1, 1, 1, 1, 0},
    {0, 1, -1, 2, -2, 0},
    {0, 1, 1, 4, 4, 0},
    {0, 1, -1, 8, -8, 1},
};

}  // namespace

void winograd_kernel_transform(const float* g, float* u) {
  double gg[kW][3] = {};  // G g
  for (size_t i = 0; i < kW; ++i)
    for (size_t j = 0; j < 3; ++j)
      for (size_t k = 0; k < 3; ++k) gg[i][j] += kG[i][k] * double(g[k * 3 + j]);
  for (size_t i = 0; i < kW; ++i)
    for (size_t j = 0; j < kW; ++j) {
      double s = 0;
      for (size_t k = 0; k < 3; ++k) s += gg[i][k] * kG[j][k];
      u[i * kW + j] = float(s);
    }
}

namespace ref {

size_t f32_winograd_packed_size(size_t cin, size_t cout) { return kWinogradPoints * cout * cin; }

void pack_f32_winograd(size_t cin, size_t cout, const float* weights, float* packed) {
  float u[kWinogradPoints];
  for (size_t co = 0; co < cout; ++co)
    for (size_t ci = 0; ci < cin; ++ci) {
      winograd_kernel_transform(weights + (co * cin + ci) * 9, u);
      for (size_t k = 0; k < kWinogradPoints; ++k) packed[(k * cout + co) * cin + ci] = u[k];
    }
}

// With L = 1 a workspace is [tile][channel][point].
void f32_winograd_input(const WinogradParams& p, const float* in, float* v, size_t tile0, size_t tiles) {
  const size_t tiles_x = winograd_tiles_x(p);
  for (size_t t = 0; t < tiles; ++t) {
    const ptrdiff_t y0 = ptrdiff_t((tile0 + t) / tiles_x * kT) - 1, x0 = ptrdiff_t((tile0 + t) % tiles_x * kT) - 1;
    for (size_t c = 0; c < p.cin; ++c) {
      float d[kW][kW];
      for (size_t i = 0; i < kW; ++i)
        for (size_t j = 0; j < kW; ++j) {
          const ptrdiff_t y = y0 + ptrdiff_t(i), x = x0 + ptrdiff_t(j);
          const bool inside = y >= 0 && y < ptrdiff_t(p.h) && x >= 0 && x < ptrdiff_t(p.w);
          d[i][j] = inside ? in[(size_t(y) * p.w + size_t(x)) * p.in_stride + c] : 0.0f;
        }
      for (size_t i = 0; i < kW; ++i)
        for (size_t j = 0; j < kW; ++j) {
          float s = 0;
          for (size_t k = 0; k < kW; ++k)
            for (size_t l = 0; l < kW; ++l) s += kBt[i][k] * d[k][l] * kBt[j][l];
          v[(t * p.cin + c) * kWinogradPoints + i * kW + j] = s;
        }
    }
  }
}

void f32_winograd_gemm(const WinogradParams& p, const float* v, const float* packed, float* m, size_t tiles) {
  for (size_t t = 0; t < tiles; ++t)
    for (size_t k = 0; k < kWinogradPoints; ++k)
      for (size_t co = 0; co < p.cout; ++co) {
        const float* u = packed + (k * p.cout + co) * p.cin;
        float s = 0;
        for (size_t ci = 0; ci < p.cin; ++ci) s += v[(t * p.cin + ci) * kWinogradPoints + k] * u[ci];
        m[(t * p.cout + co) * kWinogradPoints + k] = s;
      }
}

void f32_winograd_output(const WinogradParams& p, const float* m, float* out, size_t tile0, size_t tiles) {
  const size_t tiles_x = winograd_tiles_x(p);
  for (size_t t = 0; t < tiles; ++t) {
    const size_t y0 = (tile0 + t) / tiles_x * kT, x0 = (tile0 + t) % tiles_x * kT;
    for (size_t c = 0; c < p.cout; ++c) {
      const float* mc = m + (t * p.cout + c) * kWinogradPoints;
      for (size_t a = 0; a < kT && y0 + a < p.h; ++a)
        for (size_t b = 0; b < kT && x0 + b < p.w; ++b) {
          float s = p.bias ? p.bias[c] : 0.0f;
          for (size_t i = 0; i < kW; ++i)
            for (size_t j = 0; j < kW; ++j) s += kAt[a][i] * mc[i * kW + j] * kAt[b][j];
          out[((y0 + a) * p.w + x0 + b) * p.out_stride + c] = act_ref(p.act, s);
        }
    }
  }
}

}  // namespace ref

WinogradKernels winograd_kernels(Isa isa) {
  return select_table(
      isa,
      [] {
        return WinogradKernels{.lanes = 1,
                               .f32_winograd_packed_size = ref::f32_winograd_packed_size,
                               .pack_f32_winograd = ref::pack_f32_winograd,
                               .f32_winograd_input = ref::f32_winograd_input,
                               .f32_winograd_gemm = ref::f32_winograd_gemm,
                               .f32_winograd_output = ref::f32_winograd_output};
      },
      [](auto arch) { return winograd_table<decltype(arch)>(); });
}

const WinogradKernels& winograd() {
  static const WinogradKernels table = winograd_kernels(active_isa());
  return table;
}

}  // namespace matte
