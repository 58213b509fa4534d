// SHA-256 (FIPS 180-4), used to record which ONNX file a weight file was converted from.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace matte {

class Sha256 {
 public:
  Sha256();
  void update(std::span<const uint8_t> data);
  // Pads and returns the digest; the object must not be updated afterwards.
  std::array<uint8_t, 32> finish();

 private:
  void compress(const uint8_t* block);
  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

std::string to_hex(std::span<const uint8_t> bytes);
std::string sha256_hex(std::span<const uint8_t> data);
// Streams the file; throws Error naming the path when it cannot be read.
std::string sha256_file_hex(const std::string& path);

}  // namespace matte
