// The engine's weight file: the safetensors layout (8-byte little-endian header size, JSON header,
// 64-byte aligned data section, tensors contiguous with no holes), so any safetensors reader
// reads it. `__metadata__` (string → string, as safetensors requires) carries architecture,
// format_version, converter_version, source_sha256, source_opset and settings (a JSON object
// serialised as a string).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace matte {

using Metadata = std::map<std::string, std::string>;

struct WeightTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> values;  // written as F32
};

// The bytes of a complete file.
std::vector<uint8_t> serialize_weight_file(const Metadata& metadata, const std::vector<WeightTensor>& tensors);
// Writes to a temporary name beside `path` and renames on success; throws Error (naming path).
void write_weight_file(const std::string& path, const Metadata& metadata, const std::vector<WeightTensor>& tensors);

class WeightFile {
 public:
  // Memory-maps and validates the whole header; throws Error naming the path and the problem.
  static WeightFile open(const std::string& path);
  // Validates bytes already in memory (a model converted on the fly); `origin` names it in errors.
  static WeightFile from_bytes(std::vector<uint8_t> bytes, const std::string& origin);

  const Metadata& metadata() const;
  // Throws Error when the key is absent.
  const std::string& meta(const std::string& key) const;
  bool has(const std::string& name) const;
  std::vector<std::string> names() const;
  // Throws Error when missing.
  const std::vector<int64_t>& shape(const std::string& name) const;
  // F32 tensor data; throws Error when missing, not F32, or of another shape than `shape`.
  std::span<const float> tensor(const std::string& name, const std::vector<int64_t>& shape) const;
  const std::string& origin() const;

  ~WeightFile();
  WeightFile(WeightFile&&) noexcept;
  WeightFile& operator=(WeightFile&&) noexcept;

 private:
  struct Impl;
  explicit WeightFile(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace matte
