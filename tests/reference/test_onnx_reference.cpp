// The ONNX Runtime reference runner (node + onnxruntime-node) on the shared RVM model.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "engine/error.h"
#include "tests/shared_data.h"
#include "tools/reference/onnx_reference.h"

namespace matte::reference {

namespace {

const char* const kRvm = "models/rvm_mobilenetv3_fp32.onnx";
constexpr int kWidth = 64;
constexpr int kHeight = 48;

// Node and onnxruntime-node are part of the setup: their absence is a failure, not a skip.
void require_onnx_runtime() {
  std::string why;
  const bool available = onnx_runtime_available(&why);
  INFO("ONNX Runtime reference unavailable (run scripts/setup.sh): ", why);
  REQUIRE(available);
}

// A smooth planar RGB frame [3][H][W] in [0,1] with a bright ellipse in the middle, like a figure.
std::vector<float> synthetic_frame(int width, int height) {
  std::vector<float> chw(size_t(3) * width * height);
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        const float dx = (x - width / 2.f) / (width / 4.f), dy = (y - height / 2.f) / (height / 3.f);
        const float figure = dx * dx + dy * dy < 1.f ? 0.8f : 0.f;
        const float ramp = 0.2f * (float(x) / width + float(y) / height) + 0.05f * c;
        chw[(size_t(c) * height + y) * width + x] = std::min(1.f, figure + ramp);
      }
    }
  }
  return chw;
}

const std::vector<std::string> kAllOutputs{"fgr", "pha", "r1o", "r2o", "r3o", "r4o"};

// RVM MobileNetV3's graph, driven by its registry entry's names, over kWidth×kHeight frames.
OrtJob rvm_job(const std::string& model, std::vector<std::vector<float>> frames, float ratio, int threads,
               std::vector<std::string> outputs) {
  OrtJob job = network_job("rvm_mobilenetv3", model, {.width = kWidth, .height = kHeight, .frames = std::move(frames)},
                           ratio, threads);
  job.outputs = std::move(outputs);
  return job;
}

}  // namespace

TEST_CASE("ORT reference: RVM output dims at downsample ratio 1") {
  const std::string model = test::require_shared(kRvm);
  require_onnx_runtime();
  const auto frames = run_onnx(rvm_job(model, {synthetic_frame(kWidth, kHeight)}, 1.f, 2, kAllOutputs));
  REQUIRE(frames.size() == 1);
  const auto& f = frames[0];
  CHECK(f.at("fgr").dims == std::vector<int64_t>{1, 3, 48, 64});
  CHECK(f.at("pha").dims == std::vector<int64_t>{1, 1, 48, 64});
  CHECK(f.at("r1o").dims == std::vector<int64_t>{1, 16, 24, 32});
  CHECK(f.at("r2o").dims == std::vector<int64_t>{1, 20, 12, 16});
  CHECK(f.at("r3o").dims == std::vector<int64_t>{1, 40, 6, 8});
  CHECK(f.at("r4o").dims == std::vector<int64_t>{1, 64, 3, 4});
  for (const auto& [name, tensor] : f) {
    INFO(name);
    CHECK(tensor.values.size() == size_t(std::abs(tensor.dims[0] * tensor.dims[1] * tensor.dims[2] * tensor.dims[3])));
  }
}

TEST_CASE("ORT reference: RVM at downsample ratio 0.5 halves the recurrent states") {
  const std::string model = test::require_shared(kRvm);
  require_onnx_runtime();
  const auto frames =
      run_onnx(rvm_job(model, {synthetic_frame(kWidth, kHeight)}, 0.5f, 1, {"pha", "r1o", "r4o"}));
  REQUIRE(frames.size() == 1);
  CHECK(frames[0].at("pha").dims == std::vector<int64_t>{1, 1, 48, 64});
  CHECK(frames[0].at("r1o").dims == std::vector<int64_t>{1, 16, 12, 16});
  CHECK(frames[0].at("r4o").dims == std::vector<int64_t>{1, 64, 2, 2});
}

TEST_CASE("ORT reference: RVM alpha and foreground lie in [0,1]") {
  const std::string model = test::require_shared(kRvm);
  require_onnx_runtime();
  const auto frames = run_onnx(rvm_job(model, {synthetic_frame(kWidth, kHeight)}, 1.f, 2, {"fgr", "pha"}));
  for (const char* name : {"fgr", "pha"}) {
    const auto& v = frames.at(0).at(name).values;
    INFO(name);
    CHECK(std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x) && x >= 0.f && x <= 1.f; }));
  }
}

