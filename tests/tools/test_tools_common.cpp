// The tools' shared helpers: metrics against hand-computed values, argument checking, frame decoding.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <opencv2/imgcodecs.hpp>

#include "engine/error.h"
#include "tests/shared_data.h"
#include "tools/common/args.h"
#include "tools/common/frames.h"
#include "tools/common/image_header.h"
#include "tools/common/metrics.h"

namespace matte::cli {

TEST_CASE("MAD, MSE and max |diff| on hand-made arrays") {
  const std::vector<float> a = {0.0f, 0.5f, 1.0f, 0.25f}, b = {0.5f, 0.5f, 0.0f, 0.75f};
  // |d| = 0.5, 0, 1, 0.5 -> MAD 2/4, MSE (0.25 + 0 + 1 + 0.25)/4, max 1.
  CHECK(mean_abs_diff(a, b) == doctest::Approx(0.5));
  CHECK(mean_sq_diff(a, b) == doctest::Approx(0.375));
  DiffStats s;
  s.add(a, b);
  s.add(std::vector<float>{2.0f}, std::vector<float>{0.0f});  // one more: |d| = 2
  CHECK(s.max_abs == 2.0);
  CHECK(s.mad() == doctest::Approx(4.0 / 5));
  CHECK(s.mse() == doctest::Approx(5.5 / 5));
  CHECK_THROWS_AS(s.add(a, std::vector<float>{1.0f}), Error);
}

TEST_CASE("dtSSD on hand-made frames") {
  const std::vector<float> pred_prev = {0, 0, 0, 0}, pred = {1, 0, 0.5f, 0};
  const std::vector<float> gt_prev = {0, 0, 0, 0}, gt = {1, 0, 0, 0.5f};
  // Differences of the changes: 0, 0, 0.5, −0.5 -> sqrt((0.25 + 0.25) / 4).
  CHECK(dtssd(pred, pred_prev, gt, gt_prev) == doctest::Approx(std::sqrt(0.125)));
  CHECK(dtssd(gt, gt_prev, gt, gt_prev) == 0.0);
}

TEST_CASE("Gaussian-derivative filter: 9 taps at sigma 1.4, odd, unit norm") {
  const GaussDerivative f = gauss_derivative_filter(1.4);
  REQUIRE(f.smooth.size() == 9);
  REQUIRE(f.derivative.size() == 9);
  double norm = 0;
  for (double a : f.smooth) {
    for (double b : f.derivative) norm += a * a * b * b;
  }
  CHECK(norm == doctest::Approx(1.0));
  CHECK(f.derivative[4] == 0.0);
  CHECK(f.derivative[3] == doctest::Approx(-f.derivative[5]));
  CHECK(f.derivative[3] > 0);  // −x·G(x): positive left of centre
  CHECK(f.smooth[0] == doctest::Approx(std::exp(-16 / (2 * 1.96)) / (1.4 * std::sqrt(2 * M_PI))));
}

TEST_CASE("gradient error: zero for equal or flat maps, hand value for a step") {
  const int w = 12, h = 10;
  std::vector<float> flat(w * h, 0.3f), step(w * h, 0.0f), step2(w * h, 0.0f);
  for (int y = 0; y < h; ++y) {
    for (int x = 6; x < w; ++x) step[y * w + x] = 1.0f;
    for (int x = 6; x < w; ++x) step2[y * w + x] = 0.5f;  // min-max normalisation makes it the same step
  }
  CHECK(gradient_error(flat, flat, w, h) == 0.0);
  CHECK(gradient_error(step, step2, w, h) == doctest::Approx(0.0));

  // A vertical step: gy = 0 everywhere (rows identical, y filter antisymmetric along y), and gx at
  // column x is Σ_j derivative[j]·step(x + j − 4) · Σ_i smooth[i]; against a flat map the error
  // is h·Σ_x gx² / 1000.
  const GaussDerivative f = gauss_derivative_filter(1.4);
  double smooth_sum = 0;
  for (double v : f.smooth) smooth_sum += v;
  double expected = 0;
  for (int x = 0; x < w; ++x) {
    double gx = 0;
    for (int j = 0; j < 9; ++j) gx += f.derivative[j] * (std::clamp(x + j - 4, 0, w - 1) >= 6 ? 1.0 : 0.0);
    gx *= smooth_sum;
    expected += h * gx * gx;
  }
  CHECK(expected > 0);
  CHECK(gradient_error(step, flat, w, h) == doctest::Approx(expected / 1000));
}

TEST_CASE("AlphaScores scales as the paper: MAD/MSE x1e3, dtSSD x1e2 over frames with a predecessor") {
  const int w = 2, h = 2;
  AlphaScores s(w, h);
  s.add(std::vector<float>{0.1f, 0, 0, 0}, std::vector<float>{0, 0, 0, 0});
  s.add(std::vector<float>{0.1f, 0, 0, 0.2f}, std::vector<float>{0, 0, 0, 0});
  CHECK(s.frames() == 2);
  CHECK(s.mad() == doctest::Approx((0.1 / 4 + 0.3 / 4) / 2 * 1e3));
  CHECK(s.mse() == doctest::Approx((0.01 / 4 + 0.05 / 4) / 2 * 1e3));
  CHECK(s.dtssd() == doctest::Approx(std::sqrt(0.04 / 4) * 1e2));
}

TEST_CASE("argument parsing rejects bad command lines") {
  const std::vector<std::string> allowed = {"--frames", "--downsample-ratio", "--model"};
  CHECK_THROWS_WITH_AS(Args({"--nope", "1"}, allowed), "unknown option --nope", UsageError);
  CHECK_THROWS_WITH_AS(Args({"stray"}, allowed), "unexpected argument stray", UsageError);
  CHECK_THROWS_WITH_AS(Args({"--frames"}, allowed), "--frames needs a value", UsageError);
  CHECK_THROWS_WITH_AS(Args({"--frames", "1", "--frames", "2"}, allowed), "--frames given twice", UsageError);

  CHECK(Args({"--frames", "8"}, allowed).integer("--frames", 16, 1, 100) == 8);
  CHECK(Args({}, allowed).integer("--frames", 16, 1, 100) == 16);
  CHECK_THROWS_WITH_AS(Args({"--frames", "8x"}, allowed).integer("--frames", 16, 1, 100),
                       "--frames 8x: not a whole number", UsageError);
  CHECK_THROWS_WITH_AS(Args({"--frames", "0"}, allowed).integer("--frames", 16, 1, 100),
                       "--frames 0: must be in [1, 100]", UsageError);

  CHECK(Args({"--downsample-ratio", "0.5"}, allowed).real_above("--downsample-ratio", 0, 0, 1) == 0.5f);
  CHECK_THROWS_WITH_AS(Args({"--downsample-ratio", "1.5"}, allowed).real_above("--downsample-ratio", 0, 0, 1),
                       "--downsample-ratio 1.5: must be in (0, 1]", UsageError);
  CHECK_THROWS_WITH_AS(Args({"--downsample-ratio", "0"}, allowed).real_above("--downsample-ratio", 0, 0, 1),
                       "--downsample-ratio 0: must be in (0, 1]", UsageError);
  CHECK_THROWS_WITH_AS(Args({"--downsample-ratio", "nan"}, allowed).real_above("--downsample-ratio", 0, 0, 1),
                       "--downsample-ratio nan: not a number", UsageError);
  CHECK_THROWS_WITH_AS(Args({}, allowed).required("--model"), "missing --model", UsageError);
  CHECK_THROWS_WITH_AS(require_path("/nonexistent/m.safetensors", "--model"),
                       "/nonexistent/m.safetensors: no such file (--model)", Error);
}

TEST_CASE("argument parsing: an optional value is attached with '=' (--name or --name=value)") {
  const std::vector<std::string> allowed = {"--frames"}, switches = {"--quiet"}, optional = {"--cut"};
  const auto parse = [&](const std::vector<std::string>& argv) { return Args(argv, allowed, switches, optional); };
  const Args bare = parse({"--cut", "--frames", "3"});
  CHECK(bare.flag("--cut"));
  CHECK_FALSE(bare.has("--cut"));
  CHECK(bare.real_above("--cut", 0.25f, 0, 1) == 0.25f);  // the fallback: the option's default
  CHECK(bare.integer("--frames", 0, 1, 9) == 3);
  const Args valued = parse({"--quiet", "--cut=0.5"});
  CHECK(valued.flag("--cut"));
  CHECK(valued.has("--cut"));
  CHECK(valued.real_above("--cut", 0.25f, 0, 1) == 0.5f);
  CHECK(valued.flag("--quiet"));
  const Args absent = parse({"--frames", "3"});
  CHECK_FALSE(absent.flag("--cut"));
  CHECK_FALSE(absent.has("--cut"));

  // Messages spell the value as it was typed.
  CHECK_THROWS_WITH_AS(parse({"--cut=abc"}).real_above("--cut", 0.25f, 0, 1), "--cut=abc: not a number", UsageError);
  CHECK_THROWS_WITH_AS(parse({"--cut=0"}).real_above("--cut", 0.25f, 0, 1), "--cut=0: must be in (0, 1]", UsageError);
  CHECK_THROWS_WITH_AS(parse({"--cut=1.5"}).real_above("--cut", 0.25f, 0, 1), "--cut=1.5: must be in (0, 1]",
                       UsageError);
  CHECK_THROWS_WITH_AS(parse({"--cut=-0.1"}).real_above("--cut", 0.25f, 0, 1), "--cut=-0.1: must be in (0, 1]",
                       UsageError);
  CHECK_THROWS_WITH_AS(parse({"--cut=0.5x"}).real_above("--cut", 0.25f, 0, 1), "--cut=0.5x: not a number",
                       UsageError);
  CHECK_THROWS_WITH_AS(parse({"--cut="}), "--cut=: no value after '='", UsageError);
  CHECK_THROWS_WITH_AS(parse({"--cut", "--cut=0.5"}), "--cut given twice", UsageError);
  CHECK_THROWS_WITH_AS(parse({"--cut=0.5", "--cut"}), "--cut given twice", UsageError);
  // A separate value is not taken: it would be ambiguous with the next argument.
  CHECK_THROWS_WITH_AS(parse({"--cut", "0.5"}), "unexpected argument 0.5 (write --cut=0.5)", UsageError);
  // '=' is for optional values only; an option's value cannot swallow one.
  CHECK_THROWS_WITH_AS(parse({"--frames=3"}), "unknown option --frames=3", UsageError);
  CHECK_THROWS_WITH_AS(parse({"--quiet=1"}), "unknown option --quiet=1", UsageError);
  CHECK_THROWS_WITH_AS(parse({"--frames", "--cut=0.5"}), "--frames needs a value", UsageError);
  CHECK_THROWS_WITH_AS(parse({"--cutx=0.5"}), "unknown option --cutx=0.5", UsageError);
}

TEST_CASE("frames: BGR to RGB and planar x/255, bad paths name the file") {
  cv::Mat bgr(2, 3, CV_8UC3, cv::Scalar(10, 20, 255));  // B, G, R
  const Frame f = frame_from_bgr(bgr);
  REQUIRE(f.width == 3);
  REQUIRE(f.height == 2);
  CHECK(f.rgb[0] == 255);
  CHECK(f.rgb[1] == 20);
  CHECK(f.rgb[2] == 10);
  CHECK(f.planar[0] == doctest::Approx(1.0));
  CHECK(f.planar[6] == doctest::Approx(20 / 255.0));
  CHECK(f.planar[12] == doctest::Approx(10 / 255.0));
  CHECK(resized(f, 6, 4).width == 6);

  CHECK_THROWS_WITH_AS(load_frames("/nonexistent/clip.mp4", 4), "/nonexistent/clip.mp4: no such file", Error);
  const std::string junk = (std::filesystem::temp_directory_path() / "matte_tools_junk.mp4").string();
  { std::FILE* fp = std::fopen(junk.c_str(), "wb"); std::fputs("not a video", fp); std::fclose(fp); }
  CHECK_THROWS_AS(load_frames(junk, 4), Error);
  std::filesystem::remove(junk);
}

TEST_CASE("frames: the shared clip decodes to its first N frames") {
  const std::string clip = test::require_shared("media/video/mechanic_360x640.mp4");
  const std::vector<Frame> frames = load_frames(clip, 3);
  REQUIRE(frames.size() == 3);
  CHECK(frames[0].width == 360);
  CHECK(frames[0].height == 640);
  CHECK(frames[2].planar.size() == 3u * 360 * 640);
}

}  // namespace matte::cli

