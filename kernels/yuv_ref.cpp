#include "kernels/yuv.h"

namespace matte {

namespace ref {

void u8_rgb_to_yuv420(const RgbImage8& in, const Yuv420Planes& out, size_t row_begin, size_t row_end) {
  const size_t r = in.bgr ? 2 : 0, b = 2 - r;
  for (size_t cy = row_begin; cy < row_end; ++cy) {
    const size_t y0 = 2 * cy, y1 = y0 + 1 < in.height ? y0 + 1 : y0;
    const uint8_t *row0 = in.data + y0 * in.row_stride, *row1 = in.data + y1 * in.row_stride;
    yuv420_luma(row0, r, b, out.y + y0 * out.y_stride, 0, in.width);
    if (y1 != y0) yuv420_luma(row1, r, b, out.y + y1 * out.y_stride, 0, in.width);
    yuv420_chroma(row0, row1, in.width, r, b, out.u + cy * out.u_stride, out.v + cy * out.v_stride, 0);
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
