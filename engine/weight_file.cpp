#include "engine/weight_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/error.h"
#include "engine/replace_file.h"

namespace matte {

// Header size and tensor data are little-endian on disk and copied/mapped without byte swapping.
static_assert(std::endian::native == std::endian::little, "weight files assume a little-endian host");

namespace {

using nlohmann::json;

constexpr uint64_t kDataAlignment = 64;

[[noreturn]] void fail(const std::string& origin, const std::string& problem) {
  throw Error(origin + ": " + problem);
}

std::string errno_text() { return std::strerror(errno); }

std::string range_text(uint64_t begin, uint64_t end) {
  std::string s = "[";
  s += std::to_string(begin);
  s += ", ";
  s += std::to_string(end);
  return s + "]";
}

// Element size of every safetensors dtype; 0 = unknown.
uint64_t dtype_size(const std::string& dtype) {
  static const std::map<std::string, uint64_t> sizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"I16", 2}, {"U16", 2}, {"F16", 2},
      {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4},     {"F64", 8},     {"I64", 8}, {"U64", 8}};
  const auto it = sizes.find(dtype);
  return it == sizes.end() ? 0 : it->second;
}

struct Entry {
  std::string dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
  // Only for an F32 tensor whose bytes are not float-aligned in memory (unpadded foreign files).
  std::vector<float> realigned;
};

}  // namespace

struct WeightFile::Impl {
  std::string origin;
  std::vector<uint8_t> owned;
  void* map = nullptr;
  size_t map_size = 0;
  const uint8_t* data = nullptr;  // start of the data section
  Metadata metadata;
  std::map<std::string, Entry> tensors;

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    if (map) munmap(map, map_size);
  }

  void parse(const uint8_t* bytes, uint64_t size);
  Entry parse_entry(const std::string& name, const json& value, uint64_t data_size) const;
};

Entry WeightFile::Impl::parse_entry(const std::string& name, const json& value, uint64_t data_size) const {
  const std::string what = "tensor '" + name + "'";
  if (!value.is_object()) fail(origin, what + " is not a JSON object");
  Entry e;

  const auto dtype = value.find("dtype");
  if (dtype == value.end()) fail(origin, what + " has no dtype");
  if (!dtype->is_string()) fail(origin, what + ": dtype is not a string");
  e.dtype = dtype->get<std::string>();
  const uint64_t elem_size = dtype_size(e.dtype);
  if (elem_size == 0) fail(origin, what + " has unknown dtype '" + e.dtype + "'");

  const auto shape = value.find("shape");
  if (shape == value.end()) fail(origin, what + " has no shape");
  if (!shape->is_array()) fail(origin, what + ": shape is not an array");
  uint64_t nbytes = elem_size;
  bool overflow = false;
  for (const json& d : *shape) {
    if (!d.is_number_integer()) fail(origin, what + ": shape holds a non-integer dimension " + d.dump());
    if (!d.is_number_unsigned()) fail(origin, what + " has negative dimension " + d.dump());
    const uint64_t dim = d.get<uint64_t>();
    if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      fail(origin, what + " has dimension " + d.dump() + ", too large");
    e.shape.push_back(static_cast<int64_t>(dim));
    overflow |= __builtin_mul_overflow(nbytes, dim, &nbytes);
  }

  const auto offsets = value.find("data_offsets");
  if (offsets == value.end()) fail(origin, what + " has no data_offsets");
  if (!offsets->is_array() || offsets->size() != 2 || !(*offsets)[0].is_number_unsigned() ||
      !(*offsets)[1].is_number_unsigned())
    fail(origin, what + ": data_offsets is not an array of two non-negative integers");
  e.begin = (*offsets)[0].get<uint64_t>();
  e.end = (*offsets)[1].get<uint64_t>();
  if (e.begin > e.end) fail(origin, what + " has data_offsets " + range_text(e.begin, e.end) + " with begin > end");
  if (e.end > data_size)
    fail(origin, what + " has data_offsets " + range_text(e.begin, e.end) + " out of range of the " +
                     std::to_string(data_size) + "-byte data section");
  if (overflow || nbytes != e.end - e.begin)
    fail(origin, what + " of shape " + shape_text(e.shape) + " and dtype " + e.dtype + " needs " +
                     (overflow ? std::string("more than 2^64") : std::to_string(nbytes)) + " bytes but data_offsets " +
                     range_text(e.begin, e.end) + " span " + std::to_string(e.end - e.begin));
  return e;
}

