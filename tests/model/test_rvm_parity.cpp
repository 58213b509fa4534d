// The engine against ONNX Runtime on real frames, recurrent state carried.
#include <cstdio>

#include "tests/model/model_test_util.h"

namespace matte::test {

namespace {

WeightsCleanup cleanup;

}  // namespace

TEST_CASE("RVM matches ONNX Runtime on 8 video frames at ratio 0.5") {
  const auto frames = cli::load_frames(require_shared("media/video/mechanic_360x640.mp4"), 8);
  REQUIRE(frames.size() == 8);
  check_parity(kRvmOnnx, rvm_weights(), frames, 0.5f, "mechanic_360x640 r0.5");
}

TEST_CASE("RVM matches ONNX Runtime on an odd-sized photo at ratio 0.375") {
  const auto frames = cli::load_frames(require_shared("media/images/suit_570x407.png"), 1);
  REQUIRE(frames.size() == 1);
  // The same photo twice: the second frame runs on a carried state.
  check_parity(kRvmOnnx, rvm_weights(), {frames[0], frames[0]}, 0.375f, "suit_570x407 r0.375");
}

}  // namespace matte::test
