// The driver of the full-resolution output kernels (kernels/guided.h, kernels/coarse_up.h): a
// low-resolution map bilinearly upsampled (resize_to_size semantics) row by row, output rows in
// parallel bands, each thread keeping the two low-resolution rows its current output row reads
// expanded in its own scratch, so consecutive output rows reuse them.
#pragma once

#include <tbb/enumerable_thread_specific.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "engine/layers.h"
#include "kernels/resize.h"

namespace matte {

class UpsampledRows {
 public:
  // Taps from in_h×in_w to out_h×out_w; an expanded row takes expanded_size(plane()) floats.
  template <class ExpandedSize>
  void plan(size_t in_h, size_t in_w, size_t out_h, size_t out_w, ExpandedSize expanded_size) {
    p_ = resize_to_size(in_h, in_w, 1, out_h, out_w);
    plane_ = (out_w + 15) / 16 * 16;  // whole cache lines
    expanded_ = expanded_size(plane_);
    x0_.resize(out_w);
    x1_.resize(out_w);
    wx0_.resize(out_w);
    wx1_.resize(out_w);
    for (size_t x = 0; x < out_w; ++x) {
      const ResizeTap t = resize_tap(x, out_w, in_w, p_.scale_x);
      x0_[x] = static_cast<uint32_t>(t.i0);
      x1_[x] = static_cast<uint32_t>(t.i1);
      wx0_[x] = t.w0;
      wx1_[x] = t.w1;
    }
  }

  size_t plane() const { return plane_; }
  const uint32_t* x0() const { return x0_.data(); }
  const uint32_t* x1() const { return x1_.data(); }
  const float* wx0() const { return wx0_.data(); }
  const float* wx1() const { return wx1_.data(); }

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

 private:
  static constexpr size_t kNone = std::numeric_limits<size_t>::max();
  ResizeParams p_{};
  size_t plane_ = 0, expanded_ = 0;
  std::vector<uint32_t> x0_, x1_;
  std::vector<float> wx0_, wx1_;
  tbb::enumerable_thread_specific<std::vector<float>> scratch_;
};

}  // namespace matte