void WeightFile::Impl::parse(const uint8_t* bytes, uint64_t size) {
  if (size < 8) fail(origin, "file is shorter than 8 bytes (" + std::to_string(size) + " bytes)");
  uint64_t header_size;
  std::memcpy(&header_size, bytes, 8);
  // Compared against size - 8 so a huge header size cannot wrap around.
  if (header_size > size - 8)
    fail(origin, "header size " + std::to_string(header_size) + " is larger than the file (" + std::to_string(size) +
                     " bytes)");
  const char* header = reinterpret_cast<const char*>(bytes + 8);
  if (header_size == 0 || header[0] != '{') fail(origin, "header does not start with '{'");

  // nlohmann keeps the last of duplicate keys silently; record top-level keys to catch them.
  std::set<std::string> keys;
  std::string duplicate;
  const json::parser_callback_t track = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth == 1 && event == json::parse_event_t::key) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!keys.insert(key).second && duplicate.empty()) duplicate = key;
    }
    return true;
  };
  json root;
  try {
    root = json::parse(header, header + header_size, track);
  } catch (const json::exception& e) {
    fail(origin, std::string("header is not valid JSON: ") + e.what());
  }
  if (!duplicate.empty()) fail(origin, "header has duplicate key '" + duplicate + "'");

  data = bytes + 8 + header_size;
  const uint64_t data_size = size - 8 - header_size;
  // Text that starts with '{' and parses is an object, so items() are its named entries.
  for (const auto& [name, value] : root.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) fail(origin, "__metadata__ is not a JSON object");
      for (const auto& [key, v] : value.items()) {
        if (!v.is_string()) fail(origin, "__metadata__ value of '" + key + "' is not a string");
        metadata[key] = v.get<std::string>();
      }
      continue;
    }
    tensors[name] = parse_entry(name, value, data_size);
  }

  // Safetensors forbids holes: sorted by offset, each tensor must begin where the previous ended.
  std::vector<const std::pair<const std::string, Entry>*> order;
  for (const auto& t : tensors) order.push_back(&t);
  std::stable_sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
    return std::pair(a->second.begin, a->second.end) < std::pair(b->second.begin, b->second.end);
  });
  uint64_t pos = 0;
  std::string prev;
  for (const auto* t : order) {
    const Entry& e = t->second;
    const std::string what = "tensor '" + t->first + "' " + range_text(e.begin, e.end);
    if (e.begin > pos)
      fail(origin, "gap of " + std::to_string(e.begin - pos) + " bytes before " + what +
                       (prev.empty() ? std::string(" at the start of the data section") : " after " + prev));
    if (e.begin < pos) fail(origin, what + " overlaps " + prev);
    pos = e.end;
    prev = what;
  }
  if (pos != data_size)
    fail(origin, "data section has " + std::to_string(data_size - pos) + " trailing bytes after the last tensor");

  for (auto& [name, e] : tensors) {
    if (e.dtype != "F32" || reinterpret_cast<uintptr_t>(data + e.begin) % alignof(float) == 0) continue;
    e.realigned.resize((e.end - e.begin) / sizeof(float));
    std::memcpy(e.realigned.data(), data + e.begin, e.end - e.begin);
  }
}

WeightFile::WeightFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WeightFile::~WeightFile() = default;
WeightFile::WeightFile(WeightFile&&) noexcept = default;
WeightFile& WeightFile::operator=(WeightFile&&) noexcept = default;

WeightFile WeightFile::open(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  impl->origin = path;
  // O_NONBLOCK so a FIFO given by mistake is refused below instead of blocking the open.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) fail(path, "cannot open: " + errno_text());
  struct stat st;
  if (fstat(fd, &st) != 0) {
    const std::string why = errno_text();
    ::close(fd);
    fail(path, "cannot stat: " + why);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(path, "is not a regular file");
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  // mmap rejects length 0; such a file fails the size check in parse anyway.
  if (size > 0) {
    void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
      const std::string why = errno_text();
      ::close(fd);
      fail(path, "cannot map: " + why);
    }
    impl->map = map;
    impl->map_size = size;
  }
  ::close(fd);  // the mapping keeps the file contents reachable
  impl->parse(static_cast<const uint8_t*>(impl->map), size);
  return WeightFile(std::move(impl));
}

WeightFile WeightFile::from_bytes(std::vector<uint8_t> bytes, const std::string& origin) {
  auto impl = std::make_unique<Impl>();
  impl->origin = origin;
  impl->owned = std::move(bytes);
  impl->parse(impl->owned.data(), impl->owned.size());
  return WeightFile(std::move(impl));
}

