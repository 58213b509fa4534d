// BGMv2 against ONNX Runtime on the shared plate pairs, in each refine mode, and the refiner's
// patch selection.
#include <tbb/task_arena.h>

#include <cstdio>
#include <opencv2/core.hpp>

#include "engine/error.h"
#include "kernels/resize.h"
#include "models/bgm_mobilenetv2/bgm.h"
#include "tests/model/model_test_util.h"

namespace matte::test {

namespace {

const char* const kSampling = "models/bgm_mobilenetv2_fp32.onnx";
const char* const kThresholding = "models/bgm_mobilenetv2_thresholding_fp32.onnx";
const char* const kFull = "models/bgm_mobilenetv2_full_fp32.onnx";
const char* const kSixOutputs = "models/bgm_mobilenetv2_6out_fp32.onnx";
const char* const kFourK = "models/bgm_mobilenetv2_4k_fp32.onnx";  // backbone scale 1/8, 20 000 patches

struct Pair {
  const char* name;
  cli::Frame src, bgr;
  int width() const { return src.width; }
  int height() const { return src.height; }
};

// The pair's width×height from (x, y) (BGMv2 needs multiples of 4), alpha channels ignored.
Pair load_pair(const char* name, const std::string& src, const std::string& bgr, int width, int height, int x = 0,
               int y = 0) {
  auto load = [&](const std::string& relative) {
    const cv::Mat m = cli::read_image_bgr(require_shared(relative));
    REQUIRE(m.cols >= x + width);
    REQUIRE(m.rows >= y + height);
    return cli::frame_from_bgr(m(cv::Rect(x, y, width, height)).clone());
  };
  return {name, load(src), load(bgr)};
}

Pair greenscreen() {
  return load_pair("greenscreen 656x368", "media/plates/greenscreen_src_658x370.png",
                   "media/plates/greenscreen_bgr_658x370.png", 656, 368);
}

Pair parking() {
  return load_pair("parking 1920x1080", "media/plates/parking_src_1920x1080.jpg",
                   "media/plates/parking_bgr_1920x1080.jpg", 1920, 1080);
}

WeightFile weights(const char* onnx) {
  const ConvertedModel m = convert_onnx(require_shared(onnx));
  return WeightFile::from_bytes(serialize_weight_file(m.metadata, m.tensors), onnx);
}

struct Result {
  std::vector<float> alpha, foreground, alpha_sm, foreground_sm, error_sm, refine_sm;
  int coarse_width = 0, coarse_height = 0;
  int64_t patches = 0;
};

void fill(const View& v, const std::vector<float>& planar) {
  const size_t n = v.pixels();
  for (size_t i = 0; i < n; ++i)
    for (size_t c = 0; c < 3; ++c) v.pixel(i)[c] = planar[c * n + i];
}

Result run_ours(const WeightFile& file, const Pair& p, const bgm::Settings& settings) {
  bgm::Network net(file);
  Result r;
  tbb::task_arena arena(2);
  arena.execute([&] {
    net.plan(p.width(), p.height(), settings);
    fill(net.source(), p.src.planar);
    fill(net.plate(), p.bgr.planar);
    const size_t n = size_t(p.width()) * size_t(p.height());
    r.coarse_width = net.coarse_width();
    r.coarse_height = net.coarse_height();
    const size_t coarse = size_t(r.coarse_width) * size_t(r.coarse_height);
    r.alpha.resize(n);
    r.foreground.resize(3 * n);
    r.alpha_sm.resize(coarse);
    r.foreground_sm.resize(3 * coarse);
    r.error_sm.resize(coarse);
    r.refine_sm.resize(n / 16);
    r.patches = net.run({r.alpha.data(), r.foreground.data(), r.alpha_sm.data(), r.foreground_sm.data(),
                         r.error_sm.data(), r.refine_sm.data()});
  });
  return r;
}

reference::OrtFrame run_ort(const char* onnx, const Pair& p, const std::vector<std::string>& outputs) {
  require_onnx_runtime();
  const reference::Clip clip{.width = p.width(), .height = p.height(), .frames = {p.src.planar}, .plates = {p.bgr.planar}};
  reference::OrtJob job = reference::network_job("bgm_mobilenetv2", require_shared(onnx), clip, 0.f, 2);
  job.outputs = outputs;
  return reference::run_onnx(job).at(0);
}

// pha and fgr within the project's parity bounds; returns our patch count.
int64_t check_mode(const char* onnx, const char* mode, const Pair& p) {
  const WeightFile file = weights(onnx);
  const Result ours = run_ours(file, p, bgm::settings_of(file));
  const auto ort = run_ort(onnx, p, {"pha", "fgr"});
  const Diff da = diff(ours.alpha, ort.at("pha").values), df = diff(ours.foreground, ort.at("fgr").values);
  std::printf("%s %s: %lld patches, pha max|d| %.3g MAD %.3g, fgr max|d| %.3g MAD %.3g\n", mode, p.name,
              static_cast<long long>(ours.patches), da.max_abs, da.mad, df.max_abs, df.mad);
  INFO(mode, " ", p.name);
  CHECK(da.max_abs <= 1e-3);
  CHECK(da.mad <= 1e-5);
  CHECK(df.max_abs <= 1e-3);
  CHECK(df.mad <= 1e-5);
  return ours.patches;
}

}  // namespace

TEST_CASE("BGMv2 sampling matches ONNX Runtime on the green-screen pair") {
  CHECK(check_mode(kSampling, "sampling", greenscreen()) > 0);
}

TEST_CASE("BGMv2 sampling matches ONNX Runtime on the 1080p parking pair") {
  CHECK(check_mode(kSampling, "sampling", parking()) > 0);
}

TEST_CASE("BGMv2 thresholding matches ONNX Runtime on both pairs") {
  CHECK(check_mode(kThresholding, "thresholding", greenscreen()) > 0);
  CHECK(check_mode(kThresholding, "thresholding", parking()) > 0);
}

TEST_CASE("BGMv2 full refinement matches ONNX Runtime on both pairs") {
  CHECK(check_mode(kFull, "full", greenscreen()) == 164 * 92);
  CHECK(check_mode(kFull, "full", parking()) == 480 * 270);
}

TEST_CASE("BGMv2 matches ONNX Runtime on small crops, where every layer's edges are near") {
  for (const auto& [w, h] : {std::pair{36, 20}, std::pair{100, 52}, std::pair{132, 76}}) {
    const Pair p = load_pair("greenscreen crop", "media/plates/greenscreen_src_658x370.png",
                             "media/plates/greenscreen_bgr_658x370.png", w, h, (658 - w) / 2, (370 - h) / 2);
    INFO(w, "x", h);
    // Sampling's TopK in the graph needs more patches than these have.
    CHECK(check_mode(kThresholding, "thresholding", p) > 0);
    CHECK(check_mode(kFull, "full", p) == w * h / 16);
  }
}

TEST_CASE("BGMv2 at backbone scale 1/8 matches ONNX Runtime's 4K graph on the 1080p pair") {
  CHECK(check_mode(kFourK, "4K settings", parking()) > 0);
}

TEST_CASE("BGMv2 coarse outputs and refined patches match ONNX Runtime's six-output graph") {
  const WeightFile file = weights(kSixOutputs);
  for (const Pair& p : {greenscreen(), parking()}) {
    const Result ours = run_ours(file, p, bgm::settings_of(file));
    const auto ort = run_ort(kSixOutputs, p, {"pha", "fgr", "pha_sm", "fgr_sm", "err_sm", "ref_sm"});
    INFO(p.name);
    const std::pair<const char*, const std::vector<float>*> outputs[] = {
        {"pha", &ours.alpha},        {"fgr", &ours.foreground}, {"pha_sm", &ours.alpha_sm},
        {"fgr_sm", &ours.foreground_sm}, {"err_sm", &ours.error_sm}};
    for (const auto& [name, values] : outputs) {
      const Diff d = diff(*values, ort.at(name).values);
      std::printf("six outputs %s: %s max|d| %.3g MAD %.3g\n", p.name, name, d.max_abs, d.mad);
      INFO(name);
      CHECK(d.max_abs <= 1e-3);
      CHECK(d.mad <= 1e-5);
    }
    const std::vector<float>& ref = ort.at("ref_sm").values;
    REQUIRE(ref.size() == ours.refine_sm.size());
    int64_t ort_patches = 0, differing = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      ort_patches += ref[i] > 0.5f;
      differing += (ref[i] > 0.5f) != (ours.refine_sm[i] > 0.5f);
    }
    std::printf("six outputs %s: refined patches ours %lld, ONNX Runtime %lld, differing %lld\n", p.name,
                static_cast<long long>(ours.patches), static_cast<long long>(ort_patches),
                static_cast<long long>(differing));
    CHECK(ours.patches == ort_patches);
    CHECK(differing == 0);
  }
}

