// Shared pieces of the RVM model tests: the shared ONNX converted once per process, frames, and
// the comparison with ONNX Runtime.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
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
inline const char* const kRvmResnet50Onnx = "models/rvm_resnet50_fp32.onnx";

inline std::string temp_dir() {
  const auto dir = std::filesystem::path(MATTE_BINARY_DIR) / "test_tmp" / "model";
  std::filesystem::create_directories(dir);
  return dir.string();
}

// A shared ONNX file converted into a file of this process (tests run as parallel processes).
inline std::string converted_path(const std::string& stem) {
  return temp_dir() + "/" + stem + "_" + std::to_string(getpid()) + ".safetensors";
}

inline std::string convert_shared(const char* onnx_relative, const std::string& stem) {
  const std::string onnx = require_shared(onnx_relative);
  const ConvertedModel m = convert_onnx(onnx);
  const std::string out = converted_path(stem);
  write_weight_file(out, m.metadata, m.tensors);
  return out;
}

inline std::string rvm_weights() {
  static const std::string path = convert_shared(kRvmOnnx, "rvm");
  return path;
}

inline std::string rvm_resnet50_weights() {
  static const std::string path = convert_shared(kRvmResnet50Onnx, "rvm_resnet50");
  return path;
}

// Removes the converted files at exit.
struct WeightsCleanup {
  ~WeightsCleanup() {
    std::error_code ec;
    for (const char* stem : {"rvm", "rvm_resnet50"}) std::filesystem::remove(converted_path(stem), ec);
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
        const float v =
            (dx * dx + dy * dy < 1.f ? 180.f : 30.f) + 40.f * float((x * 7 + y * 13 + c * 5 + seed) % 11) / 11.f;
        px[(size_t(y) * width + x) * 3 + c] = uint8_t(std::min(255.f, v));
      }
  return px;
}

// Runs both over the frames and checks pha and fgr on every frame and the recurrent states after
// the last one (max|d| as the outputs; MAD 1e-4: a state is a few hundred values at 1/16 size, not
// a full frame); prints the gaps.
inline void check_parity(const char* onnx_relative, const std::string& weights, const std::vector<cli::Frame>& frames,
                         float ratio, const char* what) {
  require_onnx_runtime();
  const int w = frames[0].width, h = frames[0].height;
  Session session(weights, {.threads = 2, .settings = {{"downsample-ratio", std::to_string(ratio)}}});
  reference::Clip clip{.width = w, .height = h};
  for (const auto& f : frames) clip.frames.push_back(f.planar);
  const std::string architecture = session.capabilities().architecture;
  reference::OrtJob job = reference::network_job(architecture, require_shared(onnx_relative), clip, ratio, 2);
  for (const std::string& state : reference::recurrent_outputs(architecture)) job.outputs.push_back(state);
  const auto ort = reference::run_onnx(job);
  Diff worst_pha, worst_fgr;
  double mad_pha = 0, mad_fgr = 0;
  for (size_t i = 0; i < frames.size(); ++i) {
    const Matte m = session.process(frames[i].image8());
    const Diff dp = diff(m.alpha, ort[i].at("pha").values), df = diff(m.foreground, ort[i].at("fgr").values);
    INFO(what, " frame ", i, ": pha max ", dp.max_abs, " mad ", dp.mad, ", fgr max ", df.max_abs, " mad ", df.mad);
    CHECK(dp.max_abs <= 1e-3);
    CHECK(dp.mad <= 1e-5);
    CHECK(df.max_abs <= 1e-3);
    CHECK(df.mad <= 1e-5);
    worst_pha.max_abs = std::max(worst_pha.max_abs, dp.max_abs);
    worst_fgr.max_abs = std::max(worst_fgr.max_abs, df.max_abs);
    mad_pha = std::max(mad_pha, dp.mad);
    mad_fgr = std::max(mad_fgr, df.mad);
  }
  std::printf("%s: %zu frames, pha max|d| %.3g MAD %.3g, fgr max|d| %.3g MAD %.3g\n", what, frames.size(),
              worst_pha.max_abs, mad_pha, worst_fgr.max_abs, mad_fgr);
  const char* names[] = {"r1o", "r2o", "r3o", "r4o"};
  for (int s = 0; s < 4; ++s) {
    const StateView v = session.recurrent_state(s);
    const auto& ref = ort.back().at(names[s]);
    REQUIRE(ref.dims == std::vector<int64_t>{1, v.channels, v.height, v.width});
    const Diff d = diff(v.values, ref.values);
    CHECK(d.max_abs <= 1e-3);
    CHECK(d.mad <= 1e-4);
    std::printf("  %s [%d,%d,%d] max|d| %.3g MAD %.3g\n", names[s], v.channels, v.height, v.width, d.max_abs, d.mad);
  }
}

}  // namespace matte::test
