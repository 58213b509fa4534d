// Writes a starting corpus for each fuzz target into OUT/<target>/: small valid weight files,
// small ONNX graphs and the real models' graphs with their weights stripped (a few kB, so the
// converter gets deep before it fails), and structured inputs naming each real model.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "engine/weight_file.h"
#include "tests/fuzz/shared_models.h"
#include "tools/onnx2flat/convert.h"

namespace {

namespace fs = std::filesystem;

void write(const fs::path& path, const void* data, size_t size) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary).write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
}

void write(const fs::path& path, const std::vector<uint8_t>& bytes) { write(path, bytes.data(), bytes.size()); }

std::vector<uint8_t> weight_file(const std::string& architecture, const std::string& settings) {
  const matte::Metadata metadata = {{"architecture", architecture}, {"format_version", "1"}, {"settings", settings}};
  return matte::serialize_weight_file(metadata,
                                      {{"a.weight", {2, 1, 1, 1}, {1.0f, 2.0f}}, {"a.bias", {2}, {0.5f, -1.0f}}});
}

// The graph without its weights: dims and types stay, the data goes.
std::string stripped(const std::string& model_path) {
  std::ifstream in(model_path, std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  onnx::ModelProto model = matte::convert::parse_onnx(bytes, model_path);
  for (auto& t : *model.mutable_graph()->mutable_initializer()) {
    if (t.raw_data().size() > 64) t.clear_raw_data();
  }
  return model.SerializeAsString();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds OUT\n";
    return 2;
  }
  const fs::path out = argv[1];
  const std::string bgm_settings =
      R"({"backbone_scale":0.25,"refine_mode":"sampling","sample_pixels":80000,"threshold":0.1})";
  write(out / "weight_file" / "small", weight_file("rvm_mobilenetv3", "{}"));
  write(out / "weight_file" / "empty", matte::serialize_weight_file({}, {}));
  const std::vector<uint8_t> raw_header = {0, 8, 8, 0};  // mode 0: a weight file follows
  for (const auto& [name, architecture, settings] :
       {std::tuple{"rvm", "rvm_mobilenetv3", "{}"}, std::tuple{"bgm", "bgm_mobilenetv2", bgm_settings.c_str()}}) {
    auto seed = raw_header;
    const auto file = weight_file(architecture, settings);
    seed.insert(seed.end(), file.begin(), file.end());
    write(out / "session" / (std::string("raw_") + name), seed);
  }
  for (uint8_t model = 0; model < 2; ++model) {
    write(out / "onnx_edits" / ("model" + std::to_string(model)), &model, 1);
    const uint8_t session_seed[] = {static_cast<uint8_t>(model + 1), 16, 12, 0};
    write(out / "session" / ("model" + std::to_string(model)), session_seed, sizeof session_seed);
  }
  const std::string rvm = stripped(matte::test::require_shared(matte::fuzz::kRvmModel));
  const std::string bgm = stripped(matte::test::require_shared(matte::fuzz::kBgmModel));
  write(out / "onnx_bytes" / "rvm_stripped", rvm.data(), rvm.size());
  write(out / "onnx_bytes" / "bgm_stripped", bgm.data(), bgm.size());
  std::cout << "seeds written to " << out.string() << " (stripped graphs: " << rvm.size() << " and " << bgm.size()
            << " bytes)\n";
  return 0;
}
