#include "kernels/resize.h"

#include <algorithm>

#include "kernels/u8_pixels.h"

namespace matte {

namespace ref {

namespace {

// Pixels `pixel` elements apart, rows `row` elements apart, indices past last_y / last_x read
// those; read() turns an element into a float.
template <class T, class Read>
void resize_bilinear(const ResizeParams& p, const T* in, size_t pixel, size_t row, size_t last_y, size_t last_x,
                     float* out, size_t out_stride, size_t row_begin, size_t row_end, Read read) {
  for (size_t oy = row_begin; oy < row_end; ++oy) {
    const ResizeTap ty = resize_tap(oy, p.out_h, p.in_h, p.scale_y);
    const T* r0 = in + std::min(ty.i0, last_y) * row;
    const T* r1 = in + std::min(ty.i1, last_y) * row;
    for (size_t ox = 0; ox < p.out_w; ++ox) {
      const ResizeTap tx = resize_tap(ox, p.out_w, p.in_w, p.scale_x);
      const T* a = r0 + std::min(tx.i0, last_x) * pixel;
      const T* b = r0 + std::min(tx.i1, last_x) * pixel;
      const T* c = r1 + std::min(tx.i0, last_x) * pixel;
      const T* d = r1 + std::min(tx.i1, last_x) * pixel;
      float* dst = out + (oy * p.out_w + ox) * out_stride;
      // ONNX Runtime's order: weight products first, then the four terms left to right.
      const float w00 = tx.w0 * ty.w0, w01 = tx.w1 * ty.w0, w10 = tx.w0 * ty.w1, w11 = tx.w1 * ty.w1;
      for (size_t ch = 0; ch < p.channels; ++ch)
        dst[ch] = w00 * read(a[ch]) + w01 * read(b[ch]) + w10 * read(c[ch]) + w11 * read(d[ch]);
    }
  }
}

}  // namespace

void f32_resize_bilinear(const ResizeParams& p, const float* in, size_t in_stride, float* out, size_t out_stride,
                         size_t row_begin, size_t row_end) {
  resize_bilinear(p, in, in_stride, p.in_w * in_stride, p.in_h - 1, p.in_w - 1, out, out_stride, row_begin, row_end,
                  [](float v) { return v; });
}

void u8_resize_bilinear(const ResizeParams& p, const U8Image& in, float* out, size_t out_stride, size_t row_begin,
                        size_t row_end) {
  resize_bilinear(p, in.data, p.channels, in.row_stride, in.height - 1, in.width - 1, out, out_stride, row_begin,
                  row_end, [](uint8_t v) { return from_u8(v); });
}

}  // namespace ref

ResizeKernels resize_kernels(Isa isa) {
  return select_table(
      isa,
      [] {
        return ResizeKernels{.f32_resize_bilinear = ref::f32_resize_bilinear,
                             .u8_resize_bilinear = ref::u8_resize_bilinear};
      },
      [](auto arch) { return resize_table<decltype(arch)>(); });
}

const ResizeKernels& resize() {
  static const ResizeKernels table = resize_kernels(active_isa());
  return table;
}

}  // namespace matte