namespace matte::cli {

TEST_CASE("image header sizes: PNG, JPEG (progressive too), BMP (both row orders), WebP (lossy and lossless), TIFF") {
  const auto dir = std::filesystem::path(MATTE_BINARY_DIR) / "test_tmp" / ("image_header_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  cv::Mat image(37, 1001, CV_8UC3, cv::Scalar(10, 120, 230));
  const std::vector<std::pair<std::string, std::vector<int>>> files = {
      {"a.png", {}},
      {"a.jpg", {}},
      {"p.jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}},
      {"a.bmp", {}},
      {"a.webp", {cv::IMWRITE_WEBP_QUALITY, 80}},
      {"l.webp", {cv::IMWRITE_WEBP_QUALITY, 101}},
      {"a.tif", {}}};
  for (const auto& [name, params] : files) {
    CAPTURE(name);
    const std::string path = (dir / name).string();
    REQUIRE(cv::imwrite(path, image, params));
    const std::optional<ImageSize> size = image_header_size(path);
    REQUIRE(size);
    CHECK(size->width == 1001);
    CHECK(size->height == 37);
  }
  // A bottom-up BMP has a positive height, a top-down one a negative height: both read as 37.
  std::string bmp;
  {
    std::ifstream in(dir / "a.bmp", std::ios::binary);
    bmp.assign(std::istreambuf_iterator<char>(in), {});
  }
  const int32_t flipped = -37;
  std::memcpy(bmp.data() + 22, &flipped, 4);
  std::ofstream(dir / "t.bmp", std::ios::binary) << bmp;
  REQUIRE(image_header_size((dir / "t.bmp").string()));
  CHECK(image_header_size((dir / "t.bmp").string())->height == 37);
  // Unknown or cut headers give nothing.
  std::ofstream(dir / "x.png", std::ios::binary) << "\x89PNG\r\n";
  std::ofstream(dir / "y.txt") << "text";
  CHECK_FALSE(image_header_size((dir / "x.png").string()));
  CHECK_FALSE(image_header_size((dir / "y.txt").string()));
  CHECK_FALSE(image_header_size((dir / "missing.png").string()));
  std::filesystem::remove_all(dir);
}

TEST_CASE("check_pixels refuses more than the limit, naming the file and the memory it would take") {
  CHECK_NOTHROW(check_pixels("a.png", 7680, 4320, kDefaultMaxPixels));
  CHECK_NOTHROW(check_pixels("a.png", 100000, 100000, 0));
  try {
    check_pixels("a.png", 20000, 20000, kDefaultMaxPixels);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) ==
          "a.png: 20000x20000 is 400.0 Mpx, more than --max-pixels 33177600; it would need up to about 12.0 GB of "
          "memory (raise --max-pixels to allow it)");
  }
}

}  // namespace matte::cli
