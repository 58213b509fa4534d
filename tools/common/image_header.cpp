#include "tools/common/image_header.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <vector>

namespace matte::cli {

namespace {

// Bytes of the file from `offset`, fewer at its end.
std::vector<uint8_t> read_at(std::ifstream& in, uint64_t offset, size_t count) {
  std::vector<uint8_t> bytes(count);
  in.clear();
  in.seekg(std::streamoff(offset));
  in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(count));
  bytes.resize(in ? count : size_t(std::max<std::streamsize>(in.gcount(), 0)));
  return bytes;
}

uint32_t be(const uint8_t* p, int n) {
  uint32_t v = 0;
  for (int i = 0; i < n; ++i) v = v << 8 | p[i];
  return v;
}

uint32_t le(const uint8_t* p, int n) {
  uint32_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

std::optional<ImageSize> sized(int64_t width, int64_t height) {
  if (width <= 0 || height <= 0 || width > INT32_MAX || height > INT32_MAX) return std::nullopt;
  return ImageSize{int(width), int(height)};
}

// The first start-of-frame marker's size; markers before it are skipped by their lengths.
std::optional<ImageSize> jpeg_size(std::ifstream& in) {
  uint64_t pos = 2;
  for (int markers = 0; markers < 10000; ++markers) {
    const std::vector<uint8_t> m = read_at(in, pos, 9);
    if (m.size() < 4 || m[0] != 0xff) return std::nullopt;
    const uint8_t type = m[1];
    if (type == 0xff) {  // fill byte
      ++pos;
      continue;
    }
    const bool sof = type >= 0xc0 && type <= 0xcf && type != 0xc4 && type != 0xc8 && type != 0xcc;
    if (sof) return m.size() == 9 ? sized(be(&m[7], 2), be(&m[5], 2)) : std::nullopt;
    pos += 2 + be(&m[2], 2);
  }
  return std::nullopt;
}

std::optional<ImageSize> tiff_size(std::ifstream& in, bool little) {
  auto num = [&](const uint8_t* p, int n) { return little ? le(p, n) : be(p, n); };
  const std::vector<uint8_t> head = read_at(in, 4, 4);
  if (head.size() < 4) return std::nullopt;
  const uint64_t ifd = num(head.data(), 4);
  const std::vector<uint8_t> count = read_at(in, ifd, 2);
  if (count.size() < 2) return std::nullopt;
  const size_t entries = num(count.data(), 2);
  const std::vector<uint8_t> table = read_at(in, ifd + 2, entries * 12);
  int64_t width = 0, height = 0;
  for (size_t i = 0; i + 12 <= table.size(); i += 12) {
    const uint8_t* e = &table[i];
    const uint32_t tag = num(e, 2), type = num(e + 2, 2);
    const int64_t value = type == 3 ? num(e + 8, 2) : num(e + 8, 4);  // SHORT or LONG
    if (tag == 256) width = value;
    if (tag == 257) height = value;
  }
  return sized(width, height);
}

}  // namespace

std::optional<ImageSize> image_header_size(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<uint8_t> h = read_at(in, 0, 30);
  auto starts = [&](const char* magic, size_t n, size_t at = 0) {
    return h.size() >= at + n && std::memcmp(magic, h.data() + at, n) == 0;
  };
  if (starts("\x89PNG\r\n\x1a\n", 8) && h.size() >= 24) return sized(be(&h[16], 4), be(&h[20], 4));
  if (starts("\xff\xd8", 2)) return jpeg_size(in);
  if (starts("BM", 2) && h.size() >= 26) {
    const int32_t height = int32_t(le(&h[22], 4));  // negative: rows stored top-down
    return sized(int32_t(le(&h[18], 4)), height < 0 ? -int64_t(height) : height);
  }
  if (starts("RIFF", 4) && starts("WEBP", 4, 8) && h.size() >= 30) {
    if (starts("VP8 ", 4, 12)) return sized(le(&h[26], 2) & 0x3fff, le(&h[28], 2) & 0x3fff);
    if (starts("VP8L", 4, 12)) {
      const uint32_t bits = le(&h[21], 4);
      return sized((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1);
    }
    if (starts("VP8X", 4, 12)) return sized(le(&h[24], 3) + 1, le(&h[27], 3) + 1);
    return std::nullopt;
  }
  if (starts("II*\0", 4)) return tiff_size(in, true);
  if (starts("MM\0*", 4)) return tiff_size(in, false);
  return std::nullopt;
}

}  // namespace matte::cli
