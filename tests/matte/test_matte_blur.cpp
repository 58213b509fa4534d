// `--background blur[:S]`: the option, and the `matte` executable's composition against the scalar
// reference of the blur and the composite (kernels/composite.h) over the frames and the alpha and
// foreground written in the same run.
#include <doctest/doctest.h>

#include <opencv2/imgcodecs.hpp>

#include "kernels/composite.h"
#include "tests/matte/av_test_util.h"
#include "tests/matte/cli_test_util.h"
#include "tests/matte/media.h"
#include "tests/shared_data.h"
#include "tools/common/args.h"
#include "tools/common/frames.h"
#include "tools/matte/background.h"

namespace matte::test {

namespace {


// The reference's composition of `fg` (BGR) by `alpha` over `frame` blurred with `sigma`.
cv::Mat reference_blur_composite(const cv::Mat& frame, const cv::Mat& fg, const cv::Mat& alpha, float sigma) {
  REQUIRE(frame.type() == CV_8UC3);
  REQUIRE(fg.type() == CV_8UC3);
  REQUIRE(alpha.type() == CV_8UC1);
  REQUIRE(fg.size() == frame.size());
  REQUIRE(alpha.size() == frame.size());
  const auto w = size_t(frame.cols), h = size_t(frame.rows);
  const BlurPlan plan = make_blur_plan(w, h, sigma);
  std::vector<uint16_t> small(3 * plan.small_width * plan.small_height), scratch(blur_scratch_size(plan));
  BlurBuffers work;
  ref::u8_blur_small(plan, frame.data, frame.step, small.data(), work);
  cv::Mat out(frame.size(), CV_8UC3, cv::Scalar::all(0xa5));
  ref::u8_over_blurred({w, h, fg.data, fg.step, alpha.data, alpha.step, out.data, out.step}, plan, small.data(),
                       scratch.data(), 0, h);
  return out;
}

// The largest difference of two BGR images, and that the blur shows (the composition is not the frame).
void check_within_one_level(const cv::Mat& got, const cv::Mat& want, const cv::Mat& frame) {
  REQUIRE(got.type() == CV_8UC3);
  REQUIRE(got.size() == want.size());
  double worst = 0, moved = 0;
  cv::minMaxLoc(cv::abs(got - want) + cv::abs(want - got), nullptr, &worst);
  cv::minMaxLoc(cv::abs(frame - want) + cv::abs(want - frame), nullptr, &moved);
  CHECK(worst <= 1.0);
  CHECK(moved >= 20.0);
}

}  // namespace

TEST_CASE("matte io: --background blur and blur:S parse, a malformed sigma is a usage error naming the flag") {
  const cli::BackgroundSpec plain = cli::parse_background("blur");
  CHECK(plain.blur);
  CHECK(!plain.colour);
  CHECK(plain.path.empty());
  CHECK(plain.blur_sigma == 0.0f);
  CHECK(cli::parse_background("blur:7.5").blur_sigma == 7.5f);
  CHECK(cli::parse_background("blur:1000").blur_sigma == 1000.0f);
  CHECK(cli::parse_background("./blur").path == "./blur");
  CHECK(cli::default_blur_sigma(1920, 1080) == 20.0f);
  CHECK(cli::default_blur_sigma(360, 640) == doctest::Approx(6.6667f));
  for (const char* text : {"blur:", "blur:0", "blur:-2", "blur:abc", "blur:3px", "blur:1001", "blur:nan", "blur:inf"}) {
    CAPTURE(text);
    try {
      cli::parse_background(text);
      FAIL("no error");
    } catch (const cli::UsageError& e) {
      CHECK(std::string(e.what()) == std::string("--background ") + text +
                                         ": the blur's sigma must be a number of pixels in (0, 1000]");
    }
  }
}

TEST_CASE("matte: --background blur on an image equals the reference blur and composite within 1 level") {
  const std::string model = require_shared(kRvm), suit = require_shared(kSuit);
  const cv::Mat frame = cli::read_image_bgr(suit);
  for (const std::string& background : {std::string("blur"), std::string("blur:2.5")}) {
    CAPTURE(background);
    const TempDir tmp;
    check_success(run_matte(tmp, {"--model", model, "--input", suit, "--threads", "2", "--background", background,
                                  "--output-composition", tmp / "comp.bmp", "--output-alpha", tmp / "alpha.png",
                                  "--output-foreground", tmp / "fgr.png"}),
                  1);
    const float sigma = background == "blur" ? cli::default_blur_sigma(570, 407) : 2.5f;
    const cv::Mat want = reference_blur_composite(frame, read_png(tmp.dir / "fgr.png"), read_png(tmp.dir / "alpha.png"),
                                                  sigma);
    check_within_one_level(cv::imread(tmp / "comp.bmp", cv::IMREAD_UNCHANGED), want, frame);
  }
}

TEST_CASE("matte: --background blur:S on video frames equals the reference in a lossless composition video") {
  const std::string model = require_shared(kRvm);
  const cv::Mat photo = cli::read_image_bgr(require_shared(kPortrait));
  const TempDir tmp;
  // Three odd-sized crops in a lossless input, so the test has the very pixels the tool decodes.
  std::vector<cv::Mat> frames;
  for (int k = 0; k < 3; ++k) frames.push_back(photo(cv::Rect(40 * k, 60 * k, 331, 457)).clone());
  write_png_video(tmp.root / "in.mkv", "matroska", frames, 0);
  check_success(run_matte(tmp, {"--model", model, "--input", (tmp.root / "in.mkv").string(), "--threads", "2",
                                "--background", "blur:12", "--output-composition", tmp / "comp.mkv", "--video-codec",
                                "ffv1", "--output-alpha", tmp / "alpha", "--output-foreground", tmp / "fgr"}),
                3);
  const AvVideo comp = read_av(tmp / "comp.mkv", Pixels::bgr);
  REQUIRE(comp.frames == 3);
  for (int k = 0; k < 3; ++k) {
    CAPTURE(k);
    const std::string name = sequence_names(3)[size_t(k)];
    const cv::Mat want = reference_blur_composite(frames[size_t(k)], read_png(tmp.dir / "fgr" / name),
                                                  read_png(tmp.dir / "alpha" / name), 12.0f);
    check_within_one_level(comp.images[size_t(k)], want, frames[size_t(k)]);
  }
}

TEST_CASE("matte: --background with a bad blur sigma exits 2 naming the flag, before anything is written") {
  const std::string model = require_shared(kRvm), suit = require_shared(kSuit);
  const TempDir tmp;
  for (const char* bad : {"blur:0", "blur:x", "blur:5000"}) {
    check_failure(tmp, {"--model", model, "--input", suit, "--background", bad, "--output-composition", tmp / "c.bmp"},
                  {2}, {"--background", bad, "sigma"});
  }
}

}  // namespace matte::test
