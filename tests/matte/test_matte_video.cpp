// `matte`'s video files and streams end to end (FFmpeg's libraries): every codec, transparent
// video, timestamps, audio, rotation, pipes, full disks, damaged inputs and the new errors. Short
// clips and few frames: the whole file stays within seconds.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <cmath>
#include <opencv2/imgproc.hpp>

#include "kernels/yuv.h"
#include "tests/matte/av_test_util.h"
#include "tests/matte/cli_test_util.h"
#include "tests/matte/media.h"
#include "tests/shared_data.h"

namespace matte::test {

namespace {


struct CodecCase {
  const char* codec;
  const char* extension;
  const char* composition_format;  // with alpha where the codec carries it
  const char* alpha_format;
};

// Every --video-codec in a container that holds it.
const CodecCase kCodecs[] = {
    {"h264", ".mp4", "yuv444p", "yuv444p"},          {"hevc", ".mkv", "yuv444p", "yuv444p"},
    {"vp9", ".webm", "yuva420p", "yuv420p"},         {"prores", ".mov", "yuva444p12le", "yuv422p10le"},
    {"qtrle", ".mov", "argb", "rgb24"},              {"ffv1", ".mkv", "bgra", "gray"},
    {"png", ".mov", "rgba", "gray"},                 {"mjpeg", ".avi", "yuvj420p", "yuvj420p"},
};

void make_suit_folder(const TempDir& tmp, int frames) {
  fs::create_directories(tmp.dir / "in");
  for (int k = 0; k < frames; ++k) fs::copy_file(require_shared(kSuit), tmp / cv::format("in/%d.png", k));
}

double mean_abs_diff(const cv::Mat& a, const cv::Mat& b) {
  return cv::norm(a, b, cv::NORM_L1) / double(a.total() * a.channels());
}

// Exit 0, the summary on stdout, and stderr exactly `notices` lines (each containing its text).
void check_ran(const RunResult& r, const std::vector<std::string>& notices = {}) {
  INFO("stdout: ", r.out, "\nstderr: ", r.err);
  REQUIRE(r.code == 0);
  CHECK(line_count(r.err) == notices.size());
  for (const std::string& n : notices) CHECK(contains(r.err, n));
}

}  // namespace

TEST_CASE("matte video: every codec keeps count, odd size and pixel format, lossless alpha equals the PNGs") {
  const std::string model = require_shared(kRvm);
  const TempDir tmp;
  make_suit_folder(tmp, 2);  // an odd size: never cropped
  check_ran(run_matte(tmp, {"--model", model, "--input", tmp / "in", "--threads", "2", "--output-alpha", tmp / "pha"}));
  std::vector<cv::Mat> expected;
  for (int k = 0; k < 2; ++k) expected.push_back(read_png(tmp / cv::format("pha/%06d.png", k)));
  for (const CodecCase& c : kCodecs) {
    CAPTURE(c.codec);
    const std::string comp = tmp / (std::string("comp") + c.extension);
    const std::string alpha = tmp / (std::string("alpha") + c.extension);
    const RunResult r = run_matte(tmp, {"--model", model, "--input", tmp / "in", "--threads", "2", "--video-codec",
                                        c.codec, "--output-composition", comp, "--output-alpha", alpha});
    // Odd sizes are kept, with a line for each output whose usual chroma subsampling cannot hold them.
    const std::string codec = c.codec;
    std::vector<std::string> notices;
    if (codec == "h264" || codec == "hevc") notices = {comp + ": 570x407 has an odd side", alpha + ": 570x407 has"};
    check_ran(r, notices);
    const AvVideo a = read_av(alpha, Pixels::gray), v = read_av(comp, Pixels::alpha);
    CHECK(v.frames == 2);
    CHECK(a.frames == 2);
    CHECK(v.width == 570);
    CHECK(v.height == 407);
    CHECK(a.width == 570);
    CHECK(a.height == 407);
    CHECK(v.pix_fmt == c.composition_format);
    CHECK(a.pix_fmt == c.alpha_format);
    for (size_t k = 0; k < v.images.size() && k < expected.size(); ++k) {
      if (codec == "qtrle" || codec == "ffv1" || codec == "png") {
        CHECK(cv::norm(a.images[k], expected[k], cv::NORM_INF) == 0);  // lossless: bit for bit
        CHECK(cv::norm(v.images[k], expected[k], cv::NORM_INF) == 0);
      } else if (codec == "prores") {
        CHECK(cv::norm(v.images[k], expected[k], cv::NORM_INF) <= 2);
      } else if (codec == "vp9") {
        CHECK(mean_abs_diff(v.images[k], expected[k]) <= 1.0);
      }
    }
    fs::remove(comp);
    fs::remove(alpha);
  }
  CHECK(joined(listing(tmp.dir)) == joined({"in", "in/0.png", "in/1.png", "pha", "pha/000000.png", "pha/000001.png"}));
}

TEST_CASE("matte video: the H.264 path's own YUV 4:2:0 conversion is within one level of libswscale's exact one") {
  const cv::Mat photo = cv::imread(require_shared(kParkingSrc), cv::IMREAD_COLOR);
  REQUIRE(photo.cols == 1920);
  const int w = photo.cols, h = photo.rows;
  cv::Mat y(h, w, CV_8UC1), u(h / 2, w / 2, CV_8UC1), v(h / 2, w / 2, CV_8UC1);
  yuv().u8_rgb_to_yuv420({photo.data, photo.step, size_t(h), size_t(w), true},
                         {y.data, u.data, v.data, y.step, u.step, v.step}, 0, size_t(h / 2));
  cv::Mat sy(h, w, CV_8UC1), su(h / 2, w / 2, CV_8UC1), sv(h / 2, w / 2, CV_8UC1);
  SwsContext* sws = sws_getContext(w, h, AV_PIX_FMT_BGR24, w, h, AV_PIX_FMT_YUV420P, SWS_BICUBIC | SWS_ACCURATE_RND,
                                   nullptr, nullptr, nullptr);
  REQUIRE(sws);
  const uint8_t* in[4] = {photo.data};
  const int in_stride[4] = {int(photo.step)};
  uint8_t* out[4] = {sy.data, su.data, sv.data};
  const int out_stride[4] = {int(sy.step), int(su.step), int(sv.step)};
  CHECK(sws_scale(sws, in, in_stride, 0, h, out, out_stride) == h);
  sws_freeContext(sws);
  for (const auto& [ours, theirs] : {std::pair{y, sy}, {u, su}, {v, sv}}) {
    CHECK(cv::norm(ours, theirs, cv::NORM_INF) <= 1);
    CHECK(mean_abs_diff(ours, theirs) < 0.05);
  }
}

TEST_CASE("matte video: alpha as lossless H.264 (CRF 0, yuv420p) reads back within one level of the alpha PNGs") {
  const std::string model = require_shared(kRvm);
  const TempDir tmp;
  fs::create_directories(tmp.dir / "in");
  const cv::Mat photo = cv::imread(require_shared(kSuit), cv::IMREAD_COLOR)(cv::Rect(0, 0, 320, 240));
  for (int k = 0; k < 2; ++k) REQUIRE(cv::imwrite(tmp / cv::format("in/%d.png", k), photo));
  check_ran(run_matte(tmp, {"--model", model, "--input", tmp / "in", "--output-alpha", tmp / "pha"}));
  check_ran(run_matte(tmp, {"--model", model, "--input", tmp / "in", "--video-crf", "0", "--output-alpha", tmp / "a.mp4"}));
  const AvVideo a = read_av(tmp / "a.mp4", Pixels::gray);
  REQUIRE(a.frames == 2);
  CHECK(a.pix_fmt == "yuv420p");
  for (int k = 0; k < 2; ++k) {
    // 8-bit limited range there and back: at most one level.
    CHECK(cv::norm(a.images[size_t(k)], read_png(tmp / cv::format("pha/%06d.png", k)), cv::NORM_INF) <= 1);
  }
}

TEST_CASE("matte video: every audio stream copied packet for packet, cut with --start/--frames, 30000/1001 timestamps exact") {
  const std::string model = require_shared(kRvm), clip = require_shared(kAudioClip);
  const TempDir tmp;
  const AvVideo in = read_av(clip);
  REQUIRE(in.has_audio);
  const double frame = 1001.0 / 30000;
  for (const auto& [start, frames] : {std::pair{0, 8}, std::pair{100, 6}}) {
    CAPTURE(start);
    const std::string out = tmp / cv::format("c%d.mp4", start);
    check_ran(run_matte(tmp, {"--model", model, "--input", clip, "--start", std::to_string(start), "--frames",
                              std::to_string(frames), "--output-composition", out}));
    const AvVideo v = read_av(out);
    REQUIRE(v.frames == frames);
    // Frame i at input frame start+i's time, shifted to begin at 0, exactly.
    CHECK(v.time_base.num * in.time_base.den == v.time_base.den * in.time_base.num);
    for (int i = 0; i < frames; ++i) {
      CHECK(v.pts[size_t(i)] - v.pts[0] == in.pts[size_t(start + i)] - in.pts[size_t(start)]);
    }
    REQUIRE(v.has_audio);
    CHECK(v.audio.codec == "aac");
    // A run of the input's packets, untouched.
    const auto first = std::find(in.audio.packets.begin(), in.audio.packets.end(), v.audio.packets.front());
    REQUIRE(first != in.audio.packets.end());
    const size_t offset = size_t(first - in.audio.packets.begin());
    for (size_t i = 0; i < v.audio.packets.size(); ++i) CHECK(v.audio.packets[i] == in.audio.packets[offset + i]);
    // In sync from the first frame, as long as the video within one frame.
    const double video_end = frames * frame;
    CHECK(std::abs(v.audio.start()) < frame);
    CHECK(std::abs(v.audio.end() - video_end) < frame);
  }
  // Every audio stream is carried, in order: an input with two (made here) gives two, each a run of
  // the input's packets.
  remux(clip, tmp / "two.mkv", "matroska", 0, true, false, nullptr, 2);
  REQUIRE(read_av(tmp / "two.mkv").audio_streams.size() == 2);
  check_ran(run_matte(tmp, {"--model", model, "--input", tmp / "two.mkv", "--frames", "8", "--output-composition",
                            tmp / "two_out.mkv"}));
  const AvVideo two = read_av(tmp / "two_out.mkv");
  REQUIRE(two.audio_streams.size() == 2);
  for (const AvAudio& a : two.audio_streams) {
    CHECK(a.codec == "aac");
    REQUIRE_FALSE(a.packets.empty());
    CHECK(a.packets == two.audio_streams[0].packets);
    CHECK(std::search(in.audio.packets.begin(), in.audio.packets.end(), a.packets.begin(), a.packets.end()) !=
          in.audio.packets.end());
    CHECK(std::abs(a.end() - 8 * frame) < frame);
  }
  // --no-audio drops it; WebM cannot hold AAC: Opus, said in one line.
  check_ran(run_matte(tmp, {"--model", model, "--input", clip, "--frames", "3", "--no-audio", "--output-composition",
                            tmp / "silent.mp4"}));
  CHECK_FALSE(read_av(tmp / "silent.mp4").has_audio);
  check_ran(run_matte(tmp, {"--model", model, "--input", clip, "--frames", "3", "--output-foreground", tmp / "f.webm"}),
            {"re-encoded as libopus"});
  const AvVideo webm = read_av(tmp / "f.webm");
  CHECK(webm.audio.codec == "opus");
  CHECK(std::abs(webm.audio.end() - 3 * frame) < frame);
}

TEST_CASE("matte video: a stream stored sideways with a display matrix comes out upright") {
  const std::string model = require_shared(kRvm), clip = require_shared(kClip);
  const TempDir tmp;
  const AvVideo upright = read_av(clip, Pixels::bgr);
  std::vector<cv::Mat> sideways(2);
  // A phone held upright: the picture stored turned counterclockwise, the matrix telling players to
  // turn it 90° clockwise.
  for (size_t k = 0; k < 2; ++k) cv::rotate(upright.images[k], sideways[k], cv::ROTATE_90_COUNTERCLOCKWISE);
  write_png_video(tmp / "phone.mov", "mov", sideways, 90);
  check_ran(run_matte(tmp, {"--model", model, "--input", clip, "--frames", "2", "--threads", "2", "--output-alpha",
                            tmp / "a"}));
  check_ran(run_matte(tmp, {"--model", model, "--input", tmp / "phone.mov", "--threads", "2", "--output-alpha",
                            tmp / "b"}));
  for (const char* name : {"000000.png", "000001.png"}) {
    const cv::Mat a = read_png(tmp.dir / "a" / name), b = read_png(tmp.dir / "b" / name);
    REQUIRE(b.size() == cv::Size(360, 640));
    CHECK(cv::norm(a, b, cv::NORM_INF) == 0);
  }
}

TEST_CASE("matte video: a variable frame rate stays variable, each frame at its input time") {
  const std::string model = require_shared(kRvm), suit = require_shared(kSuit);
  const TempDir tmp;
  const cv::Mat photo = cv::imread(suit, cv::IMREAD_COLOR)(cv::Rect(0, 0, 320, 240));
  write_png_video(tmp / "vfr.mov", "mov", {photo, photo, photo}, 0, {0, 40, 140});
  check_ran(run_matte(tmp, {"--model", model, "--input", tmp / "vfr.mov", "--output-composition", tmp / "c.mp4",
                            "--output-alpha", tmp / "a.mkv"}));
  for (const char* name : {"c.mp4", "a.mkv"}) {
    const AvVideo v = read_av(tmp / name);
    REQUIRE(v.frames == 3);
    CAPTURE(name);
    const double seconds[] = {0, 0.04, 0.14};
    for (size_t k = 0; k < 3; ++k) {
      CHECK(double(v.pts[k] - v.pts[0]) * av_q2d(v.time_base) == doctest::Approx(seconds[k]));
    }
  }
}

TEST_CASE("matte video: standard input to standard output equals the file run") {
  const std::string model = require_shared(kRvm), clip = require_shared(kClip);
  const TempDir tmp;
  remux(clip, tmp / "in.nut", "nut", 6);
  const Args common = {"--model", model, "--frames", "3", "--threads", "2", "--video-codec", "ffv1"};
  Args piped = common, file = common;
  piped.insert(piped.end(), {"--input", "-", "--output-composition", "-", "--output-format", "nut"});
  file.insert(file.end(), {"--input", tmp / "in.nut", "--output-composition", tmp / "file.mkv"});
  Env env;
  env.stdin_path = tmp / "in.nut";
  const RunResult p = run_matte(tmp, piped, env);
  INFO("stderr: ", p.err);
  REQUIRE(p.code == 0);
  CHECK(last_line(p.err).starts_with("matte: 3 frames 360x640"));  // the summary, beside the video
  write_text(tmp.io / "piped.nut", p.out);
  check_ran(run_matte(tmp, file));
  const AvVideo a = read_av((tmp.io / "piped.nut").string(), Pixels::bgr), b = read_av(tmp / "file.mkv", Pixels::bgr);
  REQUIRE(a.frames == 3);
  REQUIRE(b.frames == 3);
  for (int k = 0; k < 3; ++k) CHECK(cv::norm(a.images[size_t(k)], b.images[size_t(k)], cv::NORM_INF) == 0);
}

TEST_CASE("matte video: Ctrl-C while standard input stalls exits 130 and leaves nothing") {
  const std::string model = require_shared(kRvm), suit = require_shared(kSuit);
  const TempDir tmp;
  // Enough frames for FFmpeg to know the stream (it reads about 20 before the first), tiny ones.
  const cv::Mat small = cv::imread(suit, cv::IMREAD_COLOR)(cv::Rect(200, 50, 64, 48));
  write_png_video((tmp.io / "in.nut").string(), "nut", std::vector<cv::Mat>(40, small), 0);
  const fs::path fifo = tmp.io / "stdin";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // Held open for writing (O_RDWR does not wait for a reader): the stream stalls after 4 frames.
  const int writer = ::open(fifo.c_str(), O_RDWR);
  REQUIRE(writer >= 0);
  Env env;
  env.stdin_path = fifo.string();
  Child child({"--model", model, "--input", "-", "--output-composition", tmp / "c.mp4"}, tmp.io, env);
  const std::string bytes = read_text(tmp.io / "in.nut");
  CHECK(::write(writer, bytes.data(), bytes.size()) == ssize_t(bytes.size()));
  bool temporary = false;
  const auto deadline = std::chrono::steady_clock::now() + time_limit(std::chrono::seconds(20));
  while (!temporary && child.running() && std::chrono::steady_clock::now() < deadline) {
    for (const auto& e : fs::directory_iterator(tmp.dir)) temporary |= contains(e.path().string(), ".matte-tmp-");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(temporary);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the 40 frames done, the read waiting
  child.signal(SIGINT);
  const RunResult r = child.wait(std::chrono::seconds(10));
  ::close(writer);
  INFO("stderr: ", r.err);
  CHECK(r.code == 130);
  CHECK(listing(tmp.dir).empty());
}

TEST_CASE("matte video: a full disk under each codec is exit 1, one line naming the file, nothing left") {
  const std::string model = require_shared(kRvm), suit = require_shared(kSuit);
  const TempDir tmp;
  for (const CodecCase& c : kCodecs) {
    CAPTURE(c.codec);
    const std::string out = tmp / (std::string("comp") + c.extension);
    std::unique_ptr<Child> child;
    {
      const FileSizeLimit limit(4 * 1024);  // a 570x407 frame is larger in every codec
      child = std::make_unique<Child>(
          Args{"--model", model, "--input", suit, "--video-codec", c.codec, "--output-composition", out}, tmp.io);
    }
    const RunResult r = child->wait();
    INFO("stderr: ", r.err);
    CHECK(r.code == 1);
    CHECK(line_count(r.err) == 1);
    CHECK(contains(r.err, out + ": cannot write (File too large)"));
    CHECK(listing(tmp.dir).empty());
  }
}

TEST_CASE("matte video: zeroed bytes mid-file are lost frames in the summary, a truncated file warns") {
  const std::string model = require_shared(kRvm), clip = require_shared(kClip);
  const TempDir tmp;
  remux(clip, tmp / "damaged.mkv", "matroska", 12);
  const AvVideo intact = read_av(tmp / "damaged.mkv");
  REQUIRE(intact.frames == 12);
  {
    // Two frames' data zeroed, the container's framing left intact.
    std::string bytes = read_text(tmp.dir / "damaged.mkv");
    for (const size_t k : {size_t(5), size_t(6)}) {
      const size_t at = bytes.find(intact.packet_heads[k], size_t(intact.packet_pos[k]));
      REQUIRE(at != std::string::npos);
      std::fill_n(bytes.begin() + std::ptrdiff_t(at), intact.packet_size[k], '\0');
    }
    write_text(tmp.dir / "damaged.mkv", bytes);
  }
  const RunResult d = run_matte(tmp, {"--model", model, "--input", tmp / "damaged.mkv", "--output-alpha", tmp / "a"});
  INFO("stdout: ", d.out, "\nstderr: ", d.err);
  REQUIRE(d.code == 0);
  CHECK(contains(last_line(d.out), "damaged input frames lost"));

  remux(clip, tmp / "cut.mp4", "mp4", 12, false, false, "movflags=faststart");  // the index first
  const AvVideo whole = read_av(tmp / "cut.mp4");
  fs::resize_file(tmp.dir / "cut.mp4", size_t(whole.packet_pos[8]));
  const RunResult t = run_matte(tmp, {"--model", model, "--input", tmp / "cut.mp4", "--output-alpha", tmp / "b"});
  INFO("stdout: ", t.out, "\nstderr: ", t.err);
  REQUIRE(t.code == 0);
  CHECK(line_count(t.err) == 1);
  CHECK(contains(t.err, "matte: warning: " + tmp / "cut.mp4" + ": the input ends after 8 of the 12 frames"));
  CHECK(listing(tmp.dir / "b").size() == 8);
}

TEST_CASE("matte video: codec, container and option mistakes are exit 2 before any file, no video stream exit 1") {
  const std::string model = require_shared(kRvm), clip = require_shared(kAudioClip);
  const TempDir tmp;
  const Args base = {"--model", model, "--input", clip};
  const auto refused = [&](const Args& extra, const std::vector<std::string>& parts, int code = 2) {
    Args args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    check_failure(tmp, args, {code}, parts);
  };
  refused({"--output-composition", tmp / "c.mp4", "--video-codec", "av1"}, {"--video-codec av1: not h264"});
  refused({"--output-composition", tmp / "c.mp4", "--video-codec", "prores"},
          {tmp / "c.mp4: the mp4 container cannot hold ProRes"});
  refused({"--output-composition", tmp / "c.webm", "--video-codec", "h264"},
          {tmp / "c.webm: the webm container cannot hold H.264"});
  refused({"--output-composition", tmp / "c.mov", "--video-codec", "vp9"},
          {tmp / "c.mov: the mov container cannot hold VP9"});
  refused({"--output-composition", tmp / "c.mov", "--video-codec", "prores", "--video-crf", "10"},
          {"--video-crf: " + tmp / "c.mov" + " is written with a codec that takes no CRF (ProRes)"});
  refused({"--output-composition", tmp / "c.mp4", "--video-crf", "52"}, {"--video-crf 52: must be in [0, 51]"});
  refused({"--output-composition", tmp / "c.webm", "--video-preset", "fast"}, {"--video-preset: ", "(VP9)"});
  refused({"--output-composition", tmp / "c.mp4", "--video-preset", "quick"}, {"--video-preset quick: not an x264"});
  refused({"--output-composition", tmp / "c.mkv", "--video-codec", "ffv1", "--video-mbps", "5"},
          {"--video-mbps: ", "takes no bitrate (FFV1)"});
  refused({"--output-composition", tmp / "c.mp4", "--video-mbps", "5", "--video-crf", "20"},
          {"--video-mbps and --video-crf: give one"});
  refused({"--output-composition", tmp / "c.mp4", "--output-format", "nut"}, {"--output-format: only for an output"});
  refused({"--output-composition", "-"}, {"-: standard output needs --output-format"});
  refused({"--output-composition", "-", "--output-format", "nosuch"}, {"--output-format nosuch: not a container"});
  refused({"--output-composition", "-", "--output-alpha", "-", "--output-format", "nut"},
          {"-: given to both --output-composition and --output-alpha"});
  refused({"--output-alpha", tmp / "a", "--video-codec", "h264"}, {"need a video output"});
  remux(clip, tmp / "sound.mka", "matroska", 0, false, true);
  check_failure(tmp, {"--model", model, "--input", tmp / "sound.mka", "--output-alpha", tmp / "a"}, {1},
                {tmp / "sound.mka: no video stream"});
}

}  // namespace matte::test
