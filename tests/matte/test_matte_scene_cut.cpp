// --reset-on-scene-cut: the luma histogram distance, its default against the shared clips, and the
// `matte` executable resetting the state at a cut.
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "tests/matte/cli_test_util.h"
#include "tests/matte/media.h"
#include "tests/shared_data.h"
#include "tools/matte/scene_cut.h"
#include "tools/matte/source.h"

namespace matte::test {

namespace {

using cli::histogram_distance;
using cli::luma_histogram;
using cli::LumaHistogram;

std::vector<LumaHistogram> histograms_of(const std::string& input) {
  const auto source = cli::FrameSource::open(input, 0, 0.0);
  std::vector<LumaHistogram> histograms;
  for (cv::Mat bgr; source->read(bgr);) histograms.push_back(luma_histogram(bgr));
  return histograms;
}


// The first `count` frames of a shared clip, centre-cropped to 9:16 and scaled to 180×320: two
// clips of one size, small enough for a quick run.
std::vector<cv::Mat> portrait_frames(const std::string& clip, int count) {
  const auto source = cli::FrameSource::open(require_shared(clip), 0, 0.0);
  std::vector<cv::Mat> frames;
  for (cv::Mat bgr; int(frames.size()) < count && source->read(bgr);) {
    const int width = std::min(bgr.cols, bgr.rows * 9 / 16);
    cv::Mat small;
    cv::resize(bgr(cv::Rect((bgr.cols - width) / 2, 0, width, bgr.rows)), small, cv::Size(180, 320), 0, 0,
               cv::INTER_AREA);
    frames.push_back(small);
  }
  REQUIRE(int(frames.size()) == count);
  return frames;
}

void write_folder(const TempDir& tmp, const std::string& name, const std::vector<cv::Mat>& frames) {
  fs::create_directories(tmp.dir / name);
  for (size_t i = 0; i < frames.size(); ++i)
    REQUIRE(cv::imwrite(tmp / cv::format("%s/%03d.png", name.c_str(), int(i)), frames[i]));
}

// The summary's detail, e.g. "(downsample ratio 1, 2 threads, 1 scene cut at frame 5)".
std::string summary_of(const RunResult& r, int frames) {
  check_success(r, frames);
  return last_line(r.out);
}

// Alpha PNGs `first` ... `first + count - 1` of folder `a` equal PNGs 0 ... `count - 1` of folder
// `b`, byte for byte.
void check_same_alpha(const fs::path& a, int first, const fs::path& b, int count) {
  for (int i = 0; i < count; ++i) {
    const fs::path cut = a / cv::format("%06d.png", first + i), alone = b / cv::format("%06d.png", i);
    INFO(cut.string(), " against ", alone.string());
    REQUIRE(fs::is_regular_file(cut));
    REQUIRE(fs::is_regular_file(alone));
    CHECK(read_text(cut) == read_text(alone));
  }
}

}  // namespace

TEST_CASE("matte --reset-on-scene-cut: after the cut the alpha is the second clip's alone, bit for bit") {
  const std::string model = require_shared(kRvm);
  const TempDir tmp;
  // 5 frames of one clip, then 7 of another: with --seq-chunk 3 the cut (frame 5) falls inside the
  // second chunk, which must end before it.
  const std::vector<cv::Mat> first = portrait_frames("media/video/mechanic_360x640.mp4", 5),
                             second = portrait_frames("media/video/studio_1920x1080.mp4", 7);
  std::vector<cv::Mat> both = first;
  both.insert(both.end(), second.begin(), second.end());
  write_folder(tmp, "both", both);
  write_folder(tmp, "second", second);
  const auto run = [&](const std::string& input, const std::string& chunk, const std::string& output, bool reset) {
    Args args{"--model", model,         "--input", tmp / input,      "--threads",
              "2",       "--seq-chunk", chunk,     "--output-alpha", tmp / output, "--json", tmp / (output + ".json")};
    if (reset) args.push_back("--reset-on-scene-cut");
    return run_matte(tmp, args);
  };

  for (const std::string chunk : {"1", "3"}) {
    INFO("--seq-chunk ", chunk);
    CHECK(contains(summary_of(run("both", chunk, "cut" + chunk, true), 12), ", 1 scene cut at frame 5)"));
    CHECK(contains(summary_of(run("second", chunk, "alone" + chunk, true), 7), ", no scene cuts)"));
    check_same_alpha(tmp.dir / ("cut" + chunk), 5, tmp.dir / ("alone" + chunk), 7);
    CHECK(nlohmann::json::parse(read_text(tmp.dir / ("cut" + chunk + ".json")))["clips"][0]["scene_cuts"] ==
          nlohmann::json{5});
    CHECK(nlohmann::json::parse(read_text(tmp.dir / ("alone" + chunk + ".json")))["clips"][0]["scene_cuts"].empty());
  }
  // Chunks of 3 give the alpha of chunks of 1 (within a level: the batched forward pass sums in
  // another order), the cut included.
  for (int i = 0; i < 12; ++i) {
    const cv::Mat one = read_png(tmp.dir / "cut1" / cv::format("%06d.png", i));
    const cv::Mat three = read_png(tmp.dir / "cut3" / cv::format("%06d.png", i));
    INFO("frame ", i);
    REQUIRE(one.size() == three.size());
    CHECK(cv::norm(one, three, cv::NORM_INF) <= 1);
  }
  // Without the flag the state carries across the cut: before it the same alpha, after it another.
  CHECK_FALSE(contains(summary_of(run("both", "1", "carried", false), 12), "scene cut"));
  check_same_alpha(tmp.dir / "carried", 0, tmp.dir / "cut1", 5);
  CHECK(read_text(tmp.dir / "carried/000005.png") != read_text(tmp.dir / "alone1/000000.png"));
}

TEST_CASE(
    "matte --reset-on-scene-cut: the threshold is checked, attached with '=', and a network without state refuses it") {
  const std::string rvm = require_shared(kRvm), clip = require_shared(kClip);
  const TempDir tmp;
  const Args base{"--model", rvm, "--input", clip, "--frames", "2", "--output-alpha", tmp / "alpha"};
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--reset-on-scene-cut=abc", "--reset-on-scene-cut=abc: not a number"},
      {"--reset-on-scene-cut=0", "--reset-on-scene-cut=0: must be in (0, 1]"},
      {"--reset-on-scene-cut=1.5", "--reset-on-scene-cut=1.5: must be in (0, 1]"},
      {"--reset-on-scene-cut=", "--reset-on-scene-cut=: no value after '='"},
  };
  for (const auto& [flag, message] : cases) {
    Args args = base;
    args.push_back(flag);
    check_failure(tmp, args, {2}, {message});
  }
  Args separate = base;
  separate.insert(separate.end(), {"--reset-on-scene-cut", "0.3"});
  check_failure(tmp, separate, {2}, {"unexpected argument 0.3 (write --reset-on-scene-cut=0.3)"});

