#include "tools/reference/onnx_reference.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "engine/error.h"
#include "models/network.h"

extern char** environ;

namespace matte::reference {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// An installed tool's copy (P/bin/../share/matte/reference, where `npm ci` puts onnxruntime-node
// beside it), else the source tree's. Looked up on first use, not at every tool's start-up.
const std::string& script_path() {
  static const std::string path = [] {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    const fs::path installed = exe.parent_path().parent_path() / "share/matte/reference/run_onnx.js";
    return !ec && fs::exists(installed, ec) ? installed.string() : std::string(MATTE_REFERENCE_SCRIPT);
  }();
  return path;
}

// A private directory for one node run, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "matte-ort-XXXXXX").string();
    if (!mkdtemp(pattern.data())) {
      throw Error("ONNX reference: cannot create a temp directory " + pattern + ": " + std::strerror(errno));
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

size_t element_count(const std::vector<int64_t>& dims) {
  size_t n = 1;
  for (int64_t d : dims) n *= static_cast<size_t>(d);
  return n;
}

// Writes the tensor as raw float32 (the host is little-endian, as run_onnx.js expects) and returns its job entry.
json write_tensor(const OrtTensor& tensor, const fs::path& file, const std::string& what) {
  for (int64_t d : tensor.dims) {
    if (d < 0) throw Error("ONNX reference: " + what + " has a negative dimension " + shape_text(tensor.dims));
  }
  if (element_count(tensor.dims) != tensor.values.size()) {
    throw Error("ONNX reference: " + what + " has " + std::to_string(tensor.values.size()) + " values for dims " +
                shape_text(tensor.dims));
  }
  std::ofstream out(file, std::ios::binary);
  out.write(reinterpret_cast<const char*>(tensor.values.data()),
            static_cast<std::streamsize>(tensor.values.size() * sizeof(float)));
  if (!out) throw Error("ONNX reference: cannot write " + file.string());
  return {{"file", file.filename().string()}, {"dims", tensor.dims}};
}

OrtTensor read_tensor(const fs::path& file, std::vector<int64_t> dims) {
  OrtTensor tensor{std::move(dims), {}};
  tensor.values.resize(element_count(tensor.dims));
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  const auto bytes = static_cast<size_t>(in.tellg());
  if (!in || bytes != tensor.values.size() * sizeof(float)) {
    throw Error("ONNX reference: output " + file.string() + " is missing or does not match dims " +
                shape_text(tensor.dims));
  }
  in.seekg(0);
  in.read(reinterpret_cast<char*>(tensor.values.data()), static_cast<std::streamsize>(bytes));
  return tensor;
}

std::string node_command() {
  const char* node = std::getenv("MATTE_NODE");
  return node && *node ? node : "node";
}

// Runs `node run_onnx.js <argument>` with stdout and stderr sent to files in `dir`; returns stdout.
std::string run_script(const fs::path& dir, const std::string& argument) {
  const std::string node = node_command();
  const std::string out_path = (dir / "stdout.txt").string();
  const std::string err_path = (dir / "stderr.txt").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> args{node, script_path(), argument};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawn_error = posix_spawnp(&pid, node.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error) {
    throw Error("ONNX reference: cannot start '" + node + "' (Node.js, installed by scripts/setup.sh; MATTE_NODE " +
                "overrides): " + std::strerror(spawn_error));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw Error(std::string("ONNX reference: waitpid failed: ") + std::strerror(errno));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string err = read_text(err_path);
    while (!err.empty() && (err.back() == '\n' || err.back() == '\r')) err.pop_back();
    const std::string how = WIFEXITED(status) ? "exit code " + std::to_string(WEXITSTATUS(status))
                                              : "signal " + std::to_string(WTERMSIG(status));
    throw Error("ONNX reference: " + node + " " + script_path() + " failed (" + how + "): " + err);
  }
  return read_text(out_path);
}

// Writes the job's tensors and job.json into `dir`; returns the job file.
fs::path write_job(const OrtJob& job, const fs::path& dir, json extra) {
  if (job.frames.empty()) throw Error("ONNX reference: job for " + job.model + " has no frames");
  json frames = json::array();
  for (size_t i = 0; i < job.frames.size(); ++i) {
    json feeds = json::object();
    for (const auto& [name, tensor] : job.frames[i]) {
      feeds[name] = write_tensor(tensor, dir / ("in_" + std::to_string(i) + "_" + name + ".f32"),
                                 "frame " + std::to_string(i) + " input \"" + name + "\"");
    }
    frames.push_back(std::move(feeds));
  }
  json constants = json::object();
  for (const auto& [name, tensor] : job.constants) {
    constants[name] = write_tensor(tensor, dir / ("const_" + name + ".f32"), "constant \"" + name + "\"");
  }
  extra["model"] = fs::absolute(job.model).string();
  extra["threads"] = job.threads;
  extra["frames"] = std::move(frames);
  extra["constants"] = std::move(constants);
  extra["recurrent"] = job.recurrent;
  const fs::path job_path = dir / "job.json";
  std::ofstream(job_path) << extra.dump();
  return job_path;
}

OrtTensor planar_frame(const std::vector<float>& chw, int width, int height, const char* what) {
  OrtTensor t{{1, 3, height, width}, chw};
  if (chw.size() != element_count(t.dims)) {
    throw Error("ONNX reference: " + std::string(what) + " has " + std::to_string(chw.size()) + " values, " +
                std::to_string(width) + "x" + std::to_string(height) + " RGB needs " +
                std::to_string(element_count(t.dims)));
  }
  return t;
}

}  // namespace

std::vector<OrtFrame> run_onnx(const OrtJob& job) {
  TempDir dir;
  const fs::path job_path = write_job(job, dir.path(), {{"outputs", job.outputs}, {"output_dir", "out"}});
  run_script(dir.path(), job_path.string());
  const fs::path out_dir = dir.path() / "out";
  std::vector<OrtFrame> result;
  try {
    const json written = json::parse(read_text(out_dir / "outputs.json"));
    for (const auto& entry : written.at("frames")) {
      OrtFrame frame;
      for (const auto& name : job.outputs) {
        frame[name] = read_tensor(out_dir / (std::to_string(result.size()) + "_" + name + ".f32"),
                                  entry.at(name).at("dims").get<std::vector<int64_t>>());
      }
      result.push_back(std::move(frame));
    }
  } catch (const json::exception& e) {
    throw Error("ONNX reference: unexpected outputs.json from " + script_path() + ": " + e.what());
  }
  return result;
}

std::vector<double> time_onnx(const OrtJob& job, int frames) {
  if (frames < 1) throw Error("ONNX reference: timing needs at least one frame, got " + std::to_string(frames));
  OrtJob one = job;
  one.frames.resize(std::min<size_t>(one.frames.size(), 1));
  TempDir dir;
  const fs::path job_path = write_job(one, dir.path(), {{"timing", {{"frames", frames}}}});
  const std::string out = run_script(dir.path(), job_path.string());
  try {
    return json::parse(out).at("seconds").get<std::vector<double>>();
  } catch (const json::exception& e) {
    throw Error("ONNX reference: unexpected timing output from " + script_path() + ": " + e.what());
  }
}

OrtJob network_job(const std::string& architecture, const std::string& model, const Clip& clip,
                   float downsample_ratio, int threads) {
  const OnnxIo& io = architecture_named(architecture).onnx;
  if (clip.width <= 0 || clip.height <= 0) {
    throw Error("ONNX reference: bad frame size " + std::to_string(clip.width) + "x" + std::to_string(clip.height) +
                " for " + model);
  }
  if (io.plate.empty() != clip.plates.empty() || (!io.plate.empty() && clip.plates.size() != clip.frames.size())) {
    throw Error("ONNX reference: " + architecture + " takes " + (io.plate.empty() ? "no plates" : "one plate per frame") +
                ", given " + std::to_string(clip.plates.size()) + " for " + std::to_string(clip.frames.size()) +
                " frames");
  }
  OrtJob job;
  job.model = model;
  job.threads = threads;
  job.outputs = {io.alpha, io.foreground};
  if (!io.downsample_ratio.empty()) job.constants[io.downsample_ratio] = {{1}, {downsample_ratio}};
  // Zero states broadcast from [1,1,1,1] on the first frame.
  for (const auto& [output, input] : io.recurrent) {
    job.constants[input] = {{1, 1, 1, 1}, {0.f}};
    job.recurrent[output] = input;
  }
  for (size_t i = 0; i < clip.frames.size(); ++i) {
    OrtFrame feeds{{io.frame, planar_frame(clip.frames[i], clip.width, clip.height, "frame")}};
    if (!io.plate.empty()) feeds[io.plate] = planar_frame(clip.plates[i], clip.width, clip.height, "plate");
    job.frames.push_back(std::move(feeds));
  }
  return job;
}

std::vector<std::string> recurrent_outputs(const std::string& architecture) {
  std::vector<std::string> names;
  for (const auto& [output, input] : architecture_named(architecture).onnx.recurrent) names.push_back(output);
  return names;
}

bool onnx_runtime_available(std::string* why) {
  try {
    TempDir dir;
    run_script(dir.path(), "--check");
    return true;
  } catch (const Error& e) {
    if (why) *why = e.what();
    return false;
  }
}

}  // namespace matte::reference
