#include "kernels/pool.h"
#include "tests/kernels/kernel_test_util.h"

namespace matte {

TEST_CASE("pool references on a 3x3 image by hand") {
  const std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const PoolParams p{3, 3, 1};
  REQUIRE(avgpool_2x2s2_output_size(3) == 2);
  auto y = test::poisoned(4);
  ref::f32_avgpool_2x2s2(p, x.data(), 1, y.data(), 1, 0, 2);
  // Full window, then the odd column, the odd row and the lone corner average what exists.
  test::check_close(y, {3.0f, 4.5f, 7.5f, 9.0f}, 0.0f, 0.0f);
  auto g = test::poisoned(1);
  ref::f32_global_avgpool(p, x.data(), 1, g.data());
  CHECK(g[0] == 5.0f);
  // Two channels interleaved: each pooled on its own.
  const std::vector<float> x2 = {1, 10, 2, 20, 3, 30, 4, 40};
  auto y2 = test::poisoned(2);
  ref::f32_avgpool_2x2s2({2, 2, 2}, x2.data(), 2, y2.data(), 2, 0, 1);
  test::check_close(y2, {2.5f, 25.0f}, 0.0f, 0.0f);
}

namespace {

using RowPool = void (*)(const PoolParams&, const float*, size_t, float*, size_t, size_t, size_t);

// A row-range pooling kernel of every vector ISA against its reference, whole buffers compared
// (what it must not write stays poison), over sizes, channel counts, pixel strides and row ranges.
void check_row_pool(RowPool PoolKernels::*kernel, RowPool reference, size_t (*output_size)(size_t)) {
  test::for_each_vector_isa([&](Isa isa) {
    const PoolKernels k = pool_kernels(isa);
    for (size_t h : {1, 2, 3, 4, 6, 9}) {
      for (size_t w : {1, 2, 5, 8, 17}) {
        for (size_t c : {1, 3, 4, 5, 8, 12, 16, 17, 40, 67, 72}) {
          for (size_t pad : {0, 3}) {
            CAPTURE(h);
            CAPTURE(w);
            CAPTURE(c);
            CAPTURE(pad);
            const size_t xs = c + pad, ys = c + pad, off = pad > 0 ? 1 : 0;
            const size_t oh = output_size(h), ow = output_size(w);
            const auto x = test::random_floats(h * w * xs, static_cast<uint32_t>(h * 97 + w * 13 + c));
            const PoolParams p{h, w, c};
            for (auto [yb, ye] : {std::pair<size_t, size_t>{0, oh}, {oh / 2, oh}}) {
              CAPTURE(yb);
              auto want = test::poisoned(oh * ow * ys + 1), got = want;
              reference(p, x.data() + off, xs, want.data() + off, ys, yb, ye);
              (k.*kernel)(p, x.data() + off, xs, got.data() + off, ys, yb, ye);
              test::check_close(got, want, 0.0f, 0.0f);
            }
          }
        }
      }
    }
  });
}

}  // namespace

TEST_CASE("f32_avgpool_2x2s2 matches the reference over shapes, channels, strides and row ranges") {
  check_row_pool(&PoolKernels::f32_avgpool_2x2s2, ref::f32_avgpool_2x2s2, avgpool_2x2s2_output_size);
}

TEST_CASE("maxpool 3x3 s2 reference on a 4x3 image by hand") {
  const std::vector<float> x = {1, 9, 3, 4, 5, 6, -7, 8, -9, 10, 11, -12};
  REQUIRE(maxpool_3x3s2_output_size(4) == 2);
  REQUIRE(maxpool_3x3s2_output_size(3) == 2);
  auto y = test::poisoned(4);
  // Rows {0,1} / {1,2,3} × columns {0,1} / {1,2}: padding is never the maximum.
  ref::f32_maxpool_3x3s2({4, 3, 1}, x.data(), 1, y.data(), 1, 0, 2);
  test::check_close(y, {9.0f, 9.0f, 11.0f, 11.0f}, 0.0f, 0.0f);
}

TEST_CASE("f32_maxpool_3x3s2 matches the reference over shapes, channels, strides and row ranges") {
  check_row_pool(&PoolKernels::f32_maxpool_3x3s2, ref::f32_maxpool_3x3s2, maxpool_3x3s2_output_size);
}

TEST_CASE("f32_global_avgpool matches the reference") {
  test::for_each_vector_isa([&](Isa isa) {
    const PoolKernels k = pool_kernels(isa);
    for (auto [h, w] : {std::pair<size_t, size_t>{1, 1}, {1, 7}, {5, 1}, {4, 6}, {17, 30}}) {
      for (size_t c : {1, 3, 4, 5, 8, 16, 17, 33, 64, 67, 72, 96, 130}) {
        for (size_t pad : {0, 2}) {
          CAPTURE(h);
          CAPTURE(w);
          CAPTURE(c);
          CAPTURE(pad);
          const size_t xs = c + pad, off = pad > 0 ? 1 : 0;
          const auto x = test::random_floats(h * w * xs, static_cast<uint32_t>(h * 31 + w + c));
          auto want = test::poisoned(c + 1), got = want;
          ref::f32_global_avgpool({h, w, c}, x.data() + off, xs, want.data());
          k.f32_global_avgpool({h, w, c}, x.data() + off, xs, got.data());
          test::check_close(got, want, 0.0f, 0.0f);
          CHECK(std::isnan(got[c]));
        }
      }
    }
  });
}

}  // namespace matte
