// Session behaviour: recurrent state, chunks, odd sizes, input formats and bad input.
#include "engine/error.h"
#include "tests/model/model_test_util.h"

namespace matte::test {

namespace {

WeightsCleanup cleanup;

Image8 image(const std::vector<uint8_t>& px, int w, int h, PixelFormat f = PixelFormat::rgb8) {
  return {px.data(), w, h, size_t(w) * 3, f};
}

void check_same(const Matte& a, const Matte& b) {
  CHECK(a.alpha == b.alpha);
  CHECK(a.foreground == b.foreground);
  CHECK(a.alpha8 == b.alpha8);
  CHECK(a.foreground8 == b.foreground8);
}

void check_valid(const Matte& m, int w, int h) {
  const size_t n = size_t(w) * size_t(h);
  REQUIRE(m.alpha.size() == n);
  REQUIRE(m.foreground.size() == 3 * n);
  REQUIRE(m.alpha8.size() == n);
  REQUIRE(m.foreground8.size() == 3 * n);
  for (float v : m.alpha) REQUIRE((std::isfinite(v) && v >= 0.f && v <= 1.f));
  for (float v : m.foreground) REQUIRE((std::isfinite(v) && v >= 0.f && v <= 1.f));
  for (size_t i = 0; i < n; ++i) REQUIRE(m.alpha8[i] == uint8_t(std::lround(m.alpha[i] * 255.f)));
}

}  // namespace

TEST_CASE("reset() gives the first frame's result again") {
  Session s(rvm_weights(), {.threads = 2, .settings = {{"downsample-ratio", "0.5"}}});
  const auto f0 = synthetic_rgb(64, 48, 0), f1 = synthetic_rgb(64, 48, 5);
  const Matte first = s.process(image(f0, 64, 48));
  s.process(image(f1, 64, 48));
  const Matte carried = s.process(image(f0, 64, 48));
  CHECK(carried.alpha != first.alpha);  // the state carried over
  s.reset();
  check_same(s.process(image(f0, 64, 48)), first);
}

TEST_CASE("process_chunk of 4 frames equals frame by frame") {
  std::vector<std::vector<uint8_t>> px;
  std::vector<Image8> frames;
  for (int i = 0; i < 4; ++i) px.push_back(synthetic_rgb(50, 38, i * 3));
  for (const auto& p : px) frames.push_back(image(p, 50, 38));
  Session a(rvm_weights(), {.threads = 2, .settings = {{"downsample-ratio", "0.75"}}});
  Session b(rvm_weights(), {.threads = 1, .settings = {{"downsample-ratio", "0.75"}}});
  const std::vector<Matte> chunk = a.process_chunk(frames);
  REQUIRE(chunk.size() == 4);
  for (int i = 0; i < 4; ++i) check_same(chunk[i], b.process(frames[i]));
  for (int s = 0; s < 4; ++s) CHECK(a.recurrent_state(s).values == b.recurrent_state(s).values);
  // A change of chunk length keeps the recurrent state.
  check_same(a.process(frames[0]), b.process(frames[0]));
}

TEST_CASE("odd frame sizes run and give finite values in range") {
  Session s(rvm_weights(), {.threads = 2});
  struct Case {
    int w, h;
    float ratio;
  };
  for (const Case c : {Case{33, 17, 1.f}, Case{17, 33, 0.5f}, Case{1, 1, 1.f}, Case{3, 2, 1.f}, Case{101, 7, 0.3f},
                       Case{9, 64, 0.125f}}) {
    INFO(c.w, "x", c.h, " r", c.ratio);
    s.reset();
    s.set("downsample-ratio", std::to_string(c.ratio));
    const auto px = synthetic_rgb(c.w, c.h);
    for (int i = 0; i < 2; ++i) check_valid(s.process(image(px, c.w, c.h)), c.w, c.h);
    const StateView r4 = s.recurrent_state(3);
    CHECK(r4.channels == 64);
    CHECK(r4.values.size() == size_t(64) * r4.height * r4.width);
  }
}

TEST_CASE("8-bit BGR, strided rows and planar float input give the same matte") {
  const int w = 40, h = 30;
  const auto rgb = synthetic_rgb(w, h, 1);
  std::vector<uint8_t> bgr_padded(size_t(w * 3 + 5) * h, 0);
  std::vector<float> planar(size_t(3) * w * h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) {
        const uint8_t v = rgb[(size_t(y) * w + x) * 3 + c];
        bgr_padded[size_t(y) * (w * 3 + 5) + x * 3 + (2 - c)] = v;
        planar[(size_t(c) * h + y) * w + x] = float(v) / 255.f;
      }
  Session s(rvm_weights(), {.threads = 2, .settings = {{"downsample-ratio", "0.5"}}});
  const Matte from_rgb = s.process(image(rgb, w, h));
  s.reset();
  const Matte from_bgr = s.process(Image8{bgr_padded.data(), w, h, size_t(w * 3 + 5), PixelFormat::bgr8});
  s.reset();
  const Matte from_planar = s.process(PlanarImage{planar.data(), w, h});
  CHECK(from_bgr.alpha == from_rgb.alpha);
  CHECK(from_bgr.foreground == from_rgb.foreground);
  CHECK(from_planar.alpha == from_rgb.alpha);
  CHECK(from_planar.foreground8 == from_rgb.foreground8);
  // Interleaved 8-bit output keeps the input's channel order.
  for (size_t i = 0; i < size_t(w) * h; ++i) {
    REQUIRE(from_bgr.foreground8[i * 3] == from_rgb.foreground8[i * 3 + 2]);
    REQUIRE(from_bgr.foreground8[i * 3 + 2] == from_rgb.foreground8[i * 3]);
  }
}

TEST_CASE("a frame of another size without reset() is an error") {
  Session s(rvm_weights(), {.threads = 1, .settings = {{"downsample-ratio", "0.5"}}});
  const auto a = synthetic_rgb(32, 24), b = synthetic_rgb(24, 32);
  s.process(image(a, 32, 24));
  CHECK_THROWS_AS(s.process(image(b, 24, 32)), Error);
  s.reset();
  CHECK_NOTHROW(s.process(image(b, 24, 32)));
  s.reset();
  const std::vector<Image8> mixed{image(a, 32, 24), image(b, 24, 32)};
  CHECK_THROWS_AS(s.process_chunk(mixed), Error);
}

TEST_CASE("bad frames and ratios are errors") {
  Session s(rvm_weights(), {.threads = 1});
  const auto px = synthetic_rgb(8, 8);
  CHECK_THROWS_AS(s.process(Image8{px.data(), 8, 8, 20, PixelFormat::rgb8}), Error);
  CHECK_THROWS_AS(s.process(Image8{nullptr, 8, 8, 24, PixelFormat::rgb8}), Error);
  for (const char* bad : {"1.5", "-0.1", "0", "nan", "0.5x", "", "Auto"}) {
    INFO(bad);
    CHECK_THROWS_WITH_AS(s.set("downsample-ratio", bad),
                         ("RVM (MobileNetV3): downsample-ratio " + std::string(bad) +
                          ": not a number in (0, 1] or auto").c_str(),
                         Error);
  }
  CHECK(s.capabilities().setting("downsample-ratio")->value == "auto");  // unchanged by the refusals
  s.set("downsample-ratio", "0.01");
  CHECK(s.capabilities().setting("downsample-ratio")->value == "0.01");
  CHECK_THROWS_AS(s.process(image(px, 8, 8)), Error);  // nothing left after downsampling
  s.set("downsample-ratio", "auto");
  CHECK(s.downsample_ratio_for(1024, 2048) == doctest::Approx(0.25f));
  CHECK(s.downsample_ratio_for(300, 200) == 1.f);
}

TEST_CASE("a setting the network has not is an error naming the network and its settings") {
  CHECK_THROWS_WITH_AS(Session(rvm_weights(), {.settings = {{"backbone-scale", "0.5"}}}),
                       "RVM (MobileNetV3) has no setting backbone-scale (its settings: downsample-ratio)", Error);
  Session s(rvm_weights(), {.threads = 1});
  CHECK_THROWS_WITH_AS(s.set("refine-mode", "full"),
                       "RVM (MobileNetV3) has no setting refine-mode (its settings: downsample-ratio)", Error);
}

TEST_CASE("settings are checked by kind and range") {
  const Setting ratio{.name = "r", .description = "", .kind = Setting::Kind::number, .min = 0, .max = 1,
                      .words = {"auto"}, .value = "auto", .between_frames = true};
  const Setting pixels{.name = "n", .description = "", .kind = Setting::Kind::integer, .min = 16, .max = 1000,
                       .words = {}, .value = "", .between_frames = true};
  const Setting mode{.name = "m", .description = "", .kind = Setting::Kind::word, .min = 0, .max = 0,
                     .words = {"a", "b", "c"}, .value = "", .between_frames = true};
  for (const char* good : {"1", "0.5", "1e-3", "auto"}) CHECK_NOTHROW(check_setting(ratio, good));
  for (const char* bad : {"0", "1.01", "inf", "nan", " 0.5", "0.5 ", "1e400"}) CHECK_THROWS_AS(check_setting(ratio, bad), Error);
  for (const char* good : {"16", "1000", "1e3"}) CHECK_NOTHROW(check_setting(pixels, good));
  CHECK_THROWS_WITH_AS(check_setting(pixels, "16.5"), "n 16.5: not an integer in [16, 1000]", Error);
  CHECK_THROWS_AS(check_setting(pixels, "15"), Error);
  CHECK_NOTHROW(check_setting(mode, "b"));
  CHECK_THROWS_WITH_AS(check_setting(mode, "d"), "m d: not a, b or c", Error);
}

TEST_CASE("the registry lists every network's settings with their defaults") {
  const std::vector<Capabilities> all = supported_networks();
  REQUIRE(all.size() == 3);
  CHECK(all[0].architecture == "rvm_mobilenetv3");
  CHECK(all[1].architecture == "rvm_resnet50");
  CHECK(all[2].architecture == "bgm_mobilenetv2");
  for (int i : {0, 1}) {
    REQUIRE(all[i].settings.size() == 1);
    CHECK(all[i].setting("downsample-ratio")->value == "auto");
  }
  std::vector<std::string> bgm;
  for (const Setting& s : all[2].settings) {
    bgm.push_back(s.name);
    CHECK(s.value.empty());  // the weight file's
  }
  CHECK(bgm == std::vector<std::string>{"backbone-scale", "refine-mode", "sample-pixels", "refine-threshold"});
}

TEST_CASE("a weight file of another architecture is an error naming the file") {
  const std::string path = temp_dir() + "/other_" + std::to_string(getpid()) + ".safetensors";
  write_weight_file(path, {{"architecture", "modnet"}}, {{"backbone.conv.weight", {2, 2}, {1, 2, 3, 4}}});
  try {
    Session s(path);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find(path) != std::string::npos);
    CHECK(std::string(e.what()).find("rvm_mobilenetv3") != std::string::npos);
    CHECK(std::string(e.what()).find("bgm_mobilenetv2") != std::string::npos);
  }
  std::filesystem::remove(path);
}

TEST_CASE("an RVM weight file with a missing tensor is an error naming the file") {
  const ConvertedModel m = convert_onnx(require_shared(kRvmOnnx));
  std::vector<WeightTensor> tensors;
  for (const auto& t : m.tensors)
    if (t.name != "decoder.decode2.gru.hh.0.weight") tensors.push_back(t);
  const std::string path = temp_dir() + "/missing_" + std::to_string(getpid()) + ".safetensors";
  write_weight_file(path, m.metadata, tensors);
  try {
    Session s(path);
    FAIL("no error");
  } catch (const Error& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find(path) != std::string::npos);
    CHECK(std::string(e.what()).find("decoder.decode2.gru.hh.0.weight") != std::string::npos);
  }
  std::filesystem::remove(path);
  CHECK_THROWS_AS(Session("/nonexistent/rvm.safetensors"), Error);
}

}  // namespace matte::test
