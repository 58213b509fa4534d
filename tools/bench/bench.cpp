#include "tools/bench/bench.h"
#include "tools/bench/profile_report.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <sstream>
#include <sys/resource.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "engine/matte.h"
#include "tools/common/args.h"
#include "tools/common/network_settings.h"
#include "tools/common/frames.h"
#include "tools/reference/onnx_reference.h"

namespace matte::cli {

namespace {

constexpr const char* kUsage =
    "usage: matte-bench --model M.safetensors --width W --height H [--SETTING V ...] [--frames N]\n"
    "                   [--threads T] [--onnx M.onnx] [--input IMAGE|VIDEO] [--profile]\n"
    "       BGMv2: [--background-plate IMAGE] (default: the input shifted, so the frame differs from\n"
    "              its plate)\n"
    "  --SETTING V  any setting of the model's network, e.g. --downsample-ratio 0.25 (RVM),\n"
    "               --backbone-scale 0.125 (BGMv2); matte --help lists them\n"
    "  --results  what each frame fills, comma-separated: alpha, foreground, alpha8, foreground8,\n"
    "             error8, refined8 or all (default)\n"
    "  --onnx     also time ONNX Runtime on the same frames and threads, and print the speed-up\n"
    "  --profile  print the time of every step of the forward pass, per stage and per step\n"
    "  The last lines are `peak-rss-mb <this process>` and `fps <ours>`.\n";

// A smooth, deterministic test pattern (gradients and a bright disc) when no --input is given.
Frame synthetic_frame(int width, int height) {
  cv::Mat bgr(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const double dx = x - width / 2.0, dy = y - height / 2.0;
      const bool disc = dx * dx + dy * dy < 0.1 * width * height;
      bgr.at<cv::Vec3b>(y, x) = cv::Vec3b(uint8_t(255 * x / width), uint8_t(255 * y / height), disc ? 230 : 40);
    }
  }
  return frame_from_bgr(bgr);
}

// A stand-in plate: the frame moved by an eighth of its width, so that most of it differs.
Frame shifted(const Frame& frame) {
  cv::Mat rgb(frame.height, frame.width, CV_8UC3, const_cast<uint8_t*>(frame.rgb.data()));
  cv::Mat bgr, out;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  const int dx = std::max(1, frame.width / 8);
  cv::hconcat(bgr.colRange(dx, frame.width), bgr.colRange(0, dx), out);
  return frame_from_bgr(out);
}

// Peak resident memory of this process (ONNX Runtime runs in a child process, not counted).
double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;
}

Result parse_results(const std::string& text) {
  static const std::pair<const char*, Result> kNames[] = {
      {"alpha", Result::alpha},   {"foreground", Result::foreground}, {"alpha8", Result::alpha8},
      {"foreground8", Result::foreground8}, {"error8", Result::error8}, {"refined8", Result::refined8},
      {"all", Result::all}};
  Result results = Result::none;
  std::stringstream items(text);
  for (std::string item; std::getline(items, item, ',');) {
    const auto* it = std::find_if(std::begin(kNames), std::end(kNames), [&](const auto& e) { return item == e.first; });
    if (it == std::end(kNames)) throw UsageError("--results: unknown result '" + item + "'");
    results = results | it->second;
  }
  return results;
}

double mean(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()); }

int bench(const Args& args, std::ostream& out) {
  const std::string model = args.required("--model");
  const int w = args.integer("--width", 0, 1, 16384), h = args.integer("--height", 0, 1, 16384);
  if (!args.has("--width") || !args.has("--height")) throw UsageError("missing --width or --height");
  const int frames = args.integer("--frames", 10, 1, 100000);
  int threads = args.integer("--threads", 0, 0, 1024);
  if (threads == 0) threads = int(std::max(1u, std::thread::hardware_concurrency()));
  const Result results = parse_results(args.text("--results", "all"));
  const auto settings = parse_settings(args);
  require_path(model, "--model");
  if (args.has("--onnx")) require_path(args.required("--onnx"), "--onnx");

  Frame frame = args.has("--input") ? resized(load_frames(args.required("--input"), 1).front(), w, h)
                                    : synthetic_frame(w, h);
  const SessionOptions options{
      .threads = threads, .settings = settings, .profile = args.flag("--profile"), .results = results};
  Session session(model, options);
  const float ratio = session.downsample_ratio_for(w, h);
  const bool takes_plate = session.capabilities().takes_plate;
  Frame plate = !takes_plate                         ? Frame{}
                : args.has("--background-plate") ? resized(load_frames(args.required("--background-plate"), 1).front(), w, h)
                                                 : shifted(frame);
  // ONNX Runtime's float input is dropped unless it runs: the peak memory shown is the engine's.
  if (!args.has("--onnx")) {
    std::vector<float>().swap(frame.planar);
    std::vector<float>().swap(plate.planar);
  }
  Matte matte;  // reused: a stream of frames allocates its results once
  const auto run = [&] {
    if (takes_plate) session.process(frame.image8(), plate.image8(), matte);
    else session.process(frame.image8(), matte);
    return matte.refined_patches;
  };
  out << "matte-bench: " << w << "x" << h << " " << session.capabilities().architecture;
  if (!takes_plate) out << ", downsample ratio " << ratio;
  out << ", " << threads << " thread(s), " << frames << " frame(s) after 1 warm-up\n";
  run();  // warm-up: first-touch allocations, packed weights in cache
  session.clear_profile();
  std::vector<double> ours;
  for (int t = 0; t < frames; ++t) {
    const auto start = std::chrono::steady_clock::now();
    const int64_t patches = run();
    ours.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    char line[96];
    std::snprintf(line, sizeof line, "frame %d: %.2f ms", t + 1, ours.back() * 1e3);
    out << line << (takes_plate ? ", " + std::to_string(patches) + " patches refined" : "") << "\n";
  }
  const double fps = 1.0 / mean(ours);
  if (options.profile) print_profile(out, session.profile(), frames, mean(ours));
  const double rss = peak_rss_mb();
  char line[160];
  if (args.has("--onnx")) {
    reference::Clip clip{.width = w, .height = h, .frames = {frame.planar}};
    if (takes_plate) clip.plates.push_back(plate.planar);
    const auto ort = reference::time_onnx(
        reference::network_job(session.capabilities().architecture, args.required("--onnx"), clip, ratio, threads),
        frames);
    const double ort_fps = 1.0 / mean(ort);
    std::snprintf(line, sizeof line, "matte %.2f ms/frame, onnxruntime %.2f ms/frame, speed-up %.2fx\n",
                  mean(ours) * 1e3, mean(ort) * 1e3, fps / ort_fps);
    out << line;
    std::snprintf(line, sizeof line, "fps-onnxruntime %.2f\n", ort_fps);
    out << line;
  }
  std::snprintf(line, sizeof line, "peak-rss-mb %.0f\nfps %.2f\n", rss, fps);
  out << line;
  return 0;
}

}  // namespace

int run_bench(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  return run_tool("matte-bench", kUsage, argv,
                  with_setting_flags({"--model", "--width", "--height", "--frames", "--threads", "--onnx", "--input",
                                      "--background-plate", "--results"}), out, err,
                  [&](const Args& args) { return bench(args, out); }, {"--profile"});
}

}  // namespace matte::cli
