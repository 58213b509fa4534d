// BGMv2 plates: --plate-median (in-process parts, then the `matte` executable end to end) and the
// warning for a plate that is not the scene's.
#include <doctest/doctest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/matte.h"
#include "engine/weight_file.h"
#include "tests/matte/cli_test_util.h"
#include "tests/matte/media.h"
#include "tests/shared_data.h"
#include "tools/matte/median_plate.h"
#include "tools/onnx2flat/convert.h"

namespace matte::test {

namespace {


cv::Mat solid(uint8_t value) { return cv::Mat(2, 3, CV_8UC3, cv::Scalar::all(value)); }

// `n` frames of `clean`, frame k hiding vertical bands k and k+1 (of n, wrapping) under `occluder`
// (the band's pixels → new values): every pixel is hidden in exactly two frames.
template <class Occluder>
std::vector<cv::Mat> occluded_frames(const cv::Mat& clean, int n, Occluder occluder) {
  std::vector<cv::Mat> frames;
  for (int k = 0; k < n; ++k) {
    cv::Mat f = clean.clone();
    for (int band : {k, (k + 1) % n}) {
      const int x0 = band * clean.cols / n, x1 = (band + 1) * clean.cols / n;
      cv::Mat part = f.colRange(x0, x1);
      occluder(part, k);
    }
    frames.push_back(f);
  }
  return frames;
}

// Exit 0, the summary, and nothing or exactly one plate warning on stderr.
void check_plate_warning(const RunResult& r, const std::string& plate, bool warned) {
  INFO("stdout: ", r.out);
  INFO("stderr: ", r.err);
  REQUIRE(r.code == 0);
  CHECK(last_line(r.out).starts_with("matte: "));
  if (!warned) {
    CHECK(r.err.empty());
    return;
  }
  CHECK(line_count(r.err) == 1);
  CHECK(r.err.starts_with("matte: warning: " + plate + ": the plate does not look like this scene's background"));
  CHECK(contains(r.err, "above 18%"));
}

}  // namespace

TEST_CASE("plate median: frames 0, s, 2s, ... are kept, s the smallest power of two within the cap") {
  for (const auto& [n, stride] : std::vector<std::pair<int, int>>{{1, 1}, {4, 1}, {5, 2}, {8, 2}, {9, 4}, {17, 8}}) {
    cli::SpreadSample sample(4);
    for (int i = 0; i < n; ++i) sample.add(solid(uint8_t(i)));
    INFO(n, " frames");
    CHECK(sample.stride() == stride);
    std::vector<int> kept;
    for (const cv::Mat& f : sample.frames()) kept.push_back(f.data[0]);
    std::vector<int> expected;
    for (int i = 0; i < n; i += stride) expected.push_back(i);
    CHECK(kept == expected);
  }
  // 32 frames at 1080p, fewer from 256 MiB of frames on, never fewer than 3.
  CHECK(cli::median_frame_cap(1920, 1080) == 32);
  CHECK(cli::median_frame_cap(3840, 2160) == 10);
  CHECK(cli::median_frame_cap(7680, 4320) == 3);
}

TEST_CASE("plate median: each value is the middle one, the lower middle one for an even count") {
  CHECK(cli::median_of({solid(7)}).at<cv::Vec3b>(1, 2) == cv::Vec3b(7, 7, 7));
  CHECK(cli::median_of({solid(9), solid(1), solid(5)}).at<cv::Vec3b>(0, 0) == cv::Vec3b(5, 5, 5));
  CHECK(cli::median_of({solid(9), solid(1), solid(5), solid(200)}).at<cv::Vec3b>(1, 1) == cv::Vec3b(5, 5, 5));
  // Channels and pixels are independent.
  cv::Mat a = solid(0), b = solid(0), c = solid(0);
  a.at<cv::Vec3b>(1, 2) = {10, 200, 30};
  b.at<cv::Vec3b>(1, 2) = {20, 100, 10};
  c.at<cv::Vec3b>(1, 2) = {30, 150, 20};
  const cv::Mat m = cli::median_of({a, b, c});
  CHECK(m.at<cv::Vec3b>(1, 2) == cv::Vec3b(20, 150, 20));
  CHECK(m.at<cv::Vec3b>(0, 0) == cv::Vec3b(0, 0, 0));
}

TEST_CASE("matte BGMv2 --plate-median: a plate video with occluders gives the alpha of its clean plate") {
  const std::string model = require_shared(kBgm), src = require_shared(kGreenSrc), plate = require_shared(kGreenPlate);
  const cv::Mat clean = cv::imread(plate, cv::IMREAD_COLOR);
  REQUIRE(!clean.empty());
  const TempDir tmp;
  check_success(run_matte(tmp, {"--model", model, "--input", src, "--background-plate", plate, "--threads", "2",
                                "--output-alpha", tmp / "still.png"}),
                1);
  // Five frames (odd), each pixel hidden in two of them under noise: three keep the clean value.
  cv::RNG rng(15);
  const std::string video = (tmp.io / "plate.mkv").string();
  write_png_video(video, "matroska", occluded_frames(clean, 5, [&](cv::Mat& part, int) {
                    rng.fill(part, cv::RNG::UNIFORM, 0, 256);
                  }), 0);
  check_success(run_matte(tmp, {"--model", model, "--input", src, "--background-plate", video, "--plate-median",
                                "--threads", "2", "--output-alpha", tmp / "median.png"}),
                1);
  CHECK(read_text(tmp.dir / "median.png") == read_text(tmp.dir / "still.png"));
  // Four frames (even) in a folder, each pixel hidden in two under brighter values: the lower middle
  // value is the clean one (the upper one would not be).
  const fs::path folder = tmp.io / "plate_frames";
  fs::create_directories(folder);
  const std::vector<cv::Mat> frames = occluded_frames(clean, 4, [](cv::Mat& part, int k) {
    cv::add(part, cv::Scalar::all(40 + 30 * k), part);
  });
  for (size_t k = 0; k < frames.size(); ++k) REQUIRE(cv::imwrite((folder / cv::format("%02zu.png", k)).string(), frames[k]));
  check_success(run_matte(tmp, {"--model", model, "--input", src, "--background-plate", folder.string(),
                                "--plate-median", "--threads", "2", "--output-alpha", tmp / "median_even.png"}),
                1);
  CHECK(read_text(tmp.dir / "median_even.png") == read_text(tmp.dir / "still.png"));
}

TEST_CASE("matte BGMv2 --plate-median: without a plate or with an image plate is a usage error") {
  const std::string model = require_shared(kBgm), src = require_shared(kGreenSrc), plate = require_shared(kGreenPlate);
  const TempDir tmp;
  check_failure(tmp, {"--model", model, "--input", src, "--plate-median", "--output-alpha", tmp / "a.png"}, {2},
                {"--plate-median", "--background-plate"});
  check_failure(tmp, {"--model", model, "--input", src, "--background-plate", plate, "--plate-median",
                      "--output-alpha", tmp / "a.png"},
                {2}, {"--plate-median", plate, "image"});
}

TEST_CASE("matte BGMv2: a plate that is not the scene's is warned about once, the right plates are not") {
  const std::string model = require_shared(kBgm), green = require_shared(kGreenSrc),
                    green_plate = require_shared(kGreenPlate), parking = require_shared(kParkingSrc),
                    parking_plate = require_shared(kParkingPlate),
                    canyon = require_shared("media/matting/backgrounds/canyon_0083.jpg");
  const TempDir tmp;
  const auto run = [&](const std::string& src, const std::string& plate, const std::string& out) {
    return run_matte(tmp, {"--model", model, "--input", src, "--background-plate", plate, "--resize-plate",
                           "--threads", "2", "--output-alpha", tmp / out});
  };
  check_plate_warning(run(green, green_plate, "g.png"), green_plate, false);
  check_plate_warning(run(parking, parking_plate, "p.png"), parking_plate, false);
  check_plate_warning(run(green, parking_plate, "gw.png"), parking_plate, true);
  check_plate_warning(run(parking, canyon, "pw.png"), canyon, true);
  // The check leaves the outputs as they were: the alpha is the session's without the error map.
  const ConvertedModel converted = convert_onnx(model);
  Session session(serialize_weight_file(converted.metadata, converted.tensors), model,
                  {.threads = 2, .results = Result::alpha8});
  const cv::Mat frame = cv::imread(green, cv::IMREAD_COLOR);
  cv::Mat resized;
  cv::resize(cv::imread(parking_plate, cv::IMREAD_COLOR), resized, frame.size(), 0, 0, cv::INTER_AREA);
  const Matte m = session.process(Image8{frame.data, frame.cols, frame.rows, frame.step, PixelFormat::bgr8},
                                  Image8{resized.data, resized.cols, resized.rows, resized.step, PixelFormat::bgr8});
  const cv::Mat written = read_png(tmp.dir / "gw.png");
  REQUIRE(written.total() == m.alpha8.size());
  CHECK(std::equal(m.alpha8.begin(), m.alpha8.end(), written.data));
  // A clip: one line for the whole run, over the first frames.
  const std::string clip = (tmp.io / "clip.mkv").string();
  write_png_video(clip, "matroska", std::vector<cv::Mat>(8, cv::imread(green, cv::IMREAD_COLOR)), 0);
  const RunResult r = run(clip, canyon, "clip/");
  check_plate_warning(r, canyon, true);
  CHECK(contains(r.err, "of the first 5 frames"));
  CHECK(contains(last_line(r.out), " 8 frames"));
}

}  // namespace matte::test
