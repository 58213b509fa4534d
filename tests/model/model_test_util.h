// Shared pieces of the RVM model tests: the shared ONNX converted once per process, frames, and
// the comparison with ONNX Runtime.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/matte.h"
#include "engine/weight_file.h"
#include "tests/shared_data.h"
#include "tools/common/frames.h"
#include "tools/onnx2flat/convert.h"
#include "tools/reference/onnx_reference.h"

namespace matte::test {

inline const char* const kRvmOnnx = "models/rvm_mobilenetv3_fp32.onnx";

inline std::string temp_dir() {
  const auto dir = std::filesystem::path(MATTE_BINARY_DIR) / "test_tmp" / "model";
  std::filesystem::create_directories(dir);
  return dir.string();
}

// The shared RVM converted into a file of this process (tests run as parallel processes).
inline std::string rvm_weights() {
  static const std::string path = [] {
    const std::string onnx = require_shared(kRvmOnnx);
    const ConvertedModel m = convert_onnx(onnx);
    const std::string out = temp_dir() + "/rvm_" + std::to_string(getpid()) + ".safetensors";
    write_weight_file(out, m.metadata, m.tensors);
    return out;
  }();
  return path;
}

// Removes the converted file at exit.
struct WeightsCleanup {
  ~WeightsCleanup() {
    std::error_code ec;
    std::filesystem::remove(temp_dir() + "/rvm_" + std::to_string(getpid()) + ".safetensors", ec);
  }
};

inline void require_onnx_runtime() {
  std::string why;
  const bool available = reference::onnx_runtime_available(&why);
  INFO("ONNX Runtime reference unavailable (run scripts/setup.sh): ", why);
  REQUIRE(available);
}

struct Diff {
  double max_abs = 0.0, mad = 0.0;
};

inline Diff diff(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  Diff d;
  double sum = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double e = std::abs(double(a[i]) - double(b[i]));
    d.max_abs = std::max(d.max_abs, e);
    sum += e;
  }
  d.mad = a.empty() ? 0.0 : sum / double(a.size());
  return d;
}

// A smooth RGB frame with a bright blob, interleaved 8-bit.
inline std::vector<uint8_t> synthetic_rgb(int width, int height, int seed = 0) {
  std::vector<uint8_t> px(size_t(3) * width * height);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c) {
        const float dx = (x - width / 2.f) / (width / 4.f + 1), dy = (y - height / 2.f) / (height / 3.f + 1);
        const float v = (dx * dx + dy * dy < 1.f ? 180.f : 30.f) + 40.f * float((x * 7 + y * 13 + c * 5 + seed) % 11) / 11.f;
        px[(size_t(y) * width + x) * 3 + c] = uint8_t(std::min(255.f, v));
      }
  return px;
}

}  // namespace matte::test
