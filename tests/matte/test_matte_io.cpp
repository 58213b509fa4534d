// `matte`'s inputs and outputs in-process: colour parsing, compositing against hand-computed
// numbers, backgrounds, frame sources and the output writers.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <regex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "engine/error.h"
#include "tests/matte/media.h"
#include "tests/shared_data.h"
#include "tools/common/args.h"
#include "tools/matte/background.h"
#include "tools/matte/composite.h"
#include "tools/matte/sink.h"
#include "tools/matte/source.h"

extern "C" {
#include <libavutil/rational.h>
}

namespace matte::cli {

namespace {

namespace fs = std::filesystem;

// An empty folder for one test case, removed with everything in it at the end.
struct IoTempDir {
  fs::path dir = fs::path(MATTE_BINARY_DIR) / "test_tmp" / ("matte_io_" + std::to_string(::getpid()));
  IoTempDir() {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~IoTempDir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string operator/(const std::string& name) const { return (dir / name).string(); }
  // The names in the folder, sorted.
  std::set<std::string> listing() const {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
    return names;
  }
};

// Runs `f` and returns the Error's message ("" when nothing was thrown).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

bool same_pixels(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

double mean_abs_diff(const cv::Mat& a, const cv::Mat& b) {
  return cv::norm(a, b, cv::NORM_L1) / double(a.total() * a.channels());
}

cv::Mat solid(int width, int height, int type, const cv::Scalar& value) { return cv::Mat(height, width, type, value); }

// Frame k of a test clip: a different solid colour per frame, so frames are easy to tell apart.
cv::Mat clip_frame(int k, int width, int height) {
  return solid(width, height, CV_8UC3, cv::Scalar(40 * k, 255 - 40 * k, 128));
}

void write_clip(const std::string& path, int frames, int width, int height) {
  const int mjpeg = cv::VideoWriter::fourcc('M', 'J', 'P', 'G');
  cv::VideoWriter writer(path, cv::CAP_FFMPEG, mjpeg, 25, cv::Size(width, height));
  REQUIRE(writer.isOpened());
  for (int k = 0; k < frames; ++k) writer.write(clip_frame(k, width, height));
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::set<std::string> listing_of(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

// What a sink needs besides its path and kind: frames of width×height at `fps`.
SinkSpec spec(int width, int height, double fps, bool overwrite) {
  SinkSpec s;
  s.width = width;
  s.height = height;
  s.overwrite = overwrite;
  const AVRational rate = av_d2q(fps, 1001000);
  s.frame_rate = {rate.num, rate.den};
  s.time_base = {rate.den, rate.num};
  s.notices = &std::cerr;
  return s;
}

// Consecutive timestamps (in 1/fps) for the frames written.
FrameTime tick() {
  static int64_t next = 0;
  return {next++, 1};
}

double rate_of(const FrameSource& source) { return double(source.frame_rate().num) / source.frame_rate().den; }

// `frames` frames of value k into a fresh sink, committed.
void write_sink(std::unique_ptr<Sink> sink, int frames) {
  for (int k = 0; k < frames; ++k) sink->write(solid(8, 8, CV_8UC3, cv::Scalar(30 * k, 60, 90)), tick());
  sink->commit();
}

// This process's temporary for `target`: a folder only its owner can enter, named
// ".TARGET.matte-tmp-PID-<16 random hex digits>-HOST".
bool is_private_temporary(const fs::path& dir, const std::string& target) {
  const std::regex name("\\." + std::regex_replace(target, std::regex("\\."), "\\.") + "\\.matte-tmp-" +
                        std::to_string(::getpid()) + "-[0-9a-f]{16}-.+");
  for (const auto& e : fs::directory_iterator(dir)) {
    struct stat st;
    if (std::regex_match(e.path().filename().string(), name) && ::lstat(e.path().c_str(), &st) == 0) {
      return S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700;
    }
  }
  return false;
}

// The pid of a process that has ended.
pid_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

// 3×2 matte with alpha 0, 1, 0.5, 0.25, 0.75, 0.1 (row-major) and a foreground per pixel.
Matte tiny_matte() {
  Matte m;
  m.width = 3;
  m.height = 2;
  m.alpha = {0.0f, 1.0f, 0.5f, 0.25f, 0.75f, 0.1f};
  // Planar R, G, B.
  m.foreground = {0.9f, 0.2f, 0.4f, 1.0f, 0.3f, 0.6f,  0.1f, 0.8f, 0.6f, 0.0f, 0.5f, 0.2f,
                  0.5f, 0.32f, 0.22f, 0.7f, 0.9f, 0.4f};
  m.alpha8 = {0, 255, 128, 64, 191, 26};
  // Interleaved BGR, as the engine gives it for BGR input.
  m.foreground8 = {128, 26, 230, 82, 204, 51, 56, 153, 102, 179, 0, 255, 230, 128, 77, 102, 51, 153};
  return m;
}

}  // namespace

TEST_CASE("matte io: parse_background reads #RRGGBB and R,G,B as BGR colours") {
  const BackgroundSpec hex = parse_background("#78FF9B");
  REQUIRE(hex.colour);
  CHECK(*hex.colour == cv::Vec3b(155, 255, 120));
  CHECK(hex.path.empty());
  CHECK(*parse_background("#78ff9b").colour == cv::Vec3b(155, 255, 120));
  CHECK(*parse_background("#000000").colour == cv::Vec3b(0, 0, 0));
  CHECK(*parse_background("120,255,155").colour == cv::Vec3b(155, 255, 120));
  CHECK(*parse_background("0, 0, 0").colour == cv::Vec3b(0, 0, 0));
  CHECK(*parse_background(" 1 ,2 , 255 ").colour == cv::Vec3b(255, 2, 1));
}

TEST_CASE("matte io: parse_background refuses malformed colours with a UsageError") {
  for (const std::string text : {"#12345G", "#12345", "#1234567", "#", "#GGGGGG", "1,2", "300,0,0", "256,0,0",
                                 "1,2,3,4", "1,2,3,", ",1,2", "1,,3", "1 2,3,4", "0001,0,0", "", "  ", "123",
                                 "-1,0,0", "+1,0,0", "0.5,0,0"}) {
    CAPTURE(text);
    CHECK_THROWS_AS(parse_background(text), UsageError);
  }
  try {
    parse_background("#12345G");
  } catch (const UsageError& e) {
    CHECK(std::string(e.what()) == "--background #12345G: not a colour (#RRGGBB or R,G,B) or a file");
  }
}

TEST_CASE("matte io: parse_background keeps anything else as a path") {
  for (const std::string text : {"bg.png", "../shared/media/video/clip.mp4", "12.png", "a#b"}) {
    const BackgroundSpec spec = parse_background(text);
    CHECK_FALSE(spec.colour);
    CHECK(spec.path == text);
  }
}

TEST_CASE("matte io: the default background is RVM's green") {
  const BackgroundSpec def = default_background();
  REQUIRE(def.colour);
  CHECK(*def.colour == cv::Vec3b(155, 255, 120));  // RGB (120, 255, 155)
  CHECK(def.path.empty());
}

TEST_CASE("matte io: composite_over matches hand-computed (F8·A8 + B·(255−A8) + 127) / 255 in BGR") {
  const Matte m = tiny_matte();
  cv::Mat bg(2, 3, CV_8UC3);
  const cv::Vec3b bg_pixels[6] = {{10, 20, 30},  {200, 100, 50},  {0, 255, 128},
                                  {40, 80, 160}, {255, 255, 255}, {1, 2, 3}};
  for (int i = 0; i < 6; ++i) bg.at<cv::Vec3b>(i / 3, i % 3) = bg_pixels[i];
  cv::Mat out;
  composite_over(m, bg, out);
  REQUIRE(out.type() == CV_8UC3);
  REQUIRE(out.size() == cv::Size(3, 2));
  // A 0: the background; A 255: F; A 128: B 7295/255, G 52096/255, R 29439/255; A 64: B 19223/255,
  // G 15407/255, R 47007/255; A 191: B 60377/255, G 40895/255, R 31154/255; A 26: B 3008/255,
  // G 1911/255, R 4792/255 (quotients rounded down).
  const cv::Vec3b expected[6] = {{10, 20, 30},  {82, 204, 51},   {28, 204, 115},
                                 {75, 60, 184}, {236, 160, 122}, {11, 7, 18}};
  for (int i = 0; i < 6; ++i) {
    CAPTURE(i);
    CHECK(out.at<cv::Vec3b>(i / 3, i % 3) == expected[i]);
  }
  CHECK_THROWS_AS(composite_over(m, cv::Mat(3, 3, CV_8UC3), out), Error);
}

TEST_CASE("matte io: foreground_with_alpha is BGRA, colour 0 where alpha is 0; plane_image views a plane") {
  const Matte m = tiny_matte();
  cv::Mat bgra;
  foreground_with_alpha(m, bgra);
  const cv::Mat bgr = plane_image(m.foreground8, m, 3), gray = plane_image(m.alpha8, m, 1);
  REQUIRE(bgra.type() == CV_8UC4);
  REQUIRE(bgr.type() == CV_8UC3);
  REQUIRE(gray.type() == CV_8UC1);
  CHECK(bgra.at<cv::Vec4b>(0, 0) == cv::Vec4b(0, 0, 0, 0));  // α 0: colour dropped
  CHECK(bgra.at<cv::Vec4b>(0, 1) == cv::Vec4b(82, 204, 51, 255));
  CHECK(bgra.at<cv::Vec4b>(1, 2) == cv::Vec4b(102, 51, 153, 26));
  CHECK(bgr.at<cv::Vec3b>(0, 0) == cv::Vec3b(128, 26, 230));  // the foreground keeps it
  CHECK(bgr.at<cv::Vec3b>(1, 0) == cv::Vec3b(179, 0, 255));
  for (int i = 0; i < 6; ++i) CHECK(gray.at<uint8_t>(i / 3, i % 3) == m.alpha8[i]);
  // Views, not copies: no frame-sized copy per output.
  CHECK(gray.data == m.alpha8.data());
  CHECK(bgr.data == m.foreground8.data());
  CHECK(gray.size() == cv::Size(3, 2));
}

TEST_CASE("matte io: a colour background is a constant frame of the output size") {
  Background bg(parse_background("#102030"), 5, 3);
  const cv::Mat& frame = bg.next();
  REQUIRE(frame.type() == CV_8UC3);
  REQUIRE(frame.size() == cv::Size(5, 3));
  CHECK(same_pixels(frame, solid(5, 3, CV_8UC3, cv::Scalar(0x30, 0x20, 0x10))));
  CHECK(same_pixels(bg.next(), solid(5, 3, CV_8UC3, cv::Scalar(0x30, 0x20, 0x10))));
}

TEST_CASE("matte io: an image background is scaled to the frame (area when shrinking)") {
  const std::string path = test::require_shared(test::kSuit);
  Background bg(parse_background(path), 33, 17);
  const cv::Mat& frame = bg.next();
  REQUIRE(frame.type() == CV_8UC3);
  REQUIRE(frame.size() == cv::Size(33, 17));
  cv::Mat expected;
  cv::resize(cv::imread(path, cv::IMREAD_COLOR), expected, cv::Size(33, 17), 0, 0, cv::INTER_AREA);
  CHECK(same_pixels(frame, expected));
}

TEST_CASE("matte io: a video background is scaled and loops at its end") {
  IoTempDir tmp;
  write_clip(tmp / "bg.avi", 5, 32, 24);
  Background bg(parse_background(tmp / "bg.avi"), 16, 12);
  std::vector<cv::Mat> frames;
  for (int i = 0; i < 12; ++i) frames.push_back(bg.next().clone());
  for (const cv::Mat& f : frames) REQUIRE(f.size() == cv::Size(16, 12));
  for (int k = 0; k < 5; ++k) {
    CAPTURE(k);
    CHECK(mean_abs_diff(frames[k], clip_frame(k, 16, 12)) < 2);  // MJPEG is lossy
    CHECK(mean_abs_diff(frames[k + 5], frames[k]) < 2);
  }
  CHECK(mean_abs_diff(frames[10], frames[0]) < 2);
  CHECK(mean_abs_diff(frames[1], frames[0]) > 20);
}

TEST_CASE("matte io: a missing or undecodable background names its path") {
  IoTempDir tmp;
  CHECK(error_of([&] { Background(parse_background(tmp / "none.png"), 4, 4); }) ==
        tmp / "none.png" + ": no such file (--background)");
  std::ofstream(tmp / "text.mp4") << "not a video\n";
  CHECK(error_of([&] { Background(parse_background(tmp / "text.mp4"), 4, 4); }) ==
        tmp / "text.mp4" + ": cannot decode as an image or a video");
}

TEST_CASE("matte io: a video source has the container's size, rate and frame count") {
  const std::string path = test::require_shared(test::kClip);
  auto source = FrameSource::open(path, 0, 0);
  cv::VideoCapture direct(path, cv::CAP_FFMPEG);
  CHECK(source->width() == 360);
  CHECK(source->height() == 640);
  CHECK(rate_of(*source) == doctest::Approx(direct.get(cv::CAP_PROP_FPS)));
  CHECK(source->remaining() == int64_t(direct.get(cv::CAP_PROP_FRAME_COUNT)));
  CHECK(source->remaining() == 388);
  CHECK(source->path() == path);
  cv::Mat frame, expected;
  REQUIRE(source->read(frame));
  REQUIRE(direct.read(expected));
  CHECK(frame.type() == CV_8UC3);
  CHECK(same_pixels(frame, expected));
  CHECK(source->remaining() == 387);
  CHECK(rate_of(*FrameSource::open(path, 0, 12.5)) == 12.5);
}

TEST_CASE("matte io: --start 5 gives the video's 6th frame, decoded not sought") {
  const std::string path = test::require_shared(test::kClip);
  auto source = FrameSource::open(path, 5, 0);
  CHECK(source->remaining() == 388 - 5);
  cv::VideoCapture direct(path, cv::CAP_FFMPEG);
  cv::Mat expected;
  for (int i = 0; i < 6; ++i) REQUIRE(direct.read(expected));
  cv::Mat frame;
  REQUIRE(source->read(frame));
  CHECK(same_pixels(frame, expected));
  REQUIRE(direct.read(expected));
  REQUIRE(source->read(frame));
  CHECK(same_pixels(frame, expected));
}

TEST_CASE("matte io: a video source ends after its last frame") {
  const std::string path = test::require_shared(test::kClip);
  auto source = FrameSource::open(path, 385, 0);
  CHECK(source->remaining() == 3);
  cv::Mat frame;
  int count = 0;
  while (source->read(frame)) ++count;
  CHECK(count == 3);
  CHECK(source->remaining() == 0);
  CHECK_FALSE(source->read(frame));
}

TEST_CASE("matte io: --start past a video's end names the path") {
  const std::string path = test::require_shared(test::kClip);
  CHECK(error_of([&] { FrameSource::open(path, 388, 0); }) == path + ": no frames after --start 388");
}

TEST_CASE("matte io: a folder of images is one sequence in name order") {
  IoTempDir tmp;
  fs::create_directory(tmp.dir / "seq");
  // Written out of name order; one non-image file is ignored.
  cv::imwrite(tmp / "seq/b.png", solid(4, 3, CV_8UC3, cv::Scalar(2, 2, 2)));
  cv::imwrite(tmp / "seq/c.png", solid(4, 3, CV_8UC4, cv::Scalar(3, 3, 3, 0)));  // alpha ignored
  cv::imwrite(tmp / "seq/a.png", solid(4, 3, CV_8UC3, cv::Scalar(1, 1, 1)));
  std::ofstream(tmp / "seq/notes.txt") << "not an image\n";
  auto source = FrameSource::open(tmp / "seq", 0, 0);
  CHECK(source->width() == 4);
  CHECK(source->height() == 3);
  CHECK(rate_of(*source) == 30.0);
  CHECK(source->remaining() == 3);
  CHECK(source->path() == tmp / "seq");
  cv::Mat frame;
  for (int k = 1; k <= 3; ++k) {
    REQUIRE(source->read(frame));
    CHECK(same_pixels(frame, solid(4, 3, CV_8UC3, cv::Scalar(k, k, k))));
    CHECK(source->remaining() == 3 - k);
  }
  CHECK_FALSE(source->read(frame));

  auto later = FrameSource::open(tmp / "seq", 1, 24);
  CHECK(rate_of(*later) == 24.0);
  REQUIRE(later->read(frame));
  CHECK(same_pixels(frame, solid(4, 3, CV_8UC3, cv::Scalar(2, 2, 2))));
  CHECK(error_of([&] { FrameSource::open(tmp / "seq", 3, 0); }) == tmp / "seq" + ": no frames after --start 3");
}

TEST_CASE("matte io: an image of another size in a folder is refused, naming that file") {
  IoTempDir tmp;
  fs::create_directory(tmp.dir / "seq");
  cv::imwrite(tmp / "seq/0.png", solid(320, 240, CV_8UC3, cv::Scalar(0, 0, 0)));
  cv::imwrite(tmp / "seq/1.png", solid(640, 480, CV_8UC3, cv::Scalar(0, 0, 0)));
  auto source = FrameSource::open(tmp / "seq", 0, 0);
  cv::Mat frame;
  REQUIRE(source->read(frame));
  CHECK(error_of([&] { source->read(frame); }) == tmp / "seq/1.png" + ": 640x480 differs from the sequence's 320x240");
}

TEST_CASE("matte io: an empty folder names the folder") {
  IoTempDir tmp;
  fs::create_directory(tmp.dir / "empty");
  CHECK(error_of([&] { FrameSource::open(tmp / "empty", 0, 0); }) == tmp / "empty" + ": no images in folder");
}

TEST_CASE("matte io: a single image is one 8-bit BGR frame (alpha, gray and 16-bit converted)") {
  IoTempDir tmp;
  cv::imwrite(tmp / "rgba.png", solid(5, 4, CV_8UC4, cv::Scalar(10, 20, 30, 40)));
  cv::imwrite(tmp / "gray16.png", solid(5, 4, CV_16UC1, cv::Scalar(257 * 100)));
  auto source = FrameSource::open(tmp / "rgba.png", 0, 0);
  CHECK(source->remaining() == 1);
  CHECK(rate_of(*source) == 30.0);
  cv::Mat frame;
  REQUIRE(source->read(frame));
  CHECK(same_pixels(frame, solid(5, 4, CV_8UC3, cv::Scalar(10, 20, 30))));
  CHECK(source->remaining() == 0);
  CHECK_FALSE(source->read(frame));

  REQUIRE(FrameSource::open(tmp / "gray16.png", 0, 0)->read(frame));
  CHECK(same_pixels(frame, solid(5, 4, CV_8UC3, cv::Scalar(100, 100, 100))));
  CHECK(error_of([&] { FrameSource::open(tmp / "rgba.png", 1, 0); }) ==
        tmp / "rgba.png" + ": no frames after --start 1");
}

TEST_CASE("matte io: a missing input and an undecodable file name the path") {
  IoTempDir tmp;
  CHECK(error_of([&] { FrameSource::open(tmp / "none.mp4", 0, 0); }) == tmp / "none.mp4" + ": no such file (--input)");
  std::ofstream(tmp / "x.mp4") << "this is text, not a video\n";
  CHECK(error_of([&] { FrameSource::open(tmp / "x.mp4", 0, 0); }) ==
        tmp / "x.mp4" + ": cannot decode as an image or a video");
  CHECK(error_of([&] { FrameSource::open("camera:x", 0, 0); }) == "camera:x: not a camera (camera:N, N = 0, 1, ...)");
}

TEST_CASE("matte io: output_kind from the extension, a folder or --output-type") {
  using K = OutputKind;
  for (const char* p : {"a.mp4", "a.m4v", "a.mov", "a.mkv", "a.avi", "dir/A.MP4", "a.Avi"}) {
    CAPTURE(p);
    CHECK(output_kind(p, std::nullopt) == K::video);
  }
  for (const char* p : {"a.png", "a.jpg", "a.jpeg", "a.bmp", "a.tif", "a.tiff", "a.webp", "A.PNG", "b.JpEg"}) {
    CAPTURE(p);
    CHECK(output_kind(p, std::nullopt) == K::image);
  }
  IoTempDir tmp;
  fs::create_directory(tmp.dir / "frames.d");
  for (const std::string& p : {std::string("out"), std::string("out/"), std::string("x.png/"), tmp / "frames.d"}) {
    CAPTURE(p);
    CHECK(output_kind(p, std::nullopt) == K::png_sequence);
  }
  CHECK_THROWS_AS(output_kind("a.gif", std::nullopt), UsageError);
  CHECK_THROWS_WITH_AS(output_kind("a.gif", std::nullopt), doctest::Contains("a.gif: unknown output extension .gif"),
                       UsageError);
  // Forced kinds: a PNG sequence takes any name; a video needs a video extension.
  CHECK(output_kind("out.png", K::png_sequence) == K::png_sequence);
  CHECK(output_kind("out.mp4", K::png_sequence) == K::png_sequence);
  CHECK(output_kind("out.MKV", K::video) == K::video);
  CHECK_THROWS_WITH_AS(output_kind("x.png", K::video),
                       "x.png: the extension does not match --output-type video (.mp4 .m4v .mov .mkv .webm .avi)",
                       UsageError);
  CHECK_THROWS_AS(output_kind("frames", K::video), UsageError);
}

TEST_CASE("matte io: parse_output_type accepts video and png_sequence only") {
  CHECK(parse_output_type("video") == OutputKind::video);
  CHECK(parse_output_type("png_sequence") == OutputKind::png_sequence);
  for (const char* text : {"image", "Video", "png", ""}) CHECK_THROWS_AS(parse_output_type(text), UsageError);
}

TEST_CASE("matte io: a PNG sequence is 000000.png... with exact gray, RGB and RGBA pixels") {
  IoTempDir tmp;
  auto gray = Sink::create(tmp / "alpha", OutputKind::png_sequence, spec(3, 2, 30, false));
  CHECK(gray->keeps_transparency());
  CHECK(is_private_temporary(tmp.dir, "alpha"));
  for (int k = 0; k < 3; ++k) {
    cv::Mat frame(2, 3, CV_8UC1);
    for (int i = 0; i < 6; ++i) frame.at<uint8_t>(i / 3, i % 3) = uint8_t(40 * k + i);
    gray->write(frame, tick());
  }
  gray->commit();
  CHECK(tmp.listing() == std::set<std::string>{"alpha"});
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(tmp.dir / "alpha")) names.insert(e.path().filename().string());
  CHECK(names == std::set<std::string>{"000000.png", "000001.png", "000002.png"});
  const cv::Mat back = cv::imread(tmp / "alpha/000002.png", cv::IMREAD_UNCHANGED);
  REQUIRE(back.type() == CV_8UC1);
  for (int i = 0; i < 6; ++i) CHECK(back.at<uint8_t>(i / 3, i % 3) == 80 + i);

  auto colour = Sink::create(tmp / "comp/", OutputKind::png_sequence, spec(3, 2, 30, false));
  const cv::Mat bgra = solid(3, 2, CV_8UC4, cv::Scalar(1, 2, 3, 4)), bgr = solid(3, 2, CV_8UC3, cv::Scalar(5, 6, 7));
  colour->write(bgra, tick());
  colour->write(bgr, tick());
  colour->commit();
  CHECK(same_pixels(cv::imread(tmp / "comp/000000.png", cv::IMREAD_UNCHANGED), bgra));
  CHECK(same_pixels(cv::imread(tmp / "comp/000001.png", cv::IMREAD_UNCHANGED), bgr));
}

TEST_CASE("matte io: .mp4 and .avi videos read back with every frame, the size and the rate") {
  IoTempDir tmp;
  for (const auto& [name, fps] : {std::pair{"comp.mp4", 30000.0 / 1001}, std::pair{"comp.avi", 25.0}}) {
    CAPTURE(name);
    auto sink = Sink::create(tmp / name, OutputKind::video, spec(34, 18, fps, false));
    CHECK_FALSE(sink->keeps_transparency());
    CHECK(is_private_temporary(tmp.dir, name));
    for (int k = 0; k < 6; ++k) sink->write(clip_frame(k, 34, 18), tick());
    sink->write(solid(34, 18, CV_8UC1, cv::Scalar(128)), tick());  // stored as gray BGR
    CHECK_THROWS_WITH_AS(sink->write(solid(33, 18, CV_8UC3, cv::Scalar(0)), tick()),
                         doctest::Contains((tmp / name + ": cannot write a 33x18").c_str()), Error);
    sink->commit();
    CHECK(tmp.listing() == std::set<std::string>{name});
    cv::VideoCapture back(tmp / name, cv::CAP_FFMPEG);
    REQUIRE(back.isOpened());
    CHECK(std::abs(back.get(cv::CAP_PROP_FPS) - fps) < 1e-3);
    cv::Mat frame;
    int count = 0;
    while (back.read(frame)) {
      CHECK(frame.size() == cv::Size(34, 18));
      const cv::Mat expected =
          count < 6 ? clip_frame(count, 34, 18) : solid(34, 18, CV_8UC3, cv::Scalar(128, 128, 128));
      CHECK(mean_abs_diff(frame, expected) < 6);  // lossy codecs
      ++count;
    }
    CHECK(count == 7);
    fs::remove(tmp / name);
  }
}

TEST_CASE("matte io: a sink destroyed without commit leaves nothing") {
  IoTempDir tmp;
  {
    auto video = Sink::create(tmp / "v.mp4", OutputKind::video, spec(16, 16, 25, false));
    video->write(solid(16, 16, CV_8UC3, cv::Scalar(1, 2, 3)), tick());
    auto seq = Sink::create(tmp / "seq", OutputKind::png_sequence, spec(16, 16, 25, false));
    seq->write(solid(16, 16, CV_8UC3, cv::Scalar(1, 2, 3)), tick());
    auto image = Sink::create(tmp / "one.png", OutputKind::image, spec(16, 16, 25, false));
    image->write(solid(16, 16, CV_8UC3, cv::Scalar(1, 2, 3)), tick());
    CHECK(tmp.listing().size() == 3);
  }
  CHECK(tmp.listing().empty());
}

TEST_CASE("matte io: an existing output of the same kind is refused without overwrite and replaced with it") {
  IoTempDir tmp;
  write_sink(Sink::create(tmp / "out.avi", OutputKind::video, spec(8, 8, 25, false)), 1);
  const std::string first = read_text(tmp / "out.avi");
  CHECK(error_of([&] { Sink::create(tmp / "out.avi", OutputKind::video, spec(8, 8, 25, false)); }) ==
        tmp / "out.avi" + ": exists (use --overwrite to replace it)");
  write_sink(Sink::create(tmp / "out.avi", OutputKind::video, spec(8, 8, 25, true)), 3);
  CHECK(read_text(tmp / "out.avi") != first);
  CHECK(tmp.listing() == std::set<std::string>{"out.avi"});

  write_sink(Sink::create(tmp / "seq", OutputKind::png_sequence, spec(8, 8, 25, false)), 3);
  write_sink(Sink::create(tmp / "seq/", OutputKind::png_sequence, spec(8, 8, 25, true)), 2);
  CHECK(listing_of(tmp.dir / "seq") == std::set<std::string>{"000000.png", "000001.png"});
  CHECK(tmp.listing() == std::set<std::string>{"out.avi", "seq"});
}

TEST_CASE("matte io: what this tool could not have written is never replaced, --overwrite or not") {
  IoTempDir tmp;
  std::ofstream(tmp / "notes.avi") << "not a video";
  fs::create_directories(tmp.dir / "folder.mp4");
  fs::create_directories(tmp.dir / "mixed");
  std::ofstream(tmp / "mixed/000000.png") << "frame";
  std::ofstream(tmp / "mixed/notes.txt") << "keep";
  std::ofstream(tmp / "file") << "keep";
  fs::create_symlink(tmp / "notes.avi", tmp / "link.avi");
  const std::set<std::string> before = tmp.listing();
  const std::vector<std::tuple<std::string, OutputKind, std::string>> cases = {
      {"notes.avi", OutputKind::video, "is not a video of its extension's format"},
      {"folder.mp4", OutputKind::video, "is a folder"},
      {"mixed", OutputKind::png_sequence, "holds notes.txt, which is not a frame NNNNNN.png"},
      {"file", OutputKind::png_sequence, "is a file, not a folder of frames"},
      {"link.avi", OutputKind::video, "is a symbolic link"}};
  for (const auto& [name, kind, why] : cases) {
    for (const bool overwrite : {false, true}) {
      CAPTURE(name);
      CAPTURE(overwrite);
      CHECK(error_of([&] { Sink::create(tmp / name, kind, spec(8, 8, 25, overwrite)); }) ==
            tmp / name + ": " + why + "; an output replaces only " +
                (kind == OutputKind::video ? "a video" : "a PNG sequence") + " this tool could have written");
    }
  }
  CHECK(tmp.listing() == before);
  CHECK(listing_of(tmp.dir / "mixed") == std::set<std::string>{"000000.png", "notes.txt"});
}

TEST_CASE("matte io: an output that appears during the run is not replaced, and outputs are placed all or none") {
  IoTempDir tmp;
  auto late = Sink::create(tmp / "a.png", OutputKind::image, spec(8, 8, 25, false));
  late->write(solid(8, 8, CV_8UC3, cv::Scalar(1, 2, 3)), tick());
  write_sink(Sink::create(tmp / "a.png", OutputKind::image, spec(8, 8, 25, false)), 1);  // the race's winner
  const std::string winner = read_text(tmp / "a.png");
  CHECK(error_of([&] { late->commit(); }) == tmp / "a.png" + ": exists (written by another process during this run)");
  late.reset();
  CHECK(read_text(tmp / "a.png") == winner);
  CHECK(tmp.listing() == std::set<std::string>{"a.png"});

  // Two outputs, the second taken meanwhile: the first is taken back too.
  auto seq = Sink::create(tmp / "seq", OutputKind::png_sequence, spec(8, 8, 25, false));
  auto video = Sink::create(tmp / "b.avi", OutputKind::video, spec(8, 8, 25, false));
  seq->write(solid(8, 8, CV_8UC1, cv::Scalar(5)), tick());
  video->write(solid(8, 8, CV_8UC3, cv::Scalar(5, 5, 5)), tick());
  std::ofstream(tmp / "b.avi") << "someone else's";
  const std::vector<Sink*> both = {seq.get(), video.get()};
  CHECK_THROWS_WITH_AS(commit_all(both), doctest::Contains("b.avi: exists"), Error);
  seq.reset();
  video.reset();
  CHECK(tmp.listing() == std::set<std::string>{"a.png", "b.avi"});
  CHECK(read_text(tmp / "b.avi") == "someone else's");
}

TEST_CASE("matte io: temporaries are private and unguessable, and dead processes' ones are removed") {
  IoTempDir tmp;
  const pid_t dead = dead_pid();
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  const std::string stale = ".x.png.matte-tmp-" + std::to_string(dead) + "-0123456789abcdef-" + host;
  const std::string legacy = ".x.png.matte-tmp-" + std::to_string(dead) + ".png";
  const std::string live = ".x.png.matte-tmp-" + std::to_string(::getppid()) + "-0123456789abcdef-" + host;
  const std::string other_host = ".x.png.matte-tmp-" + std::to_string(dead) + "-0123456789abcdef-elsewhere";
  for (const std::string& name : {stale, live, other_host}) {
    fs::create_directories(tmp.dir / name);
    std::ofstream(tmp.dir / name / "x.png") << "partial";
  }
  std::ofstream(tmp / legacy) << "partial";
  fs::create_directories(tmp.dir / ".y.png.matte-tmp-1");  // another target's

  auto a = Sink::create(tmp / "x.png", OutputKind::image, spec(8, 8, 25, false));
  auto b = Sink::create(tmp / "x.png", OutputKind::image, spec(8, 8, 25, false));
  const std::set<std::string> names = tmp.listing();
  CHECK(names.count(stale) == 0);
  CHECK(names.count(legacy) == 0);
  CHECK(names.count(live) == 1);
  CHECK(names.count(other_host) == 1);
  CHECK(names.count(".y.png.matte-tmp-1") == 1);
  CHECK(names.size() == 5);  // plus a's and b's, under different random names
  CHECK(is_private_temporary(tmp.dir, "x.png"));
}

TEST_CASE("matte io: an output in a missing folder names the folder") {
  IoTempDir tmp;
  const std::string path = tmp / "missing/out.mp4";
  CHECK(error_of([&] { Sink::create(path, OutputKind::video, spec(8, 8, 25, false)); }) ==
        path + ": cannot write (folder " + (tmp / "missing") + " does not exist)");
  CHECK_THROWS_WITH_AS(Sink::create(tmp / "missing/seq/", OutputKind::png_sequence, spec(8, 8, 25, false)),
                       doctest::Contains("does not exist"), Error);
  CHECK(tmp.listing().empty());
}

TEST_CASE("matte io: a single-image output takes one frame, PNG keeps transparency and JPEG does not") {
  IoTempDir tmp;
  auto png = Sink::create(tmp / "one.png", OutputKind::image, spec(4, 3, 30, false));
  CHECK(png->keeps_transparency());
  const cv::Mat bgra = solid(4, 3, CV_8UC4, cv::Scalar(9, 8, 7, 6));
  png->write(bgra, tick());
  CHECK(error_of([&] { png->write(bgra, tick()); }) ==
        tmp / "one.png" + ": one image output but the input has more than one frame; give a folder for a PNG sequence");
  png->commit();
  CHECK(same_pixels(cv::imread(tmp / "one.png", cv::IMREAD_UNCHANGED), bgra));

  auto jpg = Sink::create(tmp / "one.JPG", OutputKind::image, spec(4, 3, 30, false));
  CHECK_FALSE(jpg->keeps_transparency());
  CHECK_THROWS_AS(jpg->write(bgra, tick()), Error);
  jpg->write(solid(4, 3, CV_8UC3, cv::Scalar(200, 100, 50)), tick());
  jpg->commit();
  const cv::Mat back = cv::imread(tmp / "one.JPG", cv::IMREAD_UNCHANGED);
  REQUIRE(back.type() == CV_8UC3);
  CHECK(mean_abs_diff(back, solid(4, 3, CV_8UC3, cv::Scalar(200, 100, 50))) < 3);
  CHECK(tmp.listing() == std::set<std::string>{"one.JPG", "one.png"});
}

}  // namespace matte::cli
