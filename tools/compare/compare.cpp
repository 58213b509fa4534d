#include "tools/compare/compare.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <opencv2/imgproc.hpp>
#include <thread>
#include <unistd.h>

#include "engine/matte.h"
#include "tools/common/args.h"
#include "tools/common/network_settings.h"
#include "tools/common/frames.h"
#include "tools/common/json_out.h"
#include "tools/common/metrics.h"
#include "tools/onnx2flat/onnx_graph.h"
#include "tools/reference/onnx_reference.h"

namespace matte::cli {

namespace {

constexpr const char* kUsage =
    "usage: matte-compare --onnx M.onnx --model M.safetensors --input VIDEO|IMAGE|DIR [--frames N]\n"
    "                     [--SETTING V ...] [--threads T] [--json OUT]\n"
    "       BGMv2: --background-plate IMAGE (frames and plate are cropped to multiples of 4, as the\n"
    "              ONNX graph needs)\n"
    "  --SETTING V  any setting of the model's network, e.g. --downsample-ratio 0.25 (RVM),\n"
    "               --backbone-scale 0.125 (BGMv2); matte --help lists them\n";

constexpr double kMaxAbs = 1e-3, kMad = 1e-5;  // thresholds for the alpha and the foreground

void add_output(DiffStats& stats, const std::string& name, std::span<const float> ours,
                const reference::OrtFrame& ort) {
  const auto it = ort.find(name);
  if (it == ort.end()) throw Error("ONNX Runtime returned no output " + name);
  if (it->second.values.size() != ours.size()) {
    throw Error("output " + name + ": ONNX Runtime shape " + shape_text(it->second.dims) + " has " +
                std::to_string(it->second.values.size()) + " values, ours " + std::to_string(ours.size()));
  }
  stats.add(ours, it->second.values);
}

// Prints the table, writes the JSON and returns the exit code; `names` starts with the alpha and
// the foreground, the outputs the thresholds apply to.
int report(const Args& args, std::ostream& out, const std::map<std::string, DiffStats>& stats,
           const std::vector<std::string>& names, size_t frames, int w, int h) {
  out << "output   max|d|      MAD         MSE\n";
  bool pass = true;
  nlohmann::ordered_json outputs;
  for (const std::string& name : names) {
    const DiffStats& s = stats.at(name);
    char row[96];
    std::snprintf(row, sizeof row, "%-8s %-11.3e %-11.3e %.3e\n", name.c_str(), s.max_abs, s.mad(), s.mse());
    out << row;
    outputs[name] = {{"max_abs", s.max_abs}, {"mad", s.mad()}, {"mse", s.mse()}};
    if (name == names[0] || name == names[1]) pass = pass && s.max_abs <= kMaxAbs && s.mad() <= kMad;
  }
  if (args.has("--json")) {
    write_json(args.required("--json"), {{"frames", frames}, {"width", w}, {"height", h}, {"outputs", outputs}});
  }
  out << (pass ? "PASS" : "FAIL") << " (" << names[1] << " and " << names[0] << ": max|d| <= " << kMaxAbs << ", MAD <= " << kMad << ")\n";
  return pass ? 0 : 1;
}

// The largest top-left crop with both sides multiples of 4.
Frame crop4(const Frame& f) {
  const int w = f.width / 4 * 4, h = f.height / 4 * 4;
  if (w == 0 || h == 0) throw Error("frame " + std::to_string(f.width) + "x" + std::to_string(f.height) + " is smaller than 4x4");
  cv::Mat rgb(f.height, f.width, CV_8UC3, const_cast<uint8_t*>(f.rgb.data()));
  cv::Mat bgr;
  cv::cvtColor(rgb(cv::Rect(0, 0, w, h)), bgr, cv::COLOR_RGB2BGR);
  return frame_from_bgr(bgr);
}


// ONNX Runtime's refined patches: the graph's patch map (the input of its NonZero) exposed as one
// more output of a temporary copy of the model. `map` is empty for a graph without one (full mode).
struct PatchMapModel {
  std::string path, map;
  ~PatchMapModel() {
    std::error_code ec;
    if (!map.empty()) std::filesystem::remove(path, ec);
  }
};

void expose_patch_map(const std::string& onnx, PatchMapModel& out) {
  std::ifstream in(onnx, std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  onnx::ModelProto model = convert::parse_onnx(bytes, onnx);
  out.path = onnx;
  for (const onnx::NodeProto& node : model.graph().node()) {
    if (node.op_type() != "NonZero") continue;
    // Through an Identity: the runner names files after outputs, and graph values contain '/'.
    out.map = "matte_patch_map";
    onnx::NodeProto* identity = model.mutable_graph()->add_node();
    identity->set_op_type("Identity");
    identity->add_input(node.input(0));
    identity->add_output(out.map);
    onnx::ValueInfoProto* extra = model.mutable_graph()->add_output();
    extra->set_name(out.map);
    extra->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    out.path = (std::filesystem::temp_directory_path() / ("matte-compare-" + std::to_string(::getpid()) + ".onnx")).string();
    std::ofstream file(out.path, std::ios::binary);
    if (!model.SerializeToOstream(&file)) throw Error(out.path + ": cannot write");
    return;
  }
}

int64_t count_nonzero(const std::vector<float>& values) {
  return std::count_if(values.begin(), values.end(), [](float v) { return v != 0.0f; });
}

int compare_bgm(const Args& args, std::ostream& out, const std::string& onnx, const std::string& model,
                std::vector<Frame> frames, int threads, const std::vector<std::pair<std::string, std::string>>& settings) {
  const std::string plate_path = args.required("--background-plate");
  Frame plate = crop4(frame_from_bgr(read_image_bgr(plate_path)));
  for (Frame& f : frames) f = crop4(f);
  const int w = frames[0].width, h = frames[0].height;
  if (plate.width != w || plate.height != h) {
    throw Error(plate_path + ": plate " + std::to_string(plate.width) + "x" + std::to_string(plate.height) +
                " differs from the input's " + std::to_string(w) + "x" + std::to_string(h));
  }
  Session session(model, {.threads = threads, .settings = settings});
  if (!session.capabilities().takes_plate) {
    throw Error(model + ": --background-plate given for " + session.capabilities().title + ", which takes none");
  }
  PatchMapModel patch_model;
  expose_patch_map(onnx, patch_model);
  reference::Clip clip{.width = w, .height = h};
  for (const Frame& f : frames) {
    clip.frames.push_back(f.planar);
    clip.plates.push_back(plate.planar);
  }
  reference::OrtJob job = reference::network_job(session.capabilities().architecture, patch_model.path, clip, 0, threads);
  const std::vector<std::string> names = job.outputs;  // alpha, foreground
  if (!patch_model.map.empty()) job.outputs.push_back(patch_model.map);
  const std::vector<reference::OrtFrame> ort = reference::run_onnx(job);
  int64_t ort_patches = 0;
  for (const reference::OrtFrame& frame : ort) {
    ort_patches += patch_model.map.empty() ? int64_t(w / 4) * (h / 4) : count_nonzero(frame.at(patch_model.map).values);
  }

  std::map<std::string, DiffStats> stats;
  int64_t patches = 0;
  for (size_t t = 0; t < frames.size(); ++t) {
    const Matte m = session.process(frames[t].image8(), plate.image8());
    patches += m.refined_patches;
    add_output(stats[names[0]], names[0], m.alpha, ort[t]);
    add_output(stats[names[1]], names[1], m.foreground, ort[t]);
  }
  out << "matte-compare: " << frames.size() << " frame(s) " << w << "x" << h << " (" << session.capabilities().architecture
      << "), " << threads << " thread(s)\n";
  out << "refined 4x4 patches: ours " << patches << ", onnxruntime " << ort_patches << "\n";
  return report(args, out, stats, names, frames.size(), w, h);
}

int compare(const Args& args, std::ostream& out) {
  const std::string onnx = args.required("--onnx"), model = args.required("--model"),
                    input = args.required("--input");
  const int max_frames = args.integer("--frames", 16, 1, 100000);
  const auto settings = parse_settings(args);
  int threads = args.integer("--threads", 0, 0, 1024);
  if (threads == 0) threads = int(std::max(1u, std::thread::hardware_concurrency()));
  require_path(onnx, "--onnx");
  require_path(model, "--model");

  const std::vector<Frame> frames = load_frames(input, max_frames);
  if (args.has("--background-plate")) return compare_bgm(args, out, onnx, model, frames, threads, settings);
  const int w = frames[0].width, h = frames[0].height;
  Session session(model, {.threads = threads, .settings = settings});
  const float ratio = session.downsample_ratio_for(w, h);
  reference::Clip clip{.width = w, .height = h};
  for (const Frame& f : frames) clip.frames.push_back(f.planar);
  const std::string architecture = session.capabilities().architecture;
  reference::OrtJob job = reference::network_job(architecture, onnx, clip, ratio, threads);
  const std::vector<std::string> states = reference::recurrent_outputs(architecture);
  job.outputs.insert(job.outputs.end(), states.begin(), states.end());
  const std::vector<reference::OrtFrame> ort = reference::run_onnx(job);
  if (ort.size() != frames.size()) throw Error(onnx + ": ONNX Runtime returned a wrong number of frames");

  const std::vector<std::string>& names = job.outputs;  // alpha, foreground, states
  std::map<std::string, DiffStats> stats;
  for (size_t t = 0; t < frames.size(); ++t) {
    const Matte m = session.process(frames[t].image8());
    add_output(stats[names[0]], names[0], m.alpha, ort[t]);
    add_output(stats[names[1]], names[1], m.foreground, ort[t]);
    for (size_t i = 0; i < states.size(); ++i) {
      add_output(stats[states[i]], states[i], session.recurrent_state(int(i)).values, ort[t]);
    }
  }

  out << "matte-compare: " << frames.size() << " frame(s) " << w << "x" << h << ", downsample ratio " << ratio
      << ", " << threads << " thread(s)\n";
  return report(args, out, stats, names, frames.size(), w, h);
}

}  // namespace

int run_compare(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  return run_tool("matte-compare", kUsage, argv,
                  with_setting_flags({"--onnx", "--model", "--input", "--frames", "--threads", "--json",
                   "--background-plate"}), out, err,
                  [&](const Args& args) { return compare(args, out); });
}

}  // namespace matte::cli
