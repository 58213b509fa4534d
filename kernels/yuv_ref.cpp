#include "kernels/yuv.h"

namespace matte {

namespace ref {

void u8_rgb_to_yuv420(const RgbImage8& x, const Yuv420Planes& y, size_t c_begin, size_t c_end) {
  const size_t r = x.bgr ? 2 : 0, b = 2 - r;
  for (size_t cy = c_begin; cy < c_end; ++cy) {
    const size_t y0 = 2 * cy, y1 = y0 + 1 < x.height ? y0 + 1 : y0;
    const uint8_t *row0 = x.data + y0 * x.row_stride, *row1 = x.data + y1 * x.row_stride;
    yuv420_luma(row0, r, b, y.y + y0 * y.y_stride, 0, x.width);
    if (y1 != y0) yuv420_luma(row1, r, b, y.y + y1 * y.y_stride, 0, x.width);
    yuv420_chroma(row0, row1, x.width, r, b, y.u + cy * y.u_stride, y.v + cy * y.v_stride, 0);
  }
}

}  // namespace ref

YuvKernels yuv_kernels(Isa isa) {
  return select_table(
      isa, [] { return YuvKernels{.u8_rgb_to_yuv420 = ref::u8_rgb_to_yuv420}; },
      [](auto arch) { return yuv_table<decltype(arch)>(); });
}

const YuvKernels& yuv() {
  static const YuvKernels table = yuv_kernels(active_isa());
  return table;
}

}  // namespace matte
