#include <algorithm>
#include <random>

#include "kernels/resize.h"
#include "kernels/u8_pixels.h"
#include "tests/kernels/kernel_test_util.h"

namespace matte {

namespace {

// Runs the reference and table `k` on the same poisoned buffers; x and y are channel slices
// (offset 1) of wider pixels when pad > 0.
void check_resize(const ResizeKernels& k, const ResizeParams& p, size_t pad, size_t row_begin, size_t row_end) {
  const size_t xs = p.channels + pad, ys = p.channels + pad;
  const size_t off = pad > 0 ? 1 : 0;
  const auto x = test::random_floats(p.in_h * p.in_w * xs, static_cast<uint32_t>(p.in_h * 131 + p.in_w * 7 + xs));
  auto want = test::poisoned(p.out_h * p.out_w * ys + 1), got = want;
  ref::f32_resize_bilinear(p, x.data() + off, xs, want.data() + off, ys, row_begin, row_end);
  k.f32_resize_bilinear(p, x.data() + off, xs, got.data() + off, ys, row_begin, row_end);
  test::check_close(got, want, 1e-5f, 1e-5f);
}

// A single-channel image with the given values, resized by the reference.
std::vector<float> ref_resize(const ResizeParams& p, const std::vector<float>& x) {
  auto y = test::poisoned(p.out_h * p.out_w * p.channels);
  ref::f32_resize_bilinear(p, x.data(), p.channels, y.data(), p.channels, 0, p.out_h);
  return y;
}

// Table k's u8 kernel on a random image_h×image_w one (rows row_pad bytes longer than the pixels,
// read as p.in_h×p.in_w, so padded by edge replication when smaller) against its f32 kernel on
// the padded image converted by from_u8: bit-identical, strays into poison included.
void check_u8_resize(const ResizeKernels& k, const ResizeParams& p, size_t image_h, size_t image_w, size_t row_pad,
                     size_t y_pad, size_t row_begin, size_t row_end) {
  const size_t c = p.channels, row = image_w * c + row_pad, ys = c + y_pad, off = y_pad > 0 ? 1 : 0;
  std::mt19937 rng(static_cast<uint32_t>(p.in_h * 31 + p.in_w * 3 + c + image_w));
  std::vector<uint8_t> bytes(image_h * row);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng() & 0xff);
  std::vector<float> padded(p.in_h * p.in_w * c);
  for (size_t y = 0; y < p.in_h; ++y)
    for (size_t x = 0; x < p.in_w; ++x)
      for (size_t ch = 0; ch < c; ++ch)
        padded[(y * p.in_w + x) * c + ch] =
            from_u8(bytes[std::min(y, image_h - 1) * row + std::min(x, image_w - 1) * c + ch]);
  auto want = test::poisoned(p.out_h * p.out_w * ys + 1), got = want;
  k.f32_resize_bilinear(p, padded.data(), c, want.data() + off, ys, row_begin, row_end);
  k.u8_resize_bilinear(p, {bytes.data(), row, image_h, image_w}, got.data() + off, ys, row_begin, row_end);
  REQUIRE(test::same_bits(got, want));
}

}  // namespace