  Args valued = base;
  valued.push_back("--reset-on-scene-cut=0.5");
  CHECK(contains(summary_of(run_matte(tmp, valued), 2), ", no scene cuts)"));

  const std::string bgm = require_shared(kBgm),
                    src = require_shared(kGreenSrc),
                    plate = require_shared(kGreenPlate);
  check_failure(tmp,
                {"--model", bgm, "--input", src, "--background-plate", plate, "--reset-on-scene-cut", "--output-alpha",
                 tmp / "a.png"},
                {1}, {"--reset-on-scene-cut", "BGMv2", "no recurrent state"});
}

TEST_CASE("scene cuts: the distance by hand: 0 for one frame, 1 for disjoint levels, half for half the pixels") {
  const cv::Mat black(90, 160, CV_8UC3, cv::Scalar(0, 0, 0)), white(90, 160, CV_8UC3, cv::Scalar(255, 255, 255));
  cv::Mat half = black.clone();
  half(cv::Rect(0, 0, 80, 90)).setTo(cv::Scalar(255, 255, 255));
  CHECK(histogram_distance(luma_histogram(half), luma_histogram(half)) == 0.0);
  CHECK(histogram_distance(luma_histogram(black), luma_histogram(white)) == 1.0);
  CHECK(histogram_distance(luma_histogram(black), luma_histogram(half)) == 0.5);
  // At most 64×64 samples, whatever the size; every pixel of a smaller frame.
  const LumaHistogram large = luma_histogram(cv::Mat(1080, 1920, CV_8UC3, cv::Scalar(0, 0, 0)));
  CHECK(large[0] == 64 * 64);
  CHECK(luma_histogram(cv::Mat(3, 5, CV_8UC3, cv::Scalar(0, 0, 0)))[0] == 15);
  // BT.601 luma: pure green (150/256 of 255 = 149) lands in bin 149/8.
  CHECK(luma_histogram(cv::Mat(1, 1, CV_8UC3, cv::Scalar(0, 255, 0)))[149 / 8] == 1);

  // A cut is more than the threshold away from the previous frame (not from the scene's first).
  cli::SceneCutDetector detector(0.5);
  CHECK_FALSE(detector.is_cut(white));  // the first frame has nothing to differ from
  CHECK_FALSE(detector.is_cut(half));   // 0.5 from white: not more
  CHECK_FALSE(detector.is_cut(black));  // 0.5 from half
  CHECK(detector.is_cut(white));        // 1 from black
}

