// ONNX Runtime as the accuracy and speed reference: drives tools/reference/run_onnx.js (onnxruntime-node)
// through node, exchanging raw float32 files in a private temp directory. Failures throw matte::Error.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace matte::reference {

struct OrtTensor {
  std::vector<int64_t> dims;
  std::vector<float> values;
};
using OrtFrame = std::map<std::string, OrtTensor>;  // by input or output name

struct OrtJob {
  std::string model;
  int threads = 1;
  std::vector<OrtFrame> frames;                   // per-frame inputs, e.g. "src" (and "bgr" for BGMv2)
  OrtFrame constants;                             // fed every frame unless a recurrent output overrides
  std::map<std::string, std::string> recurrent;   // output -> input of the next frame, e.g. "r1o" -> "r1i"
  std::vector<std::string> outputs;               // returned per frame
};

// Runs every frame of the job in order; returns the requested outputs per frame.
std::vector<OrtFrame> run_onnx(const OrtJob& job);

// Runs job.frames[0] once to warm up, then `frames` more times with the recurrent feed; seconds per run.
std::vector<double> time_onnx(const OrtJob& job, int frames);

// Frames (and, for networks that take them, plates: one per frame) as planar float RGB [3][H][W]
// in [0, 1].
struct Clip {
  int width = 0, height = 0;
  std::vector<std::vector<float>> frames = {}, plates = {};
};

// A job running the published graph of `architecture` (a registry name, "rvm_mobilenetv3", ...)
// over the clip, with the tensor names its registry entry gives: the plates, the downsample ratio
// (graphs without one ignore it) and the recurrent states from zeros. Its outputs are the alpha and
// the foreground; add others (the recurrent states: recurrent_outputs) by name.
OrtJob network_job(const std::string& architecture, const std::string& model, const Clip& clip,
                   float downsample_ratio, int threads);
// The graph's recurrent outputs, in order (r1o..r4o for RVM); empty for networks without.
std::vector<std::string> recurrent_outputs(const std::string& architecture);

// True when node runs and onnxruntime-node loads; otherwise `why` (if given) says what is missing.
bool onnx_runtime_available(std::string* why);

}  // namespace matte::reference