TEST_CASE("u8_resize_bilinear equals f32_resize_bilinear of the converted image bit for bit") {
  struct Shape {
    size_t in_h, in_w, out_h, out_w;
  };
  const Shape shapes[] = {{1, 1, 1, 1}, {1, 1, 3, 5}, {5, 7, 2, 3}, {7, 5, 3, 2}, {9, 1, 4, 1},
                          {1, 9, 1, 17}, {6, 6, 1, 1}, {17, 30, 5, 8}, {33, 65, 8, 16}};
  for (Isa isa : available_isas()) {
    const ResizeKernels k = resize_kernels(isa);
    for (const Shape& s : shapes) {
      for (size_t c : {1, 3, 4, 5}) {
        for (size_t pad : {0, 5}) {
          CAPTURE(isa_name(isa));
          CAPTURE(s.in_h);
          CAPTURE(s.in_w);
          CAPTURE(s.out_h);
          CAPTURE(s.out_w);
          CAPTURE(c);
          CAPTURE(pad);
          const ResizeParams p = resize_to_size(s.in_h, s.in_w, c, s.out_h, s.out_w);
          check_u8_resize(k, p, s.in_h, s.in_w, pad, pad, 0, p.out_h);
          if (p.out_h > 2) check_u8_resize(k, p, s.in_h, s.in_w, pad, pad, 1, p.out_h - 1);
        }
      }
    }
    for (float scale : {0.125f, 0.25f, 0.4f, 0.5f}) {
      CAPTURE(isa_name(isa));
      CAPTURE(scale);
      const ResizeParams p = resize_by_scale(45, 64, 3, scale, scale);
      check_u8_resize(k, p, 45, 64, 7, 32, 0, p.out_h);
    }
  }
}

TEST_CASE("u8_resize_bilinear reads past the image's edge as edge replication") {
  // Images up to 3 rows and columns short of the size resized, as BGMv2 pads to multiples of 4.
  for (Isa isa : available_isas()) {
    const ResizeKernels k = resize_kernels(isa);
    for (size_t short_h : {0, 1, 3}) {
      for (size_t short_w : {0, 2, 3}) {
        for (float scale : {0.125f, 0.25f, 0.5f}) {
          CAPTURE(isa_name(isa));
          CAPTURE(short_h);
          CAPTURE(short_w);
          CAPTURE(scale);
          const ResizeParams p =
              resize_to_size(36, 52, 3, resize_output_size(36, scale), resize_output_size(52, scale));
          check_u8_resize(k, p, 36 - short_h, 52 - short_w, 1, 0, 0, p.out_h);
        }
      }
    }
    const ResizeParams one = resize_to_size(4, 4, 3, 2, 2);
    check_u8_resize(k, one, 1, 1, 0, 0, 0, 2);
  }
}

TEST_CASE("resize_output_size and the by-scale / to-size parameters") {
  CHECK(resize_output_size(5, 0.4f) == 2);
  CHECK(resize_output_size(5, 0.5f) == 2);
  CHECK(resize_output_size(1080, 0.25f) == 270);
  CHECK(resize_output_size(17, 2.0f) == 34);
  const ResizeParams s = resize_by_scale(1080, 1920, 3, 0.25f, 0.25f);
  CHECK(s.out_h == 270);
  CHECK(s.out_w == 480);
  CHECK(s.scale_x == 0.25f);
  const ResizeParams t = resize_to_size(5, 5, 1, 2, 3);
  CHECK(t.scale_y == 2.0f / 5.0f);
  CHECK(t.scale_x == 3.0f / 5.0f);
}

TEST_CASE("f32_resize_bilinear reference: 2x2 -> 4x4 upsampling by hand") {
  const ResizeParams p = resize_by_scale(2, 2, 1, 2.0f, 2.0f);
  REQUIRE(p.out_h == 4);
  REQUIRE(p.out_w == 4);
  // Source coordinates -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1) on each axis.
  const std::vector<float> want = {1.0f, 1.25f, 1.75f, 2.0f, 1.5f, 1.75f, 2.25f, 2.5f,
                                   2.5f, 2.75f, 3.25f, 3.5f, 3.0f, 3.25f, 3.75f, 4.0f};
  test::check_close(ref_resize(p, {1.0f, 2.0f, 3.0f, 4.0f}), want, 0.0f, 0.0f);
  test::for_each_vector_isa([&](Isa isa) {
    auto got = test::poisoned(16);
    const std::vector<float> x = {1.0f, 2.0f, 3.0f, 4.0f};
    resize_kernels(isa).f32_resize_bilinear(p, x.data(), 1, got.data(), 1, 0, 4);
    test::check_close(got, want, 0.0f, 0.0f);
  });
}