const Metadata& WeightFile::metadata() const { return impl_->metadata; }

const std::string& WeightFile::meta(const std::string& key) const {
  const auto it = impl_->metadata.find(key);
  if (it == impl_->metadata.end()) fail(impl_->origin, "metadata key '" + key + "' is missing");
  return it->second;
}

bool WeightFile::has(const std::string& name) const { return impl_->tensors.count(name) != 0; }

std::vector<std::string> WeightFile::names() const {
  std::vector<std::string> out;
  for (const auto& t : impl_->tensors) out.push_back(t.first);
  return out;
}

const std::vector<int64_t>& WeightFile::shape(const std::string& name) const {
  const auto it = impl_->tensors.find(name);
  if (it == impl_->tensors.end()) fail(impl_->origin, "tensor '" + name + "' is missing");
  return it->second.shape;
}

std::span<const float> WeightFile::tensor(const std::string& name, const std::vector<int64_t>& shape) const {
  const auto it = impl_->tensors.find(name);
  if (it == impl_->tensors.end()) fail(impl_->origin, "tensor '" + name + "' is missing");
  const Entry& e = it->second;
  if (e.dtype != "F32") fail(impl_->origin, "tensor '" + name + "' has dtype " + e.dtype + ", expected F32");
  if (e.shape != shape)
    fail(impl_->origin,
         "tensor '" + name + "' has shape " + shape_text(e.shape) + ", expected " + shape_text(shape));
  const size_t count = (e.end - e.begin) / sizeof(float);
  if (count == 0) return {};
  if (!e.realigned.empty()) return {e.realigned.data(), count};
  return {reinterpret_cast<const float*>(impl_->data + e.begin), count};
}

const std::string& WeightFile::origin() const { return impl_->origin; }

std::vector<uint8_t> serialize_weight_file(const Metadata& metadata, const std::vector<WeightTensor>& tensors) {
  std::vector<const WeightTensor*> sorted;
  for (const WeightTensor& t : tensors) sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->name < b->name; });

  json header = json::object();
  header["__metadata__"] = json::object();
  for (const auto& [key, value] : metadata) header["__metadata__"][key] = value;
  uint64_t offset = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const WeightTensor& t = *sorted[i];
    const std::string what = "weight tensor '" + t.name + "'";
    if (t.name == "__metadata__") throw Error(what + ": the name is reserved by safetensors");
    if (i > 0 && sorted[i - 1]->name == t.name) throw Error(what + " appears twice");
    uint64_t count = 1;
    bool overflow = false;
    for (int64_t d : t.shape) {
      if (d < 0) throw Error(what + " has negative dimension in shape " + shape_text(t.shape));
      overflow |= __builtin_mul_overflow(count, static_cast<uint64_t>(d), &count);
    }
    if (overflow || count != t.values.size())
      throw Error(what + " has shape " + shape_text(t.shape) + " but " + std::to_string(t.values.size()) + " values");
    const uint64_t end = offset + count * sizeof(float);
    header[t.name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, end}}};
    offset = end;
  }

  std::string text;
  try {
    text = header.dump();
  } catch (const json::exception& e) {
    throw Error(std::string("weight file header cannot be written: ") + e.what());
  }
  // Trailing spaces (allowed by safetensors) put the data section on a 64-byte boundary.
  text.append((kDataAlignment - (8 + text.size()) % kDataAlignment) % kDataAlignment, ' ');

  std::vector<uint8_t> out(8 + text.size() + offset);
  const uint64_t header_size = text.size();
  std::memcpy(out.data(), &header_size, 8);
  std::memcpy(out.data() + 8, text.data(), text.size());
  uint8_t* data = out.data() + 8 + text.size();
  for (const WeightTensor* t : sorted) {
    if (t->values.empty()) continue;
    std::memcpy(data, t->values.data(), t->values.size() * sizeof(float));
    data += t->values.size() * sizeof(float);
  }
  return out;
}

void write_weight_file(const std::string& path, const Metadata& metadata, const std::vector<WeightTensor>& tensors) {
  std::vector<uint8_t> bytes;
  try {
    bytes = serialize_weight_file(metadata, tensors);
  } catch (const Error& e) {
    fail(path, e.what());
  }
  replace_file(path, bytes.data(), bytes.size());
}

}  // namespace matte
