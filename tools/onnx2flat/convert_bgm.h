// BackgroundMattingV2 MobileNetV2: recognition and conversion (convert.cpp dispatches here).
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

#include "tools/onnx2flat/convert.h"

namespace matte::convert {

// BGMv2's graph inputs: src and bgr, and no recurrent state.
bool is_bgm_graph(const onnx::GraphProto& graph);

// Matches the Conv nodes in graph order 1:1 with models/bgm_mobilenetv2/layers.h and reads the settings
// (backbone_scale, refine_mode, sample_pixels, threshold, outputs) from the graph; throws Error
// naming `origin` (and the layer) at the first mismatch.
ConvertedModel convert_bgm(const onnx::ModelProto& model, const std::string& origin, const std::string& source_sha256);

}  // namespace matte::convert