TEST_CASE("f32_resize_bilinear reference: 5 -> 2 downsampling by scale and by size") {
  // On a ramp the output equals the source coordinate.
  const std::vector<float> ramp = {0.0f, 1.0f, 2.0f, 3.0f, 4.0f};
  // Scale 0.4 and size 2 agree: 2/5 is the same float as 0.4. Coordinates 0.5/0.4-0.5, 1.5/0.4-0.5.
  const ResizeParams by_scale = resize_by_scale(1, 5, 1, 1.0f, 0.4f);
  const ResizeParams by_size = resize_to_size(1, 5, 1, 1, 2);
  REQUIRE(by_scale.out_w == 2);
  test::check_close(ref_resize(by_scale, ramp), {0.75f, 3.25f}, 1e-6f, 0.0f);
  test::check_close(ref_resize(by_size, ramp), {0.75f, 3.25f}, 1e-6f, 0.0f);
  // Scale 0.5 also gives 2 outputs, but the coordinate uses the given scale: 0.5/0.5-0.5, 1.5/0.5-0.5.
  const ResizeParams half = resize_by_scale(1, 5, 1, 1.0f, 0.5f);
  REQUIRE(half.out_w == 2);
  test::check_close(ref_resize(half, ramp), {0.5f, 2.5f}, 0.0f, 0.0f);
}

TEST_CASE("f32_resize_bilinear reference: output length 1 samples source index 0") {
  // 3x4 image, value 10·row + col.
  std::vector<float> x;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) x.push_back(static_cast<float>(10 * r + c));
  test::check_close(ref_resize(resize_to_size(3, 4, 1, 1, 1), x), {0.0f}, 0.0f, 0.0f);
  test::check_close(ref_resize(resize_by_scale(3, 4, 1, 0.34f, 0.25f), x), {0.0f}, 0.0f, 0.0f);
  // One row out, columns at 2/4 scale: x coordinates 0.5, 2.5.
  test::check_close(ref_resize(resize_to_size(3, 4, 1, 1, 2), x), {0.5f, 2.5f}, 0.0f, 0.0f);
}

TEST_CASE("f32_resize_bilinear matches the reference over shapes, channels and strides") {
  struct Shape {
    size_t in_h, in_w, out_h, out_w;
  };
  const Shape shapes[] = {{1, 1, 1, 1}, {1, 1, 3, 5},  {2, 2, 4, 4},  {5, 7, 10, 14}, {7, 5, 3, 2},
                          {9, 1, 4, 1}, {1, 9, 1, 17}, {6, 6, 1, 1},  {4, 3, 9, 7},   {17, 30, 34, 60}};
  test::for_each_vector_isa([&](Isa isa) {
    const ResizeKernels k = resize_kernels(isa);
    for (const Shape& s : shapes) {
      for (size_t c : {1, 3, 4, 5, 8, 12, 16, 17, 32, 40, 80}) {
        for (size_t pad : {0, 3}) {
          CAPTURE(s.in_h);
          CAPTURE(s.in_w);
          CAPTURE(s.out_h);
          CAPTURE(s.out_w);
          CAPTURE(c);
          CAPTURE(pad);
          check_resize(k, resize_to_size(s.in_h, s.in_w, c, s.out_h, s.out_w), pad, 0, s.out_h);
          // A row sub-range, as a thread would get.
          if (s.out_h > 2) check_resize(k, resize_to_size(s.in_h, s.in_w, c, s.out_h, s.out_w), pad, 1, s.out_h - 1);
        }
      }
    }
  });
}

TEST_CASE("f32_resize_bilinear matches the reference by scale factor") {
  test::for_each_vector_isa([&](Isa isa) {
    const ResizeKernels k = resize_kernels(isa);
    for (float scale : {0.25f, 0.4f, 0.5f, 2.0f, 4.0f}) {
      for (size_t c : {3, 4, 128}) {
        CAPTURE(scale);
        CAPTURE(c);
        const ResizeParams p = resize_by_scale(13, 11, c, scale, scale);
        check_resize(k, p, 2, 0, p.out_h);
      }
    }
  });
}

}  // namespace matte
