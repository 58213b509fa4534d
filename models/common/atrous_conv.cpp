#include "models/common/atrous_conv.h"

#include <algorithm>

namespace matte {

namespace {

// First grid line of each phase along one axis of n pixels, phases one line apart; returns the
// grid's length.
int phase_starts(int n, int d, std::vector<int>& start) {
  start.assign(size_t(d), -1);
  int at = 0;
  for (int a = 0; a < std::min(n, d); ++a) {
    if (a > 0) ++at;  // the zero line between two phases
    start[size_t(a)] = at;
    at += (n - a + d - 1) / d;
  }
  return at;
}

}  // namespace

AtrousConv::AtrousConv(int cin, int cout, int dilation, std::span<const float> weights, std::span<const float> bias,
                       Act act, bool phase_grid)
    : dilation_(dilation), grid_(phase_grid) {
  conv_ = grid_ ? DenseConv(cin, cout, 3, 1, 1, 1, weights, bias, act)
                : DenseConv(cin, cout, 3, 1, dilation, dilation, weights, bias, act);
}

void AtrousConv::plan(int h, int w) {
  if (!grid_) return;
  const int gh = phase_starts(h, dilation_, row0_), gw = phase_starts(w, dilation_, col0_);
  grid_in_.reshape(gh, gw, conv_.cin());
  grid_out_.reshape(gh, gw, conv_.cout());
  // The gaps stay zero: run() only writes phase pixels.
  std::fill_n(grid_in_.data(), grid_in_.size(), 0.0f);
}

void AtrousConv::run(const View& in, const View& out) {
  if (!grid_) {
    conv_.run(in, out);
    return;
  }
  const int d = dilation_;
  const size_t gw = size_t(grid_in_.w());
  // Grid pixel of image pixel (y, x).
  const auto at = [&](int y, int x) {
    return size_t(row0_[size_t(y % d)] + y / d) * gw + size_t(col0_[size_t(x % d)] + x / d);
  };
  const View gi = grid_in_.view(), go = grid_out_.view();
  for_pixels(in.pixels(), size_t(in.channels), [&](size_t i) {
    const int y = int(i) / in.w, x = int(i) % in.w;
    std::copy_n(in.pixel(i), in.channels, gi.pixel(at(y, x)));
  });
  conv_.run(gi, go);
  for_pixels(out.pixels(), size_t(out.channels), [&](size_t i) {
    const int y = int(i) / out.w, x = int(i) % out.w;
    std::copy_n(go.pixel(at(y, x)), out.channels, out.pixel(i));
  });
}

}  // namespace matte
