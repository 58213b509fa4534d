#include "kernels/dgf_coeffs.h"

#include <algorithm>

namespace matte {

namespace {

// [cout][cin] weights and their bias -> [cin][cout] then the bias.
void pack_conv(size_t cin, size_t cout, const float* w, const float* bias, float* packed) {
  for (size_t i = 0; i < cin; ++i)
    for (size_t o = 0; o < cout; ++o) packed[i * cout + o] = w[o * cin + i];
  std::copy(bias, bias + cout, packed + cin * cout);
}

}  // namespace

void dgf_coeffs_pack(const DgfWeights& w, float* packed) {
  std::copy(w.box, w.box + kDgfBoxChannels * kDgfTaps, packed + kDgfPackedBox);
  pack_conv(kDgfIn, kDgfMid, w.conv0, w.bias0, packed + kDgfPackedConv0);
  pack_conv(kDgfMid, kDgfMid, w.conv3, w.bias3, packed + kDgfPackedConv3);
  pack_conv(kDgfMid, kDgfA, w.conv6, w.bias6, packed + kDgfPackedConv6);
}

namespace ref {

namespace {

// [x4 | y | x4·y | x4·x4] of pixel i.
void statistics(const DgfCoeffsParams& p, size_t i, float* t) {
  const float* s = p.src + i * p.src_stride;
  const float* y = p.coarse + i * p.coarse_stride;
  t[0] = s[0], t[1] = s[1], t[2] = s[2];
  t[3] = (s[0] + s[1] + s[2]) / 3.0f;
  for (size_t c = 0; c < 4; ++c) {
    t[4 + c] = y[c];
    t[8 + c] = t[c] * y[c];
    t[12 + c] = t[c] * t[c];
  }
}

// out = act(in·W + bias) for the packed [cin][cout] W and its bias, summed over cin in order.
void conv(size_t cin, size_t cout, const float* packed, bool relu, const float* in, float* out) {
  for (size_t o = 0; o < cout; ++o) {
    float acc = packed[cin * cout + o];
    for (size_t i = 0; i < cin; ++i) acc += in[i] * packed[i * cout + o];
    out[o] = relu ? std::max(acc, 0.0f) : acc;
  }
}

}  // namespace

void f32_dgf_coeffs(const DgfCoeffsParams& p, const float* packed, float*, size_t row_begin, size_t row_end) {
  const float* box = packed + kDgfPackedBox;
  for (size_t y = row_begin; y < row_end; ++y) {
    for (size_t x = 0; x < p.w; ++x) {
      // The box filter as the depthwise convolution sums it: rows, then columns within a row,
      // taps outside the image skipped.
      float mean[kDgfStats] = {};
      for (size_t ky = 0; ky < 3; ++ky) {
        if (y + ky < 1 || y + ky > p.h) continue;
        for (size_t kx = 0; kx < 3; ++kx) {
          if (x + kx < 1 || x + kx > p.w) continue;
          float t[kDgfStats];
          statistics(p, (y + ky - 1) * p.w + x + kx - 1, t);
          for (size_t s = 0; s < kDgfStats; ++s)
            mean[s] += t[s] * box[(s % kDgfBoxChannels) * kDgfTaps + ky * 3 + kx];
        }
      }
      float in[kDgfIn], mid0[kDgfMid], mid1[kDgfMid], a[kDgfA];
      for (size_t c = 0; c < 4; ++c) {
        in[c] = mean[8 + c] - mean[c] * mean[4 + c];
        in[4 + c] = mean[12 + c] - mean[c] * mean[c];
      }
      const size_t i = y * p.w + x;
      std::copy(p.hidden + i * p.hidden_stride, p.hidden + i * p.hidden_stride + kDgfHidden, in + 8);
      conv(kDgfIn, kDgfMid, packed + kDgfPackedConv0, true, in, mid0);
      conv(kDgfMid, kDgfMid, packed + kDgfPackedConv3, true, mid0, mid1);
      conv(kDgfMid, kDgfA, packed + kDgfPackedConv6, false, mid1, a);
      float* ab = p.ab + i * p.ab_stride;
      for (size_t c = 0; c < 4; ++c) {
        ab[c] = a[c];
        ab[4 + c] = mean[4 + c] - a[c] * mean[c];
      }
    }
  }
}

}  // namespace ref

DgfCoeffsKernels dgf_coeffs_kernels(Isa isa) {
  return select_table(
      isa,
      [] {
        return DgfCoeffsKernels{.f32_dgf_coeffs = ref::f32_dgf_coeffs};
      },
      [](auto arch) { return dgf_coeffs_table<decltype(arch)>(); });
}

const DgfCoeffsKernels& dgf_coeffs() {
  static const DgfCoeffsKernels table = dgf_coeffs_kernels(active_isa());
  return table;
}

}  // namespace matte
