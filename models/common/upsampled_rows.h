// The networks' full-resolution pass (kernels/upsample_apply.h): a low-resolution map bilinearly
// upsampled (resize_to_size semantics) row by row and applied to the frame's pixels, output rows
// in parallel bands, each thread keeping the two low-resolution rows its current output row reads
// expanded in its own scratch, so consecutive output rows reuse them.
#pragma once

#include <tbb/enumerable_thread_specific.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "engine/layers.h"
#include "engine/matte.h"
#include "kernels/resize.h"
#include "kernels/upsample_apply.h"

namespace matte {

// Where the pass writes, each null when not wanted: alpha [h·w], the foreground planar RGB
// [3][h·w], their 8-bit forms [h·w] and [h·w·3] (interleaved, in the source's channel order).
struct FullResOutputs {
  float* alpha = nullptr;
  float* foreground = nullptr;
  uint8_t* alpha8 = nullptr;
  uint8_t* foreground8 = nullptr;
};

// The frame's pixels: 8-bit ones when `image` is set, else float ones, row y at f32 moved on by
// y·f32_row_stride floats.
struct FullResSource {
  const Image8* image = nullptr;
  F32SourceRow f32;
  size_t f32_row_stride = 0;
};

class UpsampledRows {
 public:
  // Taps from in_h×in_w to out_h×out_w for the epilogue e.
  void plan(size_t in_h, size_t in_w, size_t out_h, size_t out_w, Epilogue e) {
    p_ = resize_to_size(in_h, in_w, 1, out_h, out_w);
    epilogue_ = e;
    plane_ = (out_w + 15) / 16 * 16;  // whole cache lines
    expanded_ = upsample_expanded_size(e, plane_);
    columns_ = upsample_columns(in_w, out_w, p_.scale_x);
  }

  // The planned pass from `low` (in_h×in_w pixels, the epilogue's channels first) over the
  // top-left w×h of the planned output (all of it, or the frame within its padding), into w×h
  // outputs. after_row(y) runs once output row y is written, on the same thread.
  template <class AfterRow>
  void apply(const View& low, size_t w, size_t h, const FullResOutputs& out, const FullResSource& src,
             AfterRow after_row) {
    const auto& k = upsample_apply();
    const size_t n = w * h;
    const bool bgr8 = src.image && src.image->format == PixelFormat::bgr8;
    UpsampleRow r;
    r.epilogue = epilogue_;
    r.width = w;
    r.plane = plane_;
    r.wx0 = columns_.wx0.data();
    r.wx1 = columns_.wx1.data();
    run(
        h,
        [&](size_t row, float* dst) {
          k.f32_upsample_expand(epilogue_, w, low.pixel(row * size_t(low.w)), low.stride, columns_.x0.data(),
                                columns_.x1.data(), dst, plane_);
        },
        [&](size_t y, const float* top, const float* bottom, const ResizeTap& ty) {
          UpsampleRow o = r;
          o.top = top;
          o.bottom = bottom;
          o.wy0 = ty.w0;
          o.wy1 = ty.w1;
          if (out.alpha) o.alpha = out.alpha + y * w;
          if (out.foreground)
            for (size_t c = 0; c < 3; ++c) o.foreground[c] = out.foreground + c * n + y * w;
          if (out.alpha8) o.alpha8 = out.alpha8 + y * w;
          if (out.foreground8) o.foreground8 = out.foreground8 + 3 * y * w;
          if (src.image) {
            k.u8_upsample_apply_row(o, src.image->data + y * src.image->row_stride, bgr8);
          } else {
            F32SourceRow s = src.f32;
            for (const float*& p : s.rgb) p += y * src.f32_row_stride;
            k.f32_upsample_apply_row(o, s);
          }
          after_row(y);
        });
  }

 private:
  static constexpr size_t kNone = std::numeric_limits<size_t>::max();
  ResizeParams p_{};
  Epilogue epilogue_ = Epilogue::guided;
  size_t plane_ = 0, expanded_ = 0;
  UpsampleColumns columns_;
  tbb::enumerable_thread_specific<std::vector<float>> scratch_;

  // Output rows [0, rows): expand(row, dst) expands low-resolution row `row` into dst, then
  // emit(y, top, bottom, ty) computes output row y from the expanded rows ty.i0 (top) and ty.i1.
  template <class Expand, class Emit>
  void run(size_t rows, Expand expand, Emit emit) {
    // A band re-expands its first rows, so it spans several low-resolution rows.
    parallel_ranges(rows, 32, [&](size_t y_begin, size_t y_end) {
      std::vector<float>& buf = scratch_.local();
      if (buf.size() < 2 * expanded_) buf.resize(2 * expanded_);  // once per thread and size
      float* slot[2] = {buf.data(), buf.data() + expanded_};
      size_t held[2] = {kNone, kNone};
      // Row `row` expanded, keeping `other` (the output row's other one) when held.
      const auto expanded = [&](size_t row, size_t other) -> const float* {
        for (int s = 0; s < 2; ++s)
          if (held[s] == row) return slot[s];
        const int s = held[0] == other ? 1 : 0;
        expand(row, slot[s]);
        held[s] = row;
        return slot[s];
      };
      for (size_t y = y_begin; y < y_end; ++y) {
        const ResizeTap ty = resize_tap(y, p_.out_h, p_.in_h, p_.scale_y);
        const float* top = expanded(ty.i0, ty.i1);
        emit(y, top, expanded(ty.i1, ty.i0), ty);
      }
    });
  }
};

}  // namespace matte
