// RVM ResNet50: recognised by structure, and the engine against ONNX Runtime on real frames with
// the recurrent state carried. The full 16-frame 1080p check is matte-compare's (bench/README.md).
#include "engine/weight_file.h"
#include "models/rvm_resnet50/layers.h"
#include "tests/model/model_test_util.h"

namespace matte::test {

TEST_CASE("RVM ResNet50 converts to its layer table") {
  const WeightFile file = WeightFile::open(rvm_resnet50_weights());
  CHECK(file.meta("architecture") == rvm_resnet50::kArchitecture);
  for (const ConvLayer& layer : rvm_resnet50::conv_layers()) {
    CAPTURE(layer.name);
    CHECK(file.tensor(weight_name(layer), weight_shape(layer)).size() > 0);
  }
}

TEST_CASE("RVM ResNet50 matches ONNX Runtime on 2 frames of the 1080p clip at ratio 0.25") {
  const auto frames = cli::load_frames(require_shared("media/video/studio_1920x1080.mp4"), 2);
  REQUIRE(frames.size() == 2);
  check_parity(kRvmResnet50Onnx, rvm_resnet50_weights(), frames, 0.25f, "resnet50 studio_1920x1080 r0.25");
}

TEST_CASE("RVM ResNet50 matches ONNX Runtime on 2 frames of the 360x640 clip at ratio 0.5") {
  const auto frames = cli::load_frames(require_shared("media/video/mechanic_360x640.mp4"), 2);
  REQUIRE(frames.size() == 2);
  check_parity(kRvmResnet50Onnx, rvm_resnet50_weights(), frames, 0.5f, "resnet50 mechanic_360x640 r0.5");
}

TEST_CASE("RVM ResNet50 matches ONNX Runtime on an odd-sized photo at ratio 0.375") {
  const auto frames = cli::load_frames(require_shared("media/images/suit_570x407.png"), 1);
  REQUIRE(frames.size() == 1);
  check_parity(kRvmResnet50Onnx, rvm_resnet50_weights(), {frames[0], frames[0]}, 0.375f,
               "resnet50 suit_570x407 r0.375");
}

}  // namespace matte::test
