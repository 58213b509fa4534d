// The `matte` executable end to end: outputs, accuracy against ONNX Runtime, errors, signals.
#include <doctest/doctest.h>

#include <cctype>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <random>
#include <regex>

#include "engine/weight_file.h"
#include "tests/matte/cli_test_util.h"
#include "tests/matte/media.h"
#include "tests/shared_data.h"
#include "tools/common/frames.h"
#include "tools/onnx2flat/convert.h"
#include "tools/reference/onnx_reference.h"

namespace matte::test {

namespace {


void require_onnx_runtime() {
  std::string why;
  const bool available = reference::onnx_runtime_available(&why);
  INFO("ONNX Runtime reference unavailable (run scripts/setup.sh): ", why);
  REQUIRE(available);
}

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

double video_fps(const std::string& path) {
  AVFormatContext* in = nullptr;
  REQUIRE(avformat_open_input(&in, path.c_str(), nullptr, nullptr) == 0);
  REQUIRE(avformat_find_stream_info(in, nullptr) >= 0);
  const int index = av_find_best_stream(in, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  REQUIRE(index >= 0);
  const double fps = av_q2d(in->streams[index]->avg_frame_rate);
  avformat_close_input(&in);
  return fps;
}

// Every frame of a PNG sequence folder, after checking the names are exactly 000000.png, ...
std::vector<cv::Mat> read_sequence(const fs::path& dir, int frames) {
  INFO(dir.string());
  REQUIRE(fs::is_directory(dir));
  REQUIRE(joined(listing(dir)) == joined(sequence_names(frames)));
  std::vector<cv::Mat> images;
  for (const auto& name : sequence_names(frames)) {
    images.push_back(read_png(dir / name));
    REQUIRE(!images.back().empty());
  }
  return images;
}

struct LevelDiff {
  int max = 0;
  size_t equal = 0, total = 0;
};

void add_levels(LevelDiff& d, const cv::Mat& a, const cv::Mat& b) {
  REQUIRE(a.type() == CV_8UC1);
  REQUIRE(b.type() == CV_8UC1);
  REQUIRE(a.size() == b.size());
  for (int y = 0; y < a.rows; ++y)
    for (int x = 0; x < a.cols; ++x) {
      const int e = std::abs(int(a.at<uint8_t>(y, x)) - int(b.at<uint8_t>(y, x)));
      d.max = std::max(d.max, e);
      d.equal += e == 0;
      ++d.total;
    }
}

// round(pha·255) of an ONNX Runtime output, as an 8-bit image.
cv::Mat ort_alpha8(const reference::OrtTensor& pha, int width, int height) {
  REQUIRE(pha.values.size() == size_t(width) * height);
  cv::Mat m(height, width, CV_8UC1);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      m.at<uint8_t>(y, x) = uint8_t(std::lround(std::clamp(pha.values[size_t(y) * width + x], 0.f, 1.f) * 255.f));
  return m;
}

// Our alpha PNGs against ONNX Runtime on the same decoded frames: at most one level apart.
void check_against_ort(const std::string& model, const std::string& input, const std::vector<cv::Mat>& ours,
                       float ratio) {
  const std::vector<cli::Frame> frames = cli::load_frames(input, int(ours.size()));
  REQUIRE(frames.size() == ours.size());
  const int w = frames[0].width, h = frames[0].height;
  reference::Clip clip{.width = w, .height = h};
  for (const auto& f : frames) clip.frames.push_back(f.planar);
  const auto ort = reference::run_onnx(reference::network_job("rvm_mobilenetv3", model, clip, ratio, 2));
  REQUIRE(ort.size() == ours.size());
  LevelDiff d;
  for (size_t i = 0; i < ours.size(); ++i) add_levels(d, ours[i], ort_alpha8(ort[i].at("pha"), w, h));
  INFO(input, ": max |diff| ", d.max, " levels, ", d.equal, " of ", d.total, " pixels equal");
  CHECK(d.max <= 1);
  CHECK(double(d.equal) >= 0.999 * double(d.total));
}

}  // namespace

TEST_CASE("matte: video to composition video, alpha and foreground PNG sequences") {
  const std::string model = require_shared(kRvm), clip = require_shared(kClip);
  const TempDir tmp;
  const RunResult r = run_matte(tmp, {"--model", model, "--input", clip, "--frames", "4", "--threads", "2",
                                      "--output-composition", tmp / "comp.mp4", "--output-alpha", tmp / "alpha",
                                      "--output-foreground", tmp / "fgr"});
  check_success(r, 4);
  CHECK(contains(last_line(r.out), "360x640"));

  const VideoInfo v = read_video(tmp / "comp.mp4");
  REQUIRE(v.opened);
  CHECK(v.frames == 4);
  CHECK(v.width == 360);
  CHECK(v.height == 640);
  const double source_fps = video_fps(clip);
  CHECK(source_fps > 0);
  CHECK(std::abs(v.fps - source_fps) <= 1e-3);

  for (const cv::Mat& a : read_sequence(tmp.dir / "alpha", 4)) {
    CHECK(a.type() == CV_8UC1);
    CHECK(a.cols == 360);
    CHECK(a.rows == 640);
  }
  for (const cv::Mat& f : read_sequence(tmp.dir / "fgr", 4)) {
    CHECK(f.type() == CV_8UC3);
    CHECK(f.size() == cv::Size(360, 640));
  }
  // Only the three outputs: no temporaries left beside them.
  std::vector<std::string> top;
  for (const auto& e : fs::directory_iterator(tmp.dir)) top.push_back(e.path().filename().string());
  std::sort(top.begin(), top.end());
  CHECK(joined(top) == "alpha comp.mp4 fgr ");
}

TEST_CASE("matte: alpha matches ONNX Runtime within one level (video and single image)") {
  const std::string model = require_shared(kRvm), clip = require_shared(kClip), suit = require_shared(kSuit);
  require_onnx_runtime();
  const TempDir tmp;

  // auto = min(1, 512 / max(W, H)) = 0.8 for 360x640.
  check_success(run_matte(tmp, {"--model", model, "--input", clip, "--frames", "4", "--downsample-ratio", "auto",
                                "--threads", "2", "--output-alpha", tmp / "alpha"}),
                4);
  check_against_ort(model, clip, read_sequence(tmp.dir / "alpha", 4), 0.8f);

  // One image in, one .png image out.
  check_success(run_matte(tmp, {"--model", model, "--input", suit, "--threads", "2", "--output-alpha",
                                tmp / "suit_alpha.png"}),
                1);
  const cv::Mat a = read_png(tmp.dir / "suit_alpha.png");
  REQUIRE(!a.empty());
  CHECK(a.type() == CV_8UC1);
  CHECK(a.size() == cv::Size(570, 407));
  check_against_ort(model, suit, {a}, std::min(1.f, 512.f / 570.f));
}

TEST_CASE("matte: composition PNGs are RGBA: foreground colour where alpha > 0, 0 elsewhere") {
  const std::string model = require_shared(kRvm), clip = require_shared(kClip);
  const TempDir tmp;
  check_success(run_matte(tmp, {"--model", model, "--input", clip, "--frames", "2", "--threads", "2",
                                "--output-composition", tmp / "comp/", "--output-alpha", tmp / "alpha",
                                "--output-foreground", tmp / "fgr"}),
                2);
  const auto comp = read_sequence(tmp.dir / "comp", 2), alpha = read_sequence(tmp.dir / "alpha", 2),
             fgr = read_sequence(tmp.dir / "fgr", 2);
  size_t transparent = 0, opaque = 0;
  for (int i = 0; i < 2; ++i) {
    REQUIRE(comp[i].type() == CV_8UC4);
    REQUIRE(comp[i].size() == alpha[i].size());
    std::vector<cv::Mat> ch;
    cv::split(comp[i], ch);
    CHECK(cv::norm(ch[3], alpha[i], cv::NORM_INF) == 0);
    size_t colour_where_clear = 0, differs_from_fgr = 0;
    for (int y = 0; y < comp[i].rows; ++y)
      for (int x = 0; x < comp[i].cols; ++x) {
        const cv::Vec4b c = comp[i].at<cv::Vec4b>(y, x);
        const cv::Vec3b f = fgr[i].at<cv::Vec3b>(y, x);
        if (c[3] == 0) {
          ++transparent;
          colour_where_clear += (c[0] | c[1] | c[2]) != 0;
        } else {
          ++opaque;
          differs_from_fgr += c[0] != f[0] || c[1] != f[1] || c[2] != f[2];
        }
      }
    CHECK(colour_where_clear == 0);
    CHECK(differs_from_fgr == 0);
  }
  // Both cases occur in the clip: a person in front of a background.
  CHECK(transparent > 10000);
  CHECK(opaque > 10000);
}

TEST_CASE("matte: --background colour fills the composition where alpha is 0, an image background runs") {
  const std::string model = require_shared(kRvm), clip = require_shared(kClip);
  const TempDir tmp;
  check_success(run_matte(tmp, {"--model", model, "--input", clip, "--frames", "3", "--threads", "2", "--background",
                                "#FF0000", "--output-composition", tmp / "red.mp4", "--output-alpha", tmp / "alpha"}),
                3);
  const VideoInfo v = read_video(tmp / "red.mp4", true);
  REQUIRE(v.frames == 3);
  const auto alpha = read_sequence(tmp.dir / "alpha", 3);
  cv::Vec3d sum_abs(0, 0, 0);
  size_t n = 0;
  for (int i = 0; i < 3; ++i) {
    REQUIRE(v.images[i].type() == CV_8UC3);
    // Away from the matte's edge: H.264's 4:2:0 chroma bleeds a few pixels across it.
    cv::Mat clear = alpha[i] == 0;
    cv::erode(clear, clear, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(9, 9)));
    for (int y = 0; y < clear.rows; ++y)
      for (int x = 0; x < clear.cols; ++x) {
        if (!clear.at<uint8_t>(y, x)) continue;
        const cv::Vec3b p = v.images[i].at<cv::Vec3b>(y, x);
        sum_abs += cv::Vec3d(std::abs(p[0] - 0.0), std::abs(p[1] - 0.0), std::abs(p[2] - 255.0));
        ++n;
      }
  }
  REQUIRE(n > 10000);
  INFO("mean |BGR - (0,0,255)| over ", n, " pixels: ", sum_abs[0] / n, " ", sum_abs[1] / n, " ", sum_abs[2] / n);
  for (int c = 0; c < 3; ++c) CHECK(sum_abs[c] / double(n) <= 12.0);

