// SessionOptions::results: each subset of the results, on real frames, equals the same results of
// a run with all of them, bit for bit, and the vectors not asked for stay empty.
#include "engine/error.h"
#include "tests/model/model_test_util.h"

namespace matte::test {

namespace {

WeightsCleanup cleanup;

const Result kRvmResults = Result::alpha | Result::foreground | Result::alpha8 | Result::foreground8;
const Result kEach[] = {Result::alpha, Result::foreground, Result::alpha8, Result::foreground8, Result::error8,
                        Result::refined8};

// b holds a's vectors of `results` and nothing else (capacity included).
void check_subset(const Matte& b, const Matte& a, Result results) {
  const auto same = [](const auto& got, const auto& full, bool wanted) {
    if (wanted) CHECK(got == full);
    else CHECK(got.capacity() == 0);
  };
  CHECK(b.width == a.width);
  CHECK(b.height == a.height);
  same(b.alpha, a.alpha, has(results, Result::alpha));
  same(b.foreground, a.foreground, has(results, Result::foreground));
  same(b.alpha8, a.alpha8, has(results, Result::alpha8));
  same(b.foreground8, a.foreground8, has(results, Result::foreground8));
  same(b.error8, a.error8, has(results, Result::error8));
  same(b.refined8, a.refined8, has(results, Result::refined8));
  CHECK(b.refined_patches == a.refined_patches);
}

Result subset(unsigned bits) {
  Result r = Result::none;
  for (size_t i = 0; i < std::size(kEach); ++i)
    if (bits & (1u << i)) r = r | kEach[i];
  return r;
}

// BGMv2 needs multiples of 4.
cli::Frame load(const char* relative, int w, int h) {
  const cv::Mat m = cli::read_image_bgr(require_shared(relative));
  return cli::frame_from_bgr(m(cv::Rect(0, 0, w, h)).clone());
}

}  // namespace

TEST_CASE("RVM: every subset of the results equals them in a full run, two frames in") {
  const cli::Frame a = load("media/images/suit_570x407.png", 570, 407);
  const cli::Frame b = load("media/images/office_1920x1080.jpg", 570, 407);
  Session full(rvm_weights(), {.threads = 2});
  const Matte fa = full.process(a.image8()), fb = full.process(b.image8());
  CHECK(fb.error8.empty());  // RVM has no error or refine map
  Session s(rvm_weights(), {.threads = 2});
  Matte reused = fb;  // buffers of every result: those not asked for are released
  for (unsigned bits = 0; bits < 64; ++bits) {
    const Result results = subset(bits);
    CAPTURE(bits);
    s.reset();
    s.set_results(results);
    check_subset(s.process(a.image8()), fa, results & kRvmResults);
    s.process(b.image8(), reused);
    check_subset(reused, fb, results & kRvmResults);
  }
  // Planar input and chunks.
  const Result some = Result::alpha8 | Result::foreground;
  Session p(rvm_weights(), {.threads = 2, .results = some});
  full.reset();
  check_subset(p.process(a.planar_image()), full.process(a.planar_image()), some);
  p.reset();
  full.reset();
  const Image8 frames[] = {a.image8(), b.image8()};
  const std::vector<Matte> chunk = p.process_chunk(frames), all = full.process_chunk(frames);
  for (size_t i = 0; i < 2; ++i) check_subset(chunk[i], all[i], some);
}

TEST_CASE("BGMv2: every subset of the results equals them in a full run") {
  const cli::Frame src = load("media/plates/greenscreen_src_658x370.png", 656, 368);
  const cli::Frame plate = load("media/plates/greenscreen_bgr_658x370.png", 656, 368);
  const ConvertedModel m = convert_onnx(require_shared("models/bgm_mobilenetv2_fp32.onnx"));
  const std::vector<uint8_t> bytes = serialize_weight_file(m.metadata, m.tensors);
  Session full(bytes, "bgm", {.threads = 2});
  const Matte all = full.process(src.image8(), plate.image8());
  REQUIRE(all.refined_patches > 0);
  Session s(bytes, "bgm", {.threads = 2});
  Matte reused = all;
  for (unsigned bits = 0; bits < 64; ++bits) {
    const Result results = subset(bits);
    CAPTURE(bits);
    s.set_results(results);
    check_subset(s.process(src.image8(), plate.image8()), all, results);
    s.process(src.image8(), plate.image8(), reused);
    check_subset(reused, all, results);
  }
}

TEST_CASE("results outside Result::all are errors") {
  CHECK_THROWS_AS(Session(rvm_weights(), {.results = Result(64)}), Error);
  Session s(rvm_weights(), {.threads = 1});
  CHECK_THROWS_AS(s.set_results(Result(128) | Result::alpha), Error);
}

}  // namespace matte::test