TEST_CASE("BGMv2 refines as many patches as the settings ask") {
  const WeightFile file = weights(kSampling);
  const Pair p = greenscreen();
  bgm::Settings s = bgm::settings_of(file);

  // Nothing above an error of 1: no patch refined, the output is the coarse alpha upsampled.
  s.mode = bgm::RefineMode::thresholding;
  s.threshold = 1.0f;
  const Result none = run_ours(file, p, s);
  CHECK(none.patches == 0);
  CHECK(std::count(none.refine_sm.begin(), none.refine_sm.end(), 1.0f) == 0);
  std::vector<float> upsampled(none.alpha.size());
  const ResizeParams rp = resize_to_size(size_t(none.coarse_height), size_t(none.coarse_width), 1,
                                         size_t(p.height()), size_t(p.width()));
  ref::f32_resize_bilinear(rp, none.alpha_sm.data(), 1, upsampled.data(), 1, 0, rp.out_h);
  for (float& v : upsampled) v = std::clamp(v, 0.0f, 1.0f);
  CHECK(diff(none.alpha, upsampled).max_abs == 0.0);

  // Sampling: the k = sample_pixels / 16 largest errors, only those above zero. At backbone scale
  // 1/4 the coarse error is the quarter-resolution one.
  s.mode = bgm::RefineMode::sampling;
  const int64_t positive = std::count_if(none.error_sm.begin(), none.error_sm.end(), [](float e) { return e > 0; });
  for (int sample_pixels : {16 * 100, 16 * 5000, 16 * 20000}) {
    s.sample_pixels = sample_pixels;
    const Result r = run_ours(file, p, s);
    INFO("sample_pixels ", sample_pixels, ", errors above zero ", positive);
    CHECK(r.patches == std::min<int64_t>(sample_pixels / 16, positive));
    CHECK(std::count(r.refine_sm.begin(), r.refine_sm.end(), 1.0f) == r.patches);
  }
}

