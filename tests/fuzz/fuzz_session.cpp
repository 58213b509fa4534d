// A Session from weight-file bytes, then one small frame (two for RVM, whose state carries over).
// The input: a mode byte, the frame size, session options, then either the weight file's bytes
// (written to a memfd that the Session opens by path, as a user's file) or edits of the real RVM
// or BGMv2 model converted once: metadata and settings values, tensor shapes, tensors removed.
// The Session must work or throw matte::Error.
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/matte.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/shared_models.h"
#include "tools/onnx2flat/convert.h"

namespace {

using matte::fuzz::FuzzInput;

std::array<matte::ConvertedModel, 2> models;

matte::SessionOptions session_options(FuzzInput& in) {
  matte::SessionOptions o;
  o.threads = 1;
  const uint8_t set = in.byte();
  // Every network's settings, whichever network the model is: the session refuses the others.
  const std::array<const char*, 6> names = {"downsample-ratio", "backbone-scale", "sample-pixels",
                                            "refine-threshold", "refine-mode",    "no-such-setting"};
  for (size_t i = 0; i < names.size(); ++i) {
    if (!(set & (1 << i))) continue;
    const uint8_t kind = in.byte() % 3;
    const std::string value = kind == 0 ? std::to_string(in.real()) : kind == 1 ? std::to_string(in.integer() % (1 << 24))
                                                                                 : in.text();
    o.settings.emplace_back(names[i], value);
  }
  return o;
}

// A value for a metadata field: a number, a string, or JSON of another kind.
nlohmann::json json_value(FuzzInput& in) {
  switch (in.byte() % 5) {
    case 0: return in.integer();
    case 1: return in.real();
    case 2: return in.text();
    case 3: return std::array<std::string, 3>{"sampling", "thresholding", "full"}[in.index(3)];
    default: return nullptr;
  }
}

std::vector<uint8_t> edited_weight_file(FuzzInput& in, matte::ConvertedModel model) {
  auto& tensors = model.tensors;
  while (!in.empty() && !tensors.empty()) {
    switch (in.byte() % 4) {
      case 0: {
        auto settings = nlohmann::json::parse(model.metadata["settings"], nullptr, false);
        if (!settings.is_object()) settings = nlohmann::json::object();
        const std::array<const char*, 6> keys = {"backbone_scale", "sample_pixels", "threshold",
                                                 "refine_mode",    "kernel_size",   "outputs"};
        settings[keys[in.index(keys.size())]] = json_value(in);
        // Text from the input need not be UTF-8: dump replaces what is not.
        model.metadata["settings"] = settings.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        break;
      }
      case 1: {
        const std::array<const char*, 4> keys = {"architecture", "format_version", "settings", "source_opset"};
        model.metadata[keys[in.index(keys.size())]] = in.text();
        break;
      }
      case 2: {  // a shape of at most 4M values, the data resized to match
        auto& t = tensors[in.index(tensors.size())];
        if (t.shape.empty()) break;
        t.shape[in.index(t.shape.size())] = in.byte() % 8;
        int64_t count = 1;
        for (int64_t d : t.shape) count *= d;
        t.values.resize(static_cast<size_t>(count));
        break;
      }
      default: tensors.erase(tensors.begin() + static_cast<long>(in.index(tensors.size()))); break;
    }
  }
  return matte::serialize_weight_file(model.metadata, model.tensors);
}

// The bytes as a file the Session opens by path.
struct MemoryFile {
  explicit MemoryFile(std::span<const uint8_t> bytes) : fd(memfd_create("fuzz.safetensors", MFD_CLOEXEC)) {
    if (fd < 0 || write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) std::abort();
  }
  ~MemoryFile() { close(fd); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd); }

  int fd;
};

void run(matte::Session& session, FuzzInput& in, int width, int height) {
  std::vector<uint8_t> pixels(static_cast<size_t>(width) * height * 3);
  const uint8_t seed = in.byte();
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * seed + i / 7);
  const matte::Image8 frame{pixels.data(), width, height, static_cast<size_t>(width) * 3};
  if (session.capabilities().takes_plate) {
    std::vector<uint8_t> plate(pixels.rbegin(), pixels.rend());
    session.process(frame, matte::Image8{plate.data(), width, height, static_cast<size_t>(width) * 3});
  } else {
    session.process(frame);
    session.process(frame);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  models[0] = matte::convert_onnx(matte::test::require_shared(matte::fuzz::kRvmModel));
  models[1] = matte::convert_onnx(matte::test::require_shared(matte::fuzz::kBgmModel));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in({data, size});
  const uint8_t mode = in.byte() % 3;
  const int width = 1 + in.byte() % 48, height = 1 + in.byte() % 48;
  try {
    const matte::SessionOptions options = session_options(in);
    if (mode == 0) {
      const MemoryFile file(in.rest());
      matte::Session session(file.path(), options);
      run(session, in, width, height);
    } else {
      matte::Session session(edited_weight_file(in, models[mode - 1]), "fuzz.safetensors", options);
      run(session, in, width, height);
    }
  } catch (const matte::Error&) {
  }
  return 0;
}
