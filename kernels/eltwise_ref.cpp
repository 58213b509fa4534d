#include "kernels/eltwise.h"

#include <algorithm>

namespace matte {

namespace ref {

void f32_vunary(size_t n, const float* in, float* out, Act act) {
  for (size_t i = 0; i < n; ++i) out[i] = act_ref(act, in[i]);
}

void f32_vclamp(size_t n, const float* in, float* out, float lo, float hi) {
  for (size_t i = 0; i < n; ++i) out[i] = std::min(std::max(in[i], lo), hi);
}

void f32_vadd(size_t n, const float* a, const float* b, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

void f32_vsub(size_t n, const float* a, const float* b, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = a[i] - b[i];
}

void f32_vmul(size_t n, const float* a, const float* b, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = a[i] * b[i];
}

void f32_vmuladd(size_t n, const float* a, const float* b, const float* c, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = a[i] * b[i] + c[i];
}

void f32_vaffine(size_t n, const float* in, float* out, float a, float b) {
  for (size_t i = 0; i < n; ++i) out[i] = a * in[i] + b;
}

void f32_vgru_update(size_t n, const float* z, const float* h, const float* c, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = (1.0f - z[i]) * h[i] + z[i] * c[i];
}

void f32_channel_mean(size_t n, size_t channels, const float* in, size_t in_stride, float* out, size_t out_stride) {
  for (size_t i = 0; i < n; ++i) {
    float sum = 0.0f;
    for (size_t c = 0; c < channels; ++c) sum += in[i * in_stride + c];
    out[i * out_stride] = sum / static_cast<float>(channels);
  }
}

}  // namespace ref

EltwiseKernels eltwise_kernels(Isa isa) {
  return select_table(
      isa,
      [] {
        return EltwiseKernels{.f32_vunary = ref::f32_vunary,
                              .f32_vclamp = ref::f32_vclamp,
                              .f32_vadd = ref::f32_vadd,
                              .f32_vsub = ref::f32_vsub,
                              .f32_vmul = ref::f32_vmul,
                              .f32_vmuladd = ref::f32_vmuladd,
                              .f32_vaffine = ref::f32_vaffine,
                              .f32_vgru_update = ref::f32_vgru_update,
                              .f32_channel_mean = ref::f32_channel_mean};
      },
      [](auto arch) { return eltwise_table<decltype(arch)>(); });
}

const EltwiseKernels& eltwise() {
  static const EltwiseKernels table = eltwise_kernels(active_isa());
  return table;
}

}  // namespace matte
