// Winograd F(4×4, 3×3) for dense 3×3 convolutions with stride 1, dilation 1 and padding 1 over one
// NHWC image (Lavin's points 0, ±1, ±2, ∞). The image is cut into 4×4 output tiles numbered row by
// row; the 6×6 input window of each tile becomes 36 transformed points, each point is one GEMM
// [tiles × cin]·[cin × cout], and the output transform turns the 36 products back into a 4×4 tile:
// 36 multiply-adds per tile and channel pair instead of 144.
//
// A block of tiles lives in a workspace laid out [tile][channel / L][point][channel % L] with L =
// WinogradKernels::lanes (channels padded with zeros to a multiple of L): a tile's 36 vectors sit
// at fixed offsets, so the transforms compute no addresses per point.
#pragma once

#include <algorithm>
#include <cstddef>

#include "kernels/activation.h"
#include "kernels/isa.h"

namespace matte {

constexpr size_t kWinogradTile = 4;                    // output pixels per tile side
constexpr size_t kWinogradWindow = kWinogradTile + 2;  // input pixels per tile side
constexpr size_t kWinogradPoints = kWinogradWindow * kWinogradWindow;

struct WinogradParams {
  // Input and output are both h×w (stride 1, padding 1).
  size_t h = 0, w = 0;
  size_t cin = 0, cout = 0;
  // Floats between consecutive pixels: cin / cout for a plain tensor, more for a channel slice.
  size_t in_stride = 0, out_stride = 0;
  // [cout], or nullptr.
  const float* bias = nullptr;
  Act act = Act::none;
};

static inline size_t winograd_tiles_x(const WinogradParams& p) { return (p.w + kWinogradTile - 1) / kWinogradTile; }
static inline size_t winograd_tiles(const WinogradParams& p) {
  return winograd_tiles_x(p) * ((p.h + kWinogradTile - 1) / kWinogradTile);
}
// Floats one tile takes in a workspace of `channels` channels.
static inline size_t winograd_tile_floats(size_t channels, size_t lanes) {
  return (channels + lanes - 1) / lanes * lanes * kWinogradPoints;
}

// Tiles per block: a multiple of the GEMM's 12-tile micro-tiles, as many as keep both
// workspaces within about 192 KiB so they stay in L2 next to the weights.
static inline size_t winograd_block_tiles(size_t cin, size_t cout, size_t lanes) {
  const size_t bytes = (winograd_tile_floats(cin, lanes) + winograd_tile_floats(cout, lanes)) * sizeof(float);
  return std::clamp<size_t>(192 * 1024 / bytes / 12 * 12, 12, 48);
}

// A block holds tiles [tile0, tile0 + tiles): v (cin channels) and m (cout channels) are
// workspaces of tiles · winograd_tile_floats floats each.
struct WinogradKernels {
  size_t lanes = 0;  // L of the workspace layout
  // Floats the packed weights of a [cout][cin][3][3] convolution take.
  size_t (*f32_winograd_packed_size)(size_t cin, size_t cout);
  // Transforms ONNX weights [cout][cin][3][3] (G g Gᵀ, in double precision) and packs them.
  void (*pack_f32_winograd)(size_t cin, size_t cout, const float* weights, float* packed);
  // v = Bᵀ d B of every tile's 6×6 window d, zero outside the image.
  void (*f32_winograd_input)(const WinogradParams& p, const float* in, float* v, size_t tile0, size_t tiles);
  // m[point] = v[point]·U[point] for every point.
  void (*f32_winograd_gemm)(const WinogradParams& p, const float* v, const float* packed, float* m, size_t tiles);
  // act(Aᵀ m A + bias) written to the tiles' pixels inside the image.
  void (*f32_winograd_output)(const WinogradParams& p, const float* m, float* out, size_t tile0, size_t tiles);
};

// u[36] = G g Gᵀ of one 3×3 kernel g (row-major), computed in double precision.
void winograd_kernel_transform(const float* g, float* u);

// The reference has L = 1 and packs the transformed weights as [36][cout][cin].
namespace ref {
size_t f32_winograd_packed_size(size_t cin, size_t cout);
void pack_f32_winograd(size_t cin, size_t cout, const float* weights, float* packed);
void f32_winograd_input(const WinogradParams& p, const float* in, float* v, size_t tile0, size_t tiles);
void f32_winograd_gemm(const WinogradParams& p, const float* v, const float* packed, float* m, size_t tiles);
void f32_winograd_output(const WinogradParams& p, const float* m, float* out, size_t tile0, size_t tiles);
}  // namespace ref

template <class Arch>
WinogradKernels winograd_table();
extern template WinogradKernels winograd_table<Avx512Arch>();
extern template WinogradKernels winograd_table<Avx2Arch>();

WinogradKernels winograd_kernels(Isa isa);
// The active ISA's table, chosen once.
const WinogradKernels& winograd();

}  // namespace matte