  const fs::path backgrounds = require_shared("media/matting/backgrounds");
  std::vector<std::string> images;
  for (const auto& e : fs::directory_iterator(backgrounds)) images.push_back(e.path().string());
  std::sort(images.begin(), images.end());
  REQUIRE(!images.empty());
  check_success(run_matte(tmp, {"--model", model, "--input", clip, "--frames", "2", "--threads", "2", "--background",
                                images.front(), "--output-composition", tmp / "image_bg.mp4"}),
                2);
  const VideoInfo b = read_video(tmp / "image_bg.mp4");
  CHECK(b.frames == 2);
  CHECK(b.width == 360);
  CHECK(b.height == 640);
}

TEST_CASE("matte: a folder of images is one sequence in name order, at --fps") {
  const std::string model = require_shared(kRvm);
  const cv::Mat photo = cv::imread(require_shared(kPortrait), cv::IMREAD_COLOR);
  REQUIRE(!photo.empty());
  const TempDir tmp;
  fs::create_directories(tmp.dir / "frames");
  // Written c, a, b: the sequence must follow the names, not the creation order.
  const cv::Rect crops[3] = {{0, 0, 288, 384}, {300, 386, 288, 384}, {600, 772, 288, 384}};
  REQUIRE(cv::imwrite(tmp / "frames/c.png", photo(crops[2])));
  REQUIRE(cv::imwrite(tmp / "frames/a.png", photo(crops[0])));
  REQUIRE(cv::imwrite(tmp / "frames/b.png", photo(crops[1])));
  REQUIRE(cv::imwrite(tmp / "b_alone.png", photo(crops[1])));

  check_success(run_matte(tmp, {"--model", model, "--input", tmp / "frames", "--fps", "12", "--threads", "2",
                                "--output-composition", tmp / "all.mp4"}),
                3);
  const VideoInfo all = read_video(tmp / "all.mp4");
  CHECK(all.frames == 3);
  CHECK(all.width == 288);
  CHECK(all.height == 384);
  CHECK(std::abs(all.fps - 12.0) <= 1e-3);

  check_success(run_matte(tmp, {"--model", model, "--input", tmp / "frames", "--start", "1", "--frames", "1", "--fps",
                                "12", "--threads", "2", "--output-composition", tmp / "one.mp4", "--output-alpha",
                                tmp / "one_alpha.png"}),
                1);
  CHECK(read_video(tmp / "one.mp4").frames == 1);
  // Frame 1 in name order is b.png: the same matte as b alone from a fresh state.
  check_success(run_matte(tmp, {"--model", model, "--input", tmp / "b_alone.png", "--threads", "2", "--output-alpha",
                                tmp / "b_alpha.png"}),
                1);
  const cv::Mat one = read_png(tmp.dir / "one_alpha.png"), b = read_png(tmp.dir / "b_alpha.png");
  REQUIRE(!one.empty());
  REQUIRE(one.size() == b.size());
  CHECK(cv::norm(one, b, cv::NORM_INF) == 0);
}

TEST_CASE("matte: a converted .safetensors model and the .onnx converted in memory give identical PNGs") {
  const std::string onnx = require_shared(kRvm), clip = require_shared(kClip);
  const TempDir tmp;
  const ConvertedModel converted = convert_onnx(onnx);
  write_weight_file(tmp / "rvm.safetensors", converted.metadata, converted.tensors);

  const RunResult a = run_matte(tmp, {"--model", tmp / "rvm.safetensors", "--input", clip, "--frames", "2",
                                      "--threads", "2", "--quiet", "--output-alpha", tmp / "from_weights"});
  const RunResult b = run_matte(tmp, {"--model", onnx, "--input", clip, "--frames", "2", "--threads", "2", "--quiet",
                                      "--output-alpha", tmp / "from_onnx"});
  for (const RunResult* r : {&a, &b}) {
    INFO("stderr: ", r->err);
    REQUIRE(r->code == 0);
    CHECK(r->out.empty());  // --quiet: no summary
    CHECK(r->err.empty());
  }
  read_sequence(tmp.dir / "from_weights", 2);
  read_sequence(tmp.dir / "from_onnx", 2);
  for (const auto& name : sequence_names(2)) {
    INFO(name);
    CHECK(read_text(tmp.dir / "from_weights" / name) == read_text(tmp.dir / "from_onnx" / name));
  }
}

TEST_CASE("matte: --seq-chunk 3 gives the alpha of --seq-chunk 1") {
  const std::string model = require_shared(kRvm), clip = require_shared(kClip);
  const TempDir tmp;
  for (const char* chunk : {"1", "3"}) {
    check_success(run_matte(tmp, {"--model", model, "--input", clip, "--frames", "5", "--threads", "2", "--seq-chunk",
                                  chunk, "--output-alpha", tmp / (std::string("chunk") + chunk)}),
                  5);
  }
  const auto one = read_sequence(tmp.dir / "chunk1", 5), three = read_sequence(tmp.dir / "chunk3", 5);
  LevelDiff d;
  for (int i = 0; i < 5; ++i) add_levels(d, one[i], three[i]);
  INFO("max |diff| ", d.max, " levels, ", d.equal, " of ", d.total, " pixels equal");
  CHECK(d.max <= 1);
  CHECK(double(d.equal) >= 0.999 * double(d.total));
}

TEST_CASE("matte: bad command lines exit 2 naming the flag, before touching any file") {
  const std::string model = require_shared(kRvm), clip = require_shared(kClip);
  const TempDir tmp;
  const Args base{"--model", model, "--input", clip, "--output-alpha", tmp / "alpha"};
  const std::vector<std::pair<Args, std::string>> cases = {
      {{"--downsample-ratio", "0"}, "--downsample-ratio"},
      {{"--downsample-ratio", "1.5"}, "--downsample-ratio"},
      {{"--downsample-ratio", "abc"}, "--downsample-ratio"},
      {{"--seq-chunk", "0"}, "--seq-chunk"},
      {{"--threads", "0"}, "--threads"},
      {{"--fps", "0"}, "--fps"},
      {{"--output-type", "gif"}, "--output-type"},
      {{"--background", "#12345G"}, "--background"},
      {{"--background", "300,0,0"}, "--background"},
      {{"--bogus"}, "--bogus"},
  };
  for (const auto& [extra, flag] : cases) {
    Args args = base;
    args.insert(args.end(), {"--frames", "2"});
    args.insert(args.end(), extra.begin(), extra.end());
    check_failure(tmp, args, {2}, {flag});
  }
  // Without a bounding --frames of their own.
  check_failure(tmp, {"--model", model, "--input", clip, "--output-alpha", tmp / "alpha", "--frames", "-1"}, {2},
                {"--frames"});
  check_failure(tmp, {"--model", model, "--input", clip, "--output-alpha", tmp / "alpha", "--frames", "2", "--start",
                      "-2"},
                {2}, {"--start"});
  check_failure(tmp, {"--model", model, "--output-alpha", tmp / "alpha", "--frames", "2", "--input"}, {2},
                {"--input"});
  check_failure(tmp, {"--model", model, "--input", clip, "--frames", "2"}, {2}, {"output"});
  CHECK(listing(tmp.dir).empty());
}

TEST_CASE("matte: a missing input or model names the path (exit 1)") {
  const std::string model = require_shared(kRvm), clip = require_shared(kClip);
  const TempDir tmp;
  const std::string no_input = tmp / "nope.mp4", no_model = tmp / "nope.safetensors";
  check_failure(tmp, {"--model", model, "--input", no_input, "--output-alpha", tmp / "alpha"}, {1},
                {no_input + ": no such file (--input)"});
  check_failure(tmp, {"--model", no_model, "--input", clip, "--frames", "2", "--output-alpha", tmp / "alpha"}, {1},
                {no_model + ": no such file (--model)"});
}

TEST_CASE("matte: undecodable input, an empty folder and --start past the end (exit 1)") {
  const std::string model = require_shared(kRvm), clip = require_shared(kClip);
  const TempDir tmp;
  const std::string text_clip = tmp / "clip.mp4", empty = tmp / "empty";
  write_text(text_clip, "this is not a video\n");
  fs::create_directories(empty);
  check_failure(tmp, {"--model", model, "--input", text_clip, "--output-alpha", tmp / "alpha"}, {1},
                {text_clip + ": cannot decode as an image or a video"});
  check_failure(tmp, {"--model", model, "--input", empty, "--output-alpha", tmp / "alpha"}, {1},
                {empty + ": no images in folder"});
  check_failure(tmp, {"--model", model, "--input", clip, "--start", "1000", "--output-alpha", tmp / "alpha"}, {1},
                {clip + ": no frames after --start 1000"});
}

TEST_CASE("matte: a folder image of another size mid-run stops every stage, names the file, leaves nothing") {
  const std::string model = require_shared(kRvm);
  const cv::Mat photo = cv::imread(require_shared(kPortrait), cv::IMREAD_COLOR);
  REQUIRE(!photo.empty());
  const TempDir tmp;
  fs::create_directories(tmp.dir / "frames");
  for (const std::string name : {"a.png", "b.png", "c.png"}) {
    REQUIRE(cv::imwrite(tmp / ("frames/" + name), photo(cv::Rect(0, 0, 96, 64))));
  }
  REQUIRE(cv::imwrite(tmp / "frames/d.png", photo(cv::Rect(0, 0, 64, 96))));
  REQUIRE(cv::imwrite(tmp / "frames/e.png", photo(cv::Rect(0, 0, 96, 64))));
  check_failure(tmp, {"--model", model, "--input", tmp / "frames", "--output-composition", tmp / "comp.mp4",
                      "--output-alpha", tmp / "alpha"},
                {1}, {tmp / "frames/d.png"});
}

TEST_CASE("matte: an output in a missing folder, or existing without --overwrite, is refused (exit 1)") {
  const std::string model = require_shared(kRvm), clip = require_shared(kClip);
  const TempDir tmp;
  const std::string parent = tmp / "missing";
  for (const std::string& out : {parent + "/out.mp4", parent + "/alpha"}) {
    check_failure(tmp, {"--model", model, "--input", clip, "--frames", "2", "--output-alpha", out}, {1},
                  {out + ": cannot write (folder " + parent + " does not exist)"});
  }
  const std::string existing = tmp / "exists.mp4";
  write_text(existing, std::string("\0\0\0\x20" "ftypisom", 12));
  check_failure(tmp, {"--model", model, "--input", clip, "--frames", "2", "--output-composition", existing}, {1},
                {existing + ": exists (use --overwrite to replace it)"});
  CHECK(read_text(existing).size() == 12);
}

TEST_CASE("matte: an output that is the input is refused, however it is spelled") {
  const std::string model = require_shared(kRvm), clip = require_shared(kClip);
  const TempDir tmp;
  const std::string input = tmp / "in.mp4";
  fs::copy_file(clip, input);
  fs::create_directories(tmp.dir / "sub");
  const auto size = fs::file_size(input);
  const auto mtime = fs::last_write_time(input);
  const std::string bytes = read_text(input);
  for (const std::string& out : {input, (tmp.dir / "sub" / ".." / "in.mp4").string()}) {
    const RunResult r = check_failure(
        tmp, {"--model", model, "--input", input, "--frames", "2", "--overwrite", "--output-composition", out}, {1, 2},
        {"input"});
    CHECK((contains(first_line(r.err), out) || contains(first_line(r.err), input)));
    CHECK(fs::file_size(input) == size);
    CHECK(fs::last_write_time(input) == mtime);
    CHECK(read_text(input) == bytes);
  }
  // A folder input and a PNG sequence into that same folder.
  const std::string frames = tmp / "frames";
  fs::create_directories(frames);
  REQUIRE(cv::imwrite(frames + "/a.png", cv::Mat(64, 64, CV_8UC3, cv::Scalar(10, 200, 30))));
  check_failure(tmp, {"--model", model, "--input", frames, "--overwrite", "--output-alpha", frames}, {1, 2},
                {frames, "input"});
}

TEST_CASE("matte: a model file of the wrong kind names the model path (exit 1)") {
  const std::string onnx = require_shared(kRvm), suit = require_shared(kSuit);
  const TempDir tmp;
  const std::string text = tmp / "m.onnx", random = tmp / "m.safetensors", truncated = tmp / "truncated.onnx";
  write_text(text, "not a model\n");
  std::mt19937 rng(7);
  std::string noise(4096, '\0');
  for (char& c : noise) c = char(rng() & 0xff);
  write_text(random, noise);
  write_text(truncated, read_text(onnx).substr(0, 1 << 20));
  for (const std::string& m : {text, random, truncated}) {
    check_failure(tmp, {"--model", m, "--input", suit, "--output-alpha", tmp / "alpha.png"}, {1}, {m});
  }
}

TEST_CASE("matte: --background-plate is refused for an RVM model") {
  const std::string model = require_shared(kRvm), suit = require_shared(kSuit);
  const TempDir tmp;
  check_failure(tmp, {"--model", model, "--input", suit, "--background-plate", suit, "--output-alpha",
                      tmp / "alpha.png"},
                {1, 2}, {"--background-plate", "RVM"});
}

TEST_CASE("matte: a single-image output for several frames is refused") {
  const std::string model = require_shared(kRvm), clip = require_shared(kClip);
  const TempDir tmp;
  const std::string out = tmp / "alpha.png";
  check_failure(tmp, {"--model", model, "--input", clip, "--frames", "3", "--output-alpha", out}, {1, 2}, {out});
}

TEST_CASE("matte: --overwrite replaces an existing output, without it the output is untouched") {
  const std::string model = require_shared(kRvm), clip = require_shared(kClip);
  const TempDir tmp;
  const std::string out = tmp / "out.mp4";
  const Args common{"--model", model, "--input", clip, "--threads", "2", "--output-composition", out};
  Args first = common, again = common, replace = common;
  first.insert(first.end(), {"--frames", "2"});
  again.insert(again.end(), {"--frames", "3"});
  replace.insert(replace.end(), {"--frames", "3", "--overwrite"});

  check_success(run_matte(tmp, first), 2);
  const std::string bytes = read_text(out);
  CHECK(read_video(out).frames == 2);
  check_failure(tmp, again, {1}, {out + ": exists (use --overwrite to replace it)"});
  CHECK(read_text(out) == bytes);
  check_success(run_matte(tmp, replace), 3);
  CHECK(read_video(out).frames == 3);
  CHECK(joined(listing(tmp.dir)) == "out.mp4 ");
}

namespace {

// Signals matte once its temporaries exist (processing under way), then expects `code` and nothing left.
void check_interrupted(int sig, int code) {
  const std::string model = require_shared(kRvm), clip = require_shared(kStudio);
  const TempDir tmp;
  Child child({"--model", model, "--input", clip, "--threads", "1", "--output-composition", tmp / "out.mp4",
               "--output-alpha", tmp / "alphadir"},
              tmp.io);
  bool temporary = false;
  const auto deadline = std::chrono::steady_clock::now() + time_limit(std::chrono::seconds(20));
  while (!temporary && child.running() && std::chrono::steady_clock::now() < deadline) {
    for (const auto& e : fs::directory_iterator(tmp.dir)) {
      const std::string name = e.path().filename().string();
      temporary |= name.starts_with(".") && contains(name, ".matte-tmp-");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  INFO("entries: ", joined(listing(tmp.dir)));
  REQUIRE(temporary);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  REQUIRE(child.running());
  child.signal(sig);
  const RunResult r = child.wait(std::chrono::seconds(60));
  INFO("stdout: ", r.out, "\nstderr: ", r.err);
  CHECK(r.code == code);
  CHECK(joined(listing(tmp.dir)) == "");
}

}  // namespace

TEST_CASE("matte: SIGINT during processing exits 130 and leaves nothing") { check_interrupted(SIGINT, 130); }

TEST_CASE("matte: SIGTERM during processing exits 143 and leaves nothing") { check_interrupted(SIGTERM, 143); }

TEST_CASE("matte: --help lists every flag, the video formats, the audio rule and the pipe example") {
  const TempDir tmp;
  const RunResult r = run_matte(tmp, {"--help"});
  INFO("stdout: ", r.out, "\nstderr: ", r.err);
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  for (const char* flag : {"--model", "--input", "--output-composition", "--output-alpha", "--output-foreground",
                           "--output-type", "--background", "--downsample-ratio", "--seq-chunk", "--threads",
                           "--frames", "--start", "--fps", "--quiet", "--preview", "--overwrite", "--background-plate", "--plate-median",
                           "--help", "--version", "--video-codec", "--video-crf", "--video-preset",
                           "--video-mbps", "--output-format", "--no-audio", "--reset-on-scene-cut", "prores",
                           "qtrle", "ffv1",
                           "--backbone-scale", "--refine-mode", "--sample-pixels", "--refine-threshold",
                           "Audio: the composition and foreground videos get every audio stream of the input",
                           "--input - --output-composition -"}) {
    INFO(flag);
    CHECK(contains(r.out, flag));
  }
  CHECK_FALSE(contains(r.out, "-c copy"));  // the audio is kept: no remux advice
}

TEST_CASE("matte: --version prints 'matte <version>'") {
  const TempDir tmp;
  const RunResult r = run_matte(tmp, {"--version"});
  INFO("stdout: ", r.out, "\nstderr: ", r.err);
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  CHECK(line_count(r.out) == 1);
  CHECK(std::regex_match(first_line(r.out), std::regex(R"(matte [0-9]+(\.[0-9]+)*\S*)")));
}

TEST_CASE("matte: --preview without a display fails (exit 1) and leaves nothing") {
  const std::string model = require_shared(kRvm), clip = require_shared(kClip);
  const TempDir tmp;
  const Env no_display{.set = {}, .unset = {"DISPLAY", "WAYLAND_DISPLAY"}, .cwd = "", .stdin_path = ""};
  const RunResult r = check_failure(
      tmp, {"--model", model, "--input", clip, "--frames", "2", "--preview", "--output-alpha", tmp / "alpha"}, {1}, {},
      no_display);
  CHECK(contains(lower(first_line(r.err)), "display"));
  CHECK(listing(tmp.dir).empty());
}

}  // namespace matte::test

namespace matte::test {

namespace {


}  // namespace

TEST_CASE("matte BGMv2: alpha of a frame with its plate matches ONNX Runtime within one level") {
  const std::string model = require_shared(kBgm), src = require_shared(kParkingSrc), plate = require_shared(kParkingPlate);
  require_onnx_runtime();
  const TempDir tmp;
  check_success(run_matte(tmp, {"--model", model, "--input", src, "--background-plate", plate, "--threads", "2",
                                "--output-alpha", tmp / "pha.png", "--output-refine-map", tmp / "ref.png"}),
                1);
  const cli::Frame f = cli::load_frames(src, 1).front(), p = cli::load_frames(plate, 1).front();
  const reference::Clip clip{.width = f.width, .height = f.height, .frames = {f.planar}, .plates = {p.planar}};
  const std::vector<reference::OrtFrame> result =
      reference::run_onnx(reference::network_job("bgm_mobilenetv2", model, clip, 0.f, 2));
  const std::vector<float>& ort = result.at(0).at("pha").values;
  const cv::Mat ours = read_png(tmp.dir / "pha.png");
  REQUIRE(ours.type() == CV_8UC1);
  REQUIRE(size_t(ours.total()) == ort.size());
  int worst = 0;
  for (size_t i = 0; i < ort.size(); ++i) {
    worst = std::max(worst, std::abs(int(ours.data[i]) - int(std::lround(ort[i] * 255.0f))));
  }
  CHECK(worst <= 1);
  // Sampling at 80 000 pixels refines at most 5000 patches of 16 pixels each.
  const cv::Mat ref = read_png(tmp.dir / "ref.png");
  REQUIRE(ref.size() == ours.size());
  const int refined = cv::countNonZero(ref);
  CHECK(refined % 16 == 0);
  CHECK(refined > 0);
  CHECK(refined <= 5000 * 16);
}

TEST_CASE("matte BGMv2: sizes not divisible by 4 are padded and cropped back, video plate and --resize-plate") {
  const std::string model = require_shared(kBgm), src = require_shared(kGreenSrc),
                    plate = require_shared(kGreenPlate);
  const TempDir tmp;
  check_success(run_matte(tmp, {"--model", model, "--input", src, "--background-plate", plate, "--threads", "2",
                                "--output-composition", tmp / "comp.png", "--output-error", tmp / "err.png"}),
                1);
  const cv::Mat comp = read_png(tmp.dir / "comp.png"), err = read_png(tmp.dir / "err.png");
  CHECK(comp.cols == 658);
  CHECK(comp.rows == 370);
  CHECK(comp.channels() == 4);
  CHECK(err.size() == comp.size());
  // A plate of another size is scaled only when asked (the same scene's: another one is warned about).
  cv::Mat larger;
  cv::resize(cv::imread(plate, cv::IMREAD_COLOR), larger, cv::Size(1316, 740));
  const std::string larger_plate = (tmp.io / "plate_1316x740.png").string();
  REQUIRE(cv::imwrite(larger_plate, larger));
  check_success(run_matte(tmp, {"--model", model, "--input", src, "--background-plate",
                                larger_plate, "--resize-plate", "--refine-mode", "thresholding",
                                "--output-alpha", tmp / "resized.png"}),
                1);
  CHECK(read_png(tmp.dir / "resized.png").size() == comp.size());
}

TEST_CASE("matte BGMv2: a missing plate, a plate of another size, and BGMv2 outputs for RVM are refused") {
  const std::string bgm = require_shared(kBgm), rvm = require_shared(kRvm), src = require_shared(kParkingSrc),
                    small_plate = require_shared(kGreenPlate);
  const TempDir tmp;
  check_failure(tmp, {"--model", bgm, "--input", src, "--output-alpha", tmp / "a.png"}, {1},
                {bgm, "--background-plate"});
  check_failure(tmp, {"--model", bgm, "--input", src, "--background-plate", small_plate, "--output-alpha",
                      tmp / "a.png"},
                {1}, {small_plate, "658x370", "1920x1080", "--resize-plate"});
  check_failure(tmp, {"--model", rvm, "--input", src, "--output-error", tmp / "e.png"}, {1}, {"--output-error", "RVM"});
  check_failure(tmp, {"--model", bgm, "--input", src, "--background-plate", src, "--refine-mode", "best",
                      "--output-alpha", tmp / "a.png"},
                {2}, {"--refine-mode best"});
  // Settings are the network's: a BGMv2 one for RVM, and RVM's for BGMv2, name the network.
  check_failure(tmp, {"--model", rvm, "--input", src, "--backbone-scale", "0.5", "--output-alpha", tmp / "a.png"},
                {1}, {"RVM (MobileNetV3) has no setting backbone-scale (its settings: downsample-ratio)"});
  check_failure(tmp, {"--model", bgm, "--input", src, "--background-plate", src, "--downsample-ratio", "0.5",
                      "--output-alpha", tmp / "a.png"},
                {1}, {"BGMv2 (MobileNetV2) has no setting downsample-ratio"});
}

}  // namespace matte::test
