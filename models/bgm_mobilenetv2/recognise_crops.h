// The converter's check of BGMv2's patch crops: the engine copies the refiner's patches pixel for
// pixel, so a graph whose RoiAlign boxes sample anything else is refused. Converter only (ONNX).
#pragma once

#include <cstdint>

#include "tools/onnx2flat/onnx_graph.h"

namespace matte::convert {

// Throws Error naming the file and the RoiAlign when a box is not exactly index·stride + j,
// j < output size, at the pixel centres; `opset` decides RoiAlign's default coordinate mode.
void check_patch_crops(const Graph& g, int64_t opset);

}  // namespace matte::convert
