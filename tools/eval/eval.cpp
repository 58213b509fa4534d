#include "tools/eval/eval.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "engine/matte.h"
#include "tools/common/args.h"
#include "tools/common/network_settings.h"
#include "tools/common/frames.h"
#include "tools/common/metrics.h"
#include "tools/reference/onnx_reference.h"

namespace matte::cli {

namespace {

constexpr const char* kUsage =
    "usage: matte-eval --model M.safetensors --matting-dir DIR [--onnx M.onnx] [--frames N]\n"
    "                  [--SETTING V ...] [--threads T]\n"
    "       DIR holds fgr/ and pha/ (one sequence of frames, same names) and backgrounds/\n"
    "  --SETTING V  any setting of the model's network, e.g. --downsample-ratio 0.25 (RVM),\n"
    "               --backbone-scale 0.125 (BGMv2); matte --help lists them\n";

constexpr double kAgreement = 0.01;

// The background scaled to cover width×height (aspect kept), centre-cropped.
cv::Mat fit_background(const cv::Mat& bg, int width, int height) {
  const double scale = std::max(double(width) / bg.cols, double(height) / bg.rows);
  const int cw = std::min(bg.cols, int(std::ceil(width / scale))), ch = std::min(bg.rows, int(std::ceil(height / scale)));
  cv::Mat out;
  cv::resize(bg(cv::Rect((bg.cols - cw) / 2, (bg.rows - ch) / 2, cw, ch)), out, cv::Size(width, height), 0, 0,
             cv::INTER_AREA);
  return out;
}

// src = fgr·pha + bg·(1−pha), rounded to 8 bits so both engines see the same pixels.
Frame composite(const cv::Mat& fgr, const std::vector<float>& pha, const cv::Mat& bg) {
  cv::Mat src(fgr.rows, fgr.cols, CV_8UC3);
  for (int y = 0; y < fgr.rows; ++y) {
    for (int x = 0; x < fgr.cols; ++x) {
      const float a = pha[size_t(y) * fgr.cols + x];
      for (int c = 0; c < 3; ++c) {
        const float v = fgr.at<cv::Vec3b>(y, x)[c] * a + bg.at<cv::Vec3b>(y, x)[c] * (1 - a);
        src.at<cv::Vec3b>(y, x)[c] = uint8_t(std::lround(std::clamp(v, 0.0f, 255.0f)));
      }
    }
  }
  return frame_from_bgr(src);
}

void print_row(std::ostream& out, const char* name, double mad, double mse, double grad, double dtssd) {
  char row[128];
  std::snprintf(row, sizeof row, "%-12s %9.3f %9.3f %9.3f %9.3f\n", name, mad, mse, grad, dtssd);
  out << row;
}

int eval(const Args& args, std::ostream& out) {
  const std::string model = args.required("--model"), dir = args.required("--matting-dir");
  const int max_frames = args.integer("--frames", 100000, 1, 100000);
  const auto settings = parse_settings(args);
  int threads = args.integer("--threads", 0, 0, 1024);
  if (threads == 0) threads = int(std::max(1u, std::thread::hardware_concurrency()));
  require_path(model, "--model");
  if (args.has("--onnx")) require_path(args.required("--onnx"), "--onnx");
  require_path(dir, "--matting-dir");

  std::vector<std::string> fgr_files = image_files(dir + "/fgr");
  if (int(fgr_files.size()) > max_frames) fgr_files.resize(max_frames);
  // One sequence, so one background: the first by name (deterministic, independent of listing order).
  const std::string bg_path = image_files(dir + "/backgrounds").front();

  std::vector<Frame> frames;
  std::vector<std::vector<float>> truth;
  cv::Mat bg;
  int w = 0, h = 0;
  for (const std::string& fgr_path : fgr_files) {
    const std::string pha_path = dir + "/pha/" + std::filesystem::path(fgr_path).filename().string();
    const cv::Mat fgr = read_image_bgr(fgr_path);
    int pw = 0, ph = 0;
    truth.push_back(read_gray(pha_path, pw, ph));
    if (pw != fgr.cols || ph != fgr.rows) throw Error(pha_path + ": size differs from " + fgr_path);
    if (frames.empty()) {
      w = pw;
      h = ph;
      bg = fit_background(read_image_bgr(bg_path), w, h);
    } else if (pw != w || ph != h) {
      throw Error(fgr_path + ": size differs from the sequence's first frame");
    }
    frames.push_back(composite(fgr, truth.back(), bg));
  }
  Session session(model, {.threads = threads, .settings = settings});
  const float ratio = session.downsample_ratio_for(w, h);
  AlphaScores ours(w, h);
  for (size_t t = 0; t < frames.size(); ++t) ours.add(session.process(frames[t].image8()).alpha, truth[t]);

  out << "matte-eval: " << frames.size() << " frame(s) " << w << "x" << h << " on "
      << std::filesystem::path(bg_path).filename().string() << ", downsample ratio " << ratio << ", " << threads
      << " thread(s)\n";
  out << "engine             MAD       MSE      Grad     dtSSD   (MAD, MSE x1e3; Grad /1e3; dtSSD x1e2)\n";
  print_row(out, "matte", ours.mad(), ours.mse(), ours.grad(), ours.dtssd());
  if (!args.has("--onnx")) return 0;

  reference::Clip clip{.width = w, .height = h};
  for (Frame& f : frames) clip.frames.push_back(std::move(f.planar));
  reference::OrtJob job =
      reference::network_job(session.capabilities().architecture, args.required("--onnx"), clip, ratio, threads);
  job.outputs.resize(1);  // the alpha
  const auto ort = reference::run_onnx(job);
  AlphaScores theirs(w, h);
  for (size_t t = 0; t < ort.size(); ++t) theirs.add(ort[t].at(job.outputs[0]).values, truth[t]);
  print_row(out, "onnxruntime", theirs.mad(), theirs.mse(), theirs.grad(), theirs.dtssd());
  const double worst = std::max({std::abs(ours.mad() - theirs.mad()), std::abs(ours.mse() - theirs.mse()),
                                 std::abs(ours.grad() - theirs.grad()), std::abs(ours.dtssd() - theirs.dtssd())});
  const bool agree = worst <= kAgreement;
  out << (agree ? "AGREE" : "DISAGREE") << " (largest score difference " << worst << ", limit " << kAgreement << ")\n";
  return agree ? 0 : 1;
}

}  // namespace

int run_eval(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  return run_tool("matte-eval", kUsage, argv,
                  with_setting_flags({"--model", "--onnx", "--matting-dir", "--frames", "--threads"}), out, err,
                  [&](const Args& args) { return eval(args, out); });
}

}  // namespace matte::cli
