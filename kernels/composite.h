// The composition `matte` writes: the 8-bit foreground over a background, by the 8-bit alpha, either
// a background image or the frame's own background blurred (`--background blur`). Integer arithmetic
// only, so every path gives the same bytes.
//
// The blur is a Gaussian of sigma σ (pixels) approximated at a cost that does not grow with σ, as
// video-call tools do: the frame is averaged over d×d blocks (d = max(1, ⌊σ/2⌋)), the small image is
// blurred with a Gaussian of σs = √(σ² − (d²−1)/4)/d (the box and the interpolation add (d²−1)/4 of
// variance), and each output row is interpolated linearly from it inside the composition pass, so
// the full-size blurred frame is never made. Edges repeat the border pixels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "kernels/isa.h"

namespace matte {

// Interleaved 3-channel 8-bit images (BGR or RGB: the channels are treated alike); strides in bytes.
struct CompositeImages {
  size_t width = 0, height = 0;
  const uint8_t* fg = nullptr;
  size_t fg_stride = 0;
  const uint8_t* alpha = nullptr;  // one byte per pixel
  size_t alpha_stride = 0;
  uint8_t* out = nullptr;
  size_t out_stride = 0;
};

// Where an output row or column falls on the small blurred image: between samples i0 and i1, with
// weight w/256 on i1.
struct BlurTap {
  uint32_t i0, i1, w;
};

struct BlurPlan {
  size_t width = 0, height = 0;            // the frame's
  size_t block = 1;                        // d
  size_t small_width = 0, small_height = 0;  // ⌈width/d⌉, ⌈height/d⌉
  std::vector<float> taps;                 // the small Gaussian's weights, centre first, summing to 1
  std::vector<BlurTap> cols, rows;         // one per output column and row
};

// Throws std::invalid_argument unless sigma > 0 and the frame is at least 1×1.
BlurPlan make_blur_plan(size_t width, size_t height, float sigma);
// What u8_blur_small works in, kept from frame to frame: the small image blurred along its rows
// (12 bytes per small pixel) and row-sized buffers.
struct BlurBuffers {
  std::vector<float> means, across, pad;
  std::vector<uint32_t> column_sums;
};
// The scratch u8_over_blurred needs: two interpolated rows.
static inline size_t blur_scratch_size(const BlurPlan& plan) { return 2 * 3 * plan.width; }

// (F·A + B·(255−A) + 127) / 255 exactly: (x + 127) / 255 == (v + (v >> 8)) >> 8 with v = x + 128
// for every x ≤ 255·255, so it fits 16 bits.
static inline uint8_t blend_u8(uint32_t f, uint32_t a, uint32_t b) {
  const uint32_t v = f * a + b * (255 - a) + 128;
  return static_cast<uint8_t>((v + (v >> 8)) >> 8);
}

// Small row `j` interpolated to the frame's width: 3·width values round(v·128), at most 32640, so
// the vector paths multiply them in signed 16-bit lanes.
static inline void blur_expand_row(const BlurPlan& plan, const uint16_t* small, size_t j, uint16_t* out) {
  const uint16_t* row = small + j * plan.small_width * 3;
  for (size_t x = 0; x < plan.width; ++x) {
    const BlurTap t = plan.cols[x];
    for (size_t c = 0; c < 3; ++c) {
      out[3 * x + c] = static_cast<uint16_t>((row[3 * t.i0 + c] * (256 - t.w) + row[3 * t.i1 + c] * t.w + 256) >> 9);
    }
  }
}

// The blurred level between two expanded rows, weight w/256 on the second.
static inline uint32_t blur_level(uint32_t h0, uint32_t h1, uint32_t w) {
  return (h0 * (256 - w) + h1 * w + 16384) >> 15;
}

// Pixels [begin, end) of one output row over a background row, or over expanded rows h0, h1.
static inline void over_pixels(const uint8_t* fg, const uint8_t* alpha, const uint8_t* bg, uint8_t* out, size_t begin,
                               size_t end) {
  for (size_t i = 3 * begin; i < 3 * end; ++i) out[i] = blend_u8(fg[i], alpha[i / 3], bg[i]);
}
static inline void over_blurred_pixels(const uint8_t* fg, const uint8_t* alpha, const uint16_t* h0, const uint16_t* h1,
                                       uint32_t w, uint8_t* out, size_t begin, size_t end) {
  for (size_t i = 3 * begin; i < 3 * end; ++i) out[i] = blend_u8(fg[i], alpha[i / 3], blur_level(h0[i], h1[i], w));
}

// The two expanded rows output row `y` needs, in `scratch` (blur_scratch_size), made when not there
// yet; `held` (start {-1, -1}) says which small rows the two slots hold. Returns them in order.
static inline std::pair<const uint16_t*, const uint16_t*> blur_rows_for(const BlurPlan& plan, const uint16_t* small,
                                                                      uint16_t* scratch, int64_t (&held)[2], size_t y) {
  const uint16_t* got[2];
  const size_t want[2] = {plan.rows[y].i0, plan.rows[y].i1};
  for (size_t k = 0; k < 2; ++k) {
    const size_t slot = want[k] % 2;
    uint16_t* row = scratch + slot * 3 * plan.width;
    if (held[slot] != static_cast<int64_t>(want[k])) {
      blur_expand_row(plan, small, want[k], row);
      held[slot] = static_cast<int64_t>(want[k]);
    }
    got[k] = row;
  }
  return {got[0], got[1]};
}

struct CompositeKernels {
  // Output rows [row_begin, row_end) over a background image of the same size.
  void (*u8_over)(const CompositeImages& p, const uint8_t* bg, size_t bg_stride, size_t row_begin, size_t row_end);
  // The small blurred image of a frame, small_width × small_height × 3, each value round(v·256).
  void (*u8_blur_small)(const BlurPlan& plan, const uint8_t* frame, size_t frame_stride, uint16_t* small,
                        BlurBuffers& work);
  // Output rows [row_begin, row_end) over the blurred frame, from u8_blur_small's image.
  void (*u8_over_blurred)(const CompositeImages& p, const BlurPlan& plan, const uint16_t* small, uint16_t* scratch,
                          size_t row_begin, size_t row_end);
};

namespace ref {
void u8_over(const CompositeImages& p, const uint8_t* bg, size_t bg_stride, size_t row_begin, size_t row_end);
void u8_blur_small(const BlurPlan& plan, const uint8_t* frame, size_t frame_stride, uint16_t* small,
                   BlurBuffers& work);
void u8_over_blurred(const CompositeImages& p, const BlurPlan& plan, const uint16_t* small, uint16_t* scratch,
                     size_t row_begin, size_t row_end);
}  // namespace ref

template <class Arch>
CompositeKernels composite_table();
extern template CompositeKernels composite_table<Avx512Arch>();
extern template CompositeKernels composite_table<Avx2Arch>();

CompositeKernels composite_kernels(Isa isa);
// The active ISA's table, chosen once.
const CompositeKernels& composite();

}  // namespace matte
