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

// Runs RVM recurrently over planar float RGB frames [3][H][W] in [0,1]; returns requested outputs per frame.
std::vector<OrtFrame> run_rvm_onnx(const std::string& model, const std::vector<std::vector<float>>& frames_chw, int width,
                                   int height, float downsample_ratio, int threads, const std::vector<std::string>& outputs);

// Seconds per frame (warm-up excluded) for `frames` runs of one frame.
std::vector<double> time_rvm_onnx(const std::string& model, const std::vector<float>& frame_chw, int width, int height,
                                  float downsample_ratio, int threads, int frames);

// True when node runs and onnxruntime-node loads; otherwise `why` (if given) says what is missing.
bool onnx_runtime_available(std::string* why);

}  // namespace matte::reference
