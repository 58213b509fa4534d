// Built once per ISA (MATTE_ARCH), with -ffp-contract=off for blur_small; see eltwise_simd.cpp. Blocks of 16 pixels (48 bytes, three
// 16-byte registers per image), blended in 16-bit lanes; the blurred levels need 32-bit products.
#include <immintrin.h>

#include <array>

#include "kernels/composite.h"
#include "kernels/composite_blur.hpp"

namespace matte {

namespace simd::inline MATTE_ISA_NAMESPACE {

namespace {

constexpr size_t kBlock = 16;  // pixels

// _mm_shuffle_epi8 masks from 16 alpha bytes to the alpha of each of the block's 48 channel bytes.
constexpr auto kAlpha3 = [] {
  std::array<std::array<int8_t, 16>, 3> masks{};
  for (size_t k = 0; k < 3; ++k)
    for (size_t j = 0; j < 16; ++j) masks[k][j] = static_cast<int8_t>((16 * k + j) / 3);
  return masks;
}();

__m128i load16(const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }

// blend_u8 of 16 channel bytes over 16 background levels (16-bit lanes).
__m128i blend16(__m128i fg, __m128i alpha, __m256i bg) {
  const __m256i f = _mm256_cvtepu8_epi16(fg), a = _mm256_cvtepu8_epi16(alpha);
  const __m256i inv = _mm256_sub_epi16(_mm256_set1_epi16(255), a);
  const __m256i v = _mm256_add_epi16(_mm256_add_epi16(_mm256_mullo_epi16(f, a), _mm256_mullo_epi16(bg, inv)),
                                     _mm256_set1_epi16(128));
  const __m256i r = _mm256_srli_epi16(_mm256_add_epi16(v, _mm256_srli_epi16(v, 8)), 8);
  return _mm_packus_epi16(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
}

// blur_level of 16 values of two expanded rows, as 16-bit lanes: the rows' values interleaved, each
// pair times (256 − w, w) summed by madd (exact: the values fit 15 bits, the sums 24).
__m256i blur16(const uint16_t* h0, const uint16_t* h1, uint32_t w) {
  const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h0));
  const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h1));
  const __m256i weights = _mm256_set1_epi32(int((w << 16) | (256 - w)));
  const __m256i round = _mm256_set1_epi32(16384);
  const __m256i lo = _mm256_add_epi32(_mm256_madd_epi16(_mm256_unpacklo_epi16(a, b), weights), round);
  const __m256i hi = _mm256_add_epi32(_mm256_madd_epi16(_mm256_unpackhi_epi16(a, b), weights), round);
  // unpack and pack both work within 128-bit lanes, so the order comes back.
  return _mm256_packus_epi32(_mm256_srli_epi32(lo, 15), _mm256_srli_epi32(hi, 15));
}

// Whole blocks of one row; `background(i)` gives the 16 levels under channel bytes [i, i + 16).
// Returns the first pixel left for the scalar tail.
template <class Background>
size_t over_blocks(const uint8_t* fg, const uint8_t* alpha, uint8_t* out, size_t width, Background background) {
  __m128i masks[3];
  for (size_t k = 0; k < 3; ++k) masks[k] = load16(reinterpret_cast<const uint8_t*>(kAlpha3[k].data()));
  size_t x = 0;
  for (; x + kBlock <= width; x += kBlock) {
    const __m128i a = load16(alpha + x);
    for (size_t k = 0; k < 3; ++k) {
      const size_t i = 3 * x + 16 * k;
      const __m128i r = blend16(load16(fg + i), _mm_shuffle_epi8(a, masks[k]), background(i));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), r);
    }
  }
  return x;
}

}  // namespace

template <class Arch>
void u8_over(const CompositeImages& p, const uint8_t* bg, size_t bg_stride, size_t row_begin, size_t row_end) {
  for (size_t y = row_begin; y < row_end; ++y) {
    const uint8_t *fg = p.fg + y * p.fg_stride, *alpha = p.alpha + y * p.alpha_stride, *b = bg + y * bg_stride;
    uint8_t* out = p.out + y * p.out_stride;
    const size_t x = over_blocks(fg, alpha, out, p.width, [&](size_t i) { return _mm256_cvtepu8_epi16(load16(b + i)); });
    over_pixels(fg, alpha, b, out, x, p.width);
  }
}

template <class Arch>
void u8_blur_small(const BlurPlan& plan, const uint8_t* frame, size_t frame_stride, uint16_t* small,
                   BlurBuffers& work) {
  blur_small(plan, frame, frame_stride, small, work);
}

template <class Arch>
void u8_over_blurred(const CompositeImages& p, const BlurPlan& plan, const uint16_t* small, uint16_t* scratch,
                     size_t row_begin, size_t row_end) {
  int64_t held[2] = {-1, -1};
  for (size_t y = row_begin; y < row_end; ++y) {
    const auto [h0, h1] = blur_rows_for(plan, small, scratch, held, y);
    const uint32_t w = plan.rows[y].w;
    const uint8_t *fg = p.fg + y * p.fg_stride, *alpha = p.alpha + y * p.alpha_stride;
    uint8_t* out = p.out + y * p.out_stride;
    const size_t x = over_blocks(fg, alpha, out, p.width, [&](size_t i) { return blur16(h0 + i, h1 + i, w); });
    over_blurred_pixels(fg, alpha, h0, h1, w, out, x, p.width);
  }
}

}  // namespace simd

template <class Arch>
CompositeKernels composite_table() {
  return {.u8_over = simd::u8_over<Arch>,
          .u8_blur_small = simd::u8_blur_small<Arch>,
          .u8_over_blurred = simd::u8_over_blurred<Arch>};
}

template CompositeKernels composite_table<MATTE_ARCH>();

}  // namespace matte
