#include "kernels/resize.h"

namespace matte {

namespace ref {

void f32_resize_bilinear(const ResizeParams& p, const float* x, size_t x_stride, float* y, size_t y_stride,
                         size_t y_begin, size_t y_end) {
  const size_t row = p.in_w * x_stride;
  for (size_t oy = y_begin; oy < y_end; ++oy) {
    const ResizeTap ty = resize_tap(oy, p.out_h, p.in_h, p.scale_y);
    const float* r0 = x + ty.i0 * row;
    const float* r1 = x + ty.i1 * row;
    for (size_t ox = 0; ox < p.out_w; ++ox) {
      const ResizeTap tx = resize_tap(ox, p.out_w, p.in_w, p.scale_x);
      const float* a = r0 + tx.i0 * x_stride;
      const float* b = r0 + tx.i1 * x_stride;
      const float* c = r1 + tx.i0 * x_stride;
      const float* d = r1 + tx.i1 * x_stride;
      float* out = y + (oy * p.out_w + ox) * y_stride;
      // ONNX Runtime's order: weight products first, then the four terms left to right.
      const float w00 = tx.w0 * ty.w0, w01 = tx.w1 * ty.w0, w10 = tx.w0 * ty.w1, w11 = tx.w1 * ty.w1;
      for (size_t ch = 0; ch < p.channels; ++ch) out[ch] = w00 * a[ch] + w01 * b[ch] + w10 * c[ch] + w11 * d[ch];
    }
  }
}

}  // namespace ref

ResizeKernels resize_kernels(Isa isa) {
  return select_table(
      isa, [] { return ResizeKernels{ref::f32_resize_bilinear}; },
      [](auto arch) { return resize_table<decltype(arch)>(); });
}

const ResizeKernels& resize() {
  static const ResizeKernels table = resize_kernels(active_isa());
  return table;
}

}  // namespace matte