TEST_CASE("BGMv2 settings: refine modes by name") {
  CHECK(bgm::parse_refine_mode("sampling") == bgm::RefineMode::sampling);
  CHECK(bgm::parse_refine_mode("thresholding") == bgm::RefineMode::thresholding);
  CHECK(bgm::parse_refine_mode("full") == bgm::RefineMode::full);
  CHECK_THROWS_AS(bgm::parse_refine_mode("Full"), matte::Error);
}

TEST_CASE("a BGMv2 session's settings default to the weight file's and change between frames") {
  const ConvertedModel m = convert_onnx(require_shared(kFourK));
  const std::vector<uint8_t> bytes = serialize_weight_file(m.metadata, m.tensors);
  CHECK_THROWS_WITH_AS(Session(bytes, kFourK, {.settings = {{"downsample-ratio", "0.5"}}}),
                       "BGMv2 (MobileNetV2) has no setting downsample-ratio (its settings: backbone-scale, "
                       "refine-mode, sample-pixels, refine-threshold)",
                       Error);
  Session s(bytes, kFourK, {.threads = 2, .settings = {{"sample-pixels", "1600"}}});
  const Capabilities& c = s.capabilities();
  CHECK(c.setting("backbone-scale")->value == "0.125");
  CHECK(c.setting("refine-mode")->value == "sampling");
  CHECK(c.setting("sample-pixels")->value == "1600");
  CHECK_FALSE(s.downsample_ratio_for(640, 480) > 0.0f);
  const Pair pair = greenscreen();
  CHECK(s.process(pair.src.image8(), pair.bgr.image8()).refined_patches == 100);
  s.set("refine-mode", "full");
  CHECK(s.process(pair.src.image8(), pair.bgr.image8()).refined_patches == (656 / 4) * (368 / 4));
  CHECK_THROWS_WITH_AS(s.set("backbone-scale", "2"), "BGMv2 (MobileNetV2): backbone-scale 2: not a number in (0, 1]",
                       Error);
}

}  // namespace matte::test
