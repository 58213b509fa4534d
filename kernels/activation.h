// Activations fused into kernels, with the exact float formulas ONNX Runtime uses.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

namespace matte {

enum class Act : uint8_t { none, relu, relu6, hardswish, hardsigmoid, sigmoid, tanh };

// Functions here are static: the per-ISA kernel builds include this header too, and a shared
// out-of-line copy could be the AVX-512 one the linker keeps for every caller (kernels/CMakeLists.txt).

// ONNX HardSigmoid as exported from PyTorch: max(0, min(1, x/6 + 1/2)).
[[gnu::always_inline]] static inline float hardsigmoid_ref(float x) {
  return std::min(std::max(x * (1.0f / 6.0f) + 0.5f, 0.0f), 1.0f);
}

[[gnu::always_inline]] static inline float act_ref(Act act, float x) {
  switch (act) {
    case Act::none: return x;
    case Act::relu: return std::max(x, 0.0f);
    case Act::relu6: return std::min(std::max(x, 0.0f), 6.0f);  // ONNX Clip(0, 6)
    case Act::hardswish: return x * hardsigmoid_ref(x);
    case Act::hardsigmoid: return hardsigmoid_ref(x);
    case Act::sigmoid: return 1.0f / (1.0f + std::exp(-x));
    case Act::tanh: return std::tanh(x);
  }
  return x;
}

template <Act A>
using ActTag = std::integral_constant<Act, A>;

// Turns a run-time activation into a compile-time one, so inner loops carry no switch.
template <class F>
decltype(auto) with_act(Act act, F&& f) {
  switch (act) {
    case Act::relu: return f(ActTag<Act::relu>{});
    case Act::relu6: return f(ActTag<Act::relu6>{});
    case Act::hardswish: return f(ActTag<Act::hardswish>{});
    case Act::hardsigmoid: return f(ActTag<Act::hardsigmoid>{});
    case Act::sigmoid: return f(ActTag<Act::sigmoid>{});
    case Act::tanh: return f(ActTag<Act::tanh>{});
    case Act::none: break;
  }
  return f(ActTag<Act::none>{});
}

}  // namespace matte
