#include <array>
#include <cstdint>
#include <random>

#include "kernels/yuv.h"
#include "tests/kernels/kernel_test_util.h"

namespace matte {

namespace {

struct Yuv420Buffers {
  size_t width, height, pad;
  std::vector<uint8_t> y, u, v;  // 0xA5 where nothing is written, so a stray write shows
  Yuv420Buffers(size_t w, size_t h, size_t p)
      : width(w), height(h), pad(p),
        y((w + p) * h, 0xA5),
        u((yuv420_chroma_size(w) + p) * yuv420_chroma_size(h), 0xA5),
        v(u.size(), 0xA5) {}
  Yuv420Planes planes() {
    return {y.data(), u.data(), v.data(), width + pad, yuv420_chroma_size(width) + pad, yuv420_chroma_size(width) + pad};
  }
};

std::array<uint8_t, 3> yuv_of_2x2(std::array<uint8_t, 3> pixel, bool bgr) {
  std::vector<uint8_t> x;
  for (int i = 0; i < 4; ++i) x.insert(x.end(), pixel.begin(), pixel.end());
  Yuv420Buffers out(2, 2, 0);
  ref::u8_rgb_to_yuv420({x.data(), 6, 2, 2, bgr}, out.planes(), 0, 1);
  CHECK(out.y == std::vector<uint8_t>(4, out.y[0]));
  return {out.y[0], out.u[0], out.v[0]};
}

}  // namespace

TEST_CASE("u8_rgb_to_yuv420 reference: BT.601 limited-range values of known colours, 2x2 chroma means") {
  using C = std::array<uint8_t, 3>;
  CHECK(yuv_of_2x2({0, 0, 0}, false) == C{16, 128, 128});
  CHECK(yuv_of_2x2({255, 255, 255}, false) == C{235, 128, 128});
  CHECK(yuv_of_2x2({255, 0, 0}, false) == C{81, 90, 240});  // red
  CHECK(yuv_of_2x2({0, 255, 0}, false) == C{145, 54, 34});   // green
  CHECK(yuv_of_2x2({0, 0, 255}, false) == C{41, 240, 110});  // blue
  CHECK(yuv_of_2x2({0, 0, 255}, true) == C{81, 90, 240});    // the same bytes read as BGR: red
  // Chroma of a block is the mean of its four pixels: black and white columns average to grey.
  const std::vector<uint8_t> stripes = {0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255};
  Yuv420Buffers out(2, 2, 0);
  ref::u8_rgb_to_yuv420({stripes.data(), 6, 2, 2, false}, out.planes(), 0, 1);
  CHECK(out.y == std::vector<uint8_t>{16, 235, 16, 235});
  CHECK(out.u[0] == 128);
  CHECK(out.v[0] == 128);
  // 1×1: the lone pixel is its own block.
  const std::vector<uint8_t> one = {255, 0, 0};
  Yuv420Buffers single(1, 1, 0);
  ref::u8_rgb_to_yuv420({one.data(), 3, 1, 1, false}, single.planes(), 0, 1);
  CHECK(single.y[0] == 81);
  CHECK(single.u[0] == 90);
  CHECK(single.v[0] == 240);
}

TEST_CASE("u8_rgb_to_yuv420 matches the reference over sizes, odd edges, strides, channel orders and row ranges") {
  test::for_each_vector_isa([&](Isa isa) {
    const YuvKernels k = yuv_kernels(isa);
    for (size_t h : {1, 2, 3, 5, 8}) {
      for (size_t w : {1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 100, 129}) {
        for (size_t pad : {0, 5}) {
          for (bool bgr : {false, true}) {
            CAPTURE(h);
            CAPTURE(w);
            CAPTURE(pad);
            CAPTURE(bgr);
            const size_t stride = 3 * w + pad;
            std::vector<uint8_t> x(stride * h);
            std::mt19937 rng(uint32_t(h * 131 + w * 7 + pad));
            for (uint8_t& v : x) v = uint8_t(rng());
            const RgbImage8 image{x.data(), stride, h, w, bgr};
            const size_t ch = yuv420_chroma_size(h);
            for (auto [cb, ce] : {std::pair<size_t, size_t>{0, ch}, {ch / 2, ch}}) {
              CAPTURE(cb);
              Yuv420Buffers want(w, h, pad), got(w, h, pad);
              ref::u8_rgb_to_yuv420(image, want.planes(), cb, ce);
              k.u8_rgb_to_yuv420(image, got.planes(), cb, ce);
              CHECK(got.y == want.y);
              CHECK(got.u == want.u);
              CHECK(got.v == want.v);
            }
          }
        }
      }
    }
  });
}

}  // namespace matte
