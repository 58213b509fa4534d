// The real models the structured fuzz targets start from, read once from ../shared.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace matte::fuzz {

inline const char* const kRvmModel = "models/rvm_mobilenetv3_fp32.onnx";
inline const char* const kBgmModel = "models/bgm_mobilenetv2_fp32.onnx";

// The model's path; exits 77 (ctest's "skipped") when ../shared lacks it.
inline std::string require_model(const std::string& relative) {
  const std::string path = std::string(MATTE_SHARED_DIR) + "/" + relative;
  if (!std::filesystem::exists(path)) {
    std::printf("SKIPPED: %s is absent (this fuzz target needs ../shared beside the project)\n", path.c_str());
    std::fflush(stdout);
    std::exit(77);
  }
  return path;
}

}  // namespace matte::fuzz
