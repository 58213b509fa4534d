// The engine against ONNX Runtime on real frames, recurrent state carried.
#include <cstdio>

#include "tests/model/model_test_util.h"

namespace matte::test {

namespace {

WeightsCleanup cleanup;

// Runs both over the frames and checks pha and fgr on every frame; prints the recurrent states' gaps.
void check_parity(const std::vector<cli::Frame>& frames, float ratio, const char* what) {
  const std::string weights = rvm_weights();
  require_onnx_runtime();
  const int w = frames[0].width, h = frames[0].height;
  std::vector<std::vector<float>> planar;
  for (const auto& f : frames) planar.push_back(f.planar);
  const auto ort = reference::run_rvm_onnx(require_shared(kRvmOnnx), planar, w, h, ratio, 2,
                                           {"fgr", "pha", "r1o", "r2o", "r3o", "r4o"});
  Session session(weights, {.threads = 2, .downsample_ratio = ratio});
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
    std::printf("  %s [%d,%d,%d] max|d| %.3g MAD %.3g\n", names[s], v.channels, v.height, v.width, d.max_abs, d.mad);
  }
}

}  // namespace

TEST_CASE("RVM matches ONNX Runtime on 8 video frames at ratio 0.5") {
  const auto frames = cli::load_frames(require_shared("media/video/mechanic_360x640.mp4"), 8);
  REQUIRE(frames.size() == 8);
  check_parity(frames, 0.5f, "mechanic_360x640 r0.5");
}

TEST_CASE("RVM matches ONNX Runtime on an odd-sized photo at ratio 0.375") {
  const auto frames = cli::load_frames(require_shared("media/images/suit_570x407.png"), 1);
  REQUIRE(frames.size() == 1);
  // The same photo twice: the second frame runs on a carried state.
  check_parity({frames[0], frames[0]}, 0.375f, "suit_570x407 r0.375");
}

}  // namespace matte::test