TEST_CASE("ORT reference: recurrent states are fed from frame to frame") {
  const std::string model = test::require_shared(kRvm);
  require_onnx_runtime();
  // The same frame twice: any difference in the outputs comes from the state fed back.
  const auto frame = synthetic_frame(kWidth, kHeight);
  const auto frames = run_onnx(rvm_job(model, {frame, frame}, 1.f, 2, {"pha", "r1o"}));
  REQUIRE(frames.size() == 2);
  const auto& a = frames[0].at("r1o").values;
  const auto& b = frames[1].at("r1o").values;
  REQUIRE(a.size() == b.size());
  float max_diff = 0.f;
  for (size_t i = 0; i < a.size(); ++i) max_diff = std::max(max_diff, std::abs(a[i] - b[i]));
  CHECK(max_diff > 1e-3f);
}

TEST_CASE("ORT reference: timing mode reports one positive time per frame") {
  const std::string model = test::require_shared(kRvm);
  require_onnx_runtime();
  const auto seconds = time_onnx(rvm_job(model, {synthetic_frame(kWidth, kHeight)}, 1.f, 1, {"pha"}), 3);
  REQUIRE(seconds.size() == 3);
  for (double s : seconds) CHECK((s > 0.0 && s < 10.0));
}

TEST_CASE("ORT reference: BGMv2's job feeds the frame and its plate, with no recurrence") {
  const std::string model = test::require_shared("models/bgm_mobilenetv2_fp32.onnx");
  require_onnx_runtime();
  // The sampling refiner picks 5000 4x4 patches at quarter resolution, so the frame needs at least that many.
  constexpr int w = 512, h = 288;
  auto bgr = synthetic_frame(w, h);
  for (float& v : bgr) v *= 0.5f;
  const Clip clip{.width = w, .height = h, .frames = {synthetic_frame(w, h)}, .plates = {bgr}};
  const OrtJob job = network_job("bgm_mobilenetv2", model, clip, 0.f, 2);
  CHECK(job.outputs == std::vector<std::string>{"pha", "fgr"});
  CHECK(job.recurrent.empty());
  CHECK(recurrent_outputs("bgm_mobilenetv2").empty());
  CHECK(recurrent_outputs("rvm_resnet50") == std::vector<std::string>{"r1o", "r2o", "r3o", "r4o"});
  const auto frames = run_onnx(job);
  REQUIRE(frames.size() == 1);
  CHECK(frames[0].at("pha").dims == std::vector<int64_t>{1, 1, h, w});
  CHECK(frames[0].at("fgr").dims == std::vector<int64_t>{1, 3, h, w});
}

TEST_CASE("ORT reference: a missing model is an error naming the file") {
  require_onnx_runtime();
  const std::string missing = "/nonexistent/dir/no_such_model.onnx";
  try {
    run_onnx(rvm_job(missing, {synthetic_frame(kWidth, kHeight)}, 1.f, 1, {"pha"}));
    FAIL("no error for a missing model");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find(missing) != std::string::npos);
  }
}

TEST_CASE("ORT reference: bad inputs are errors") {
  const std::string model = test::require_shared(kRvm);
  require_onnx_runtime();
  // Plates go with the networks that take them, one per frame; architectures are the registry's.
  const std::vector<float> f = synthetic_frame(kWidth, kHeight);
  CHECK_THROWS_WITH_AS(network_job("rvm_mobilenetv3", model, {.width = kWidth, .height = kHeight, .frames = {f}, .plates = {f}}, 1.f, 1),
                       "ONNX reference: rvm_mobilenetv3 takes no plates, given 1 for 1 frames", Error);
  CHECK_THROWS_AS(network_job("bgm_mobilenetv2", model, {.width = kWidth, .height = kHeight, .frames = {f, f}, .plates = {f}}, 1.f, 1),
                  Error);
  CHECK_THROWS_WITH_AS(network_job("modnet", model, {.width = kWidth, .height = kHeight, .frames = {f}}, 1.f, 1),
                       "architecture 'modnet' is none of rvm_mobilenetv3, rvm_resnet50, bgm_mobilenetv2", Error);
  // A frame that does not match the stated size never reaches node.
  CHECK_THROWS_AS(run_onnx(rvm_job(model, {std::vector<float>(10)}, 1.f, 1, {"pha"})), Error);
  // An output the model does not have is named in the message.
  try {
    run_onnx(rvm_job(model, {synthetic_frame(kWidth, kHeight)}, 1.f, 1, {"alpha"}));
    FAIL("no error for an unknown output");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("\"alpha\"") != std::string::npos);
  }
}

}  // namespace matte::reference
