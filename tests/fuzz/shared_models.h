// The real models the structured fuzz targets start from, read once from ../shared
// (test::require_shared: absent, the target exits 77, ctest's "skipped").
#pragma once

#include "tests/shared_data.h"

namespace matte::fuzz {

inline const char* const kRvmModel = "models/rvm_mobilenetv3_fp32.onnx";
inline const char* const kBgmModel = "models/bgm_mobilenetv2_fp32.onnx";

}  // namespace matte::fuzz