// The default's margins, as README.md states them: every consecutive pair within a shot of the
// shared clips at most default/1.5, every cut at least 1.5 × default. Cuts: the studio clip's one
// camera change (frame 64 → 65, the same room framed closer) and every pair of frames from
// different sources (clips, the matting set, photos).
TEST_CASE("scene cuts: the default threshold finds the shared clips' cuts, and nothing else, with a margin") {
  constexpr double kWithin = cli::kDefaultSceneCut / 1.5, kCut = cli::kDefaultSceneCut * 1.5;
  std::vector<std::vector<LumaHistogram>> sources;
  for (const char* clip :
       {"media/video/mechanic_360x640.mp4", "media/video/studio_1920x1080.mp4", "media/matting/fgr"}) {
    sources.push_back(histograms_of(require_shared(clip)));
  }
  for (const char* photo :
       {"media/images/office_1920x1080.jpg", "media/images/portrait_900x1156.jpg", "media/images/suit_570x407.png",
        "media/plates/parking_src_1920x1080.jpg", "media/plates/greenscreen_src_658x370.png"}) {
    sources.push_back({luma_histogram(cv::imread(require_shared(photo), cv::IMREAD_COLOR))});
  }
  CHECK(sources[0].size() == 388);
  CHECK(sources[1].size() == 100);
  CHECK(sources[2].size() == 51);
  double within = 0, studio_cut = 0;
  for (size_t s = 0; s < 3; ++s) {
    for (size_t i = 1; i < sources[s].size(); ++i) {
      const double d = histogram_distance(sources[s][i - 1], sources[s][i]);
      if (s == 1 && i == 65)
        studio_cut = d;
      else
        within = std::max(within, d);
    }
  }
  double across = 1;
  for (size_t a = 0; a < sources.size(); ++a)
    for (size_t b = a + 1; b < sources.size(); ++b)
      for (const LumaHistogram& x : sources[a])
        for (const LumaHistogram& y : sources[b]) across = std::min(across, histogram_distance(x, y));
  INFO("within shots at most ", within, "; the studio cut ", studio_cut, "; between sources at least ", across);
  CHECK(within <= kWithin);
  CHECK(studio_cut >= kCut);
  CHECK(across >= kCut);
}

}  // namespace matte::test
