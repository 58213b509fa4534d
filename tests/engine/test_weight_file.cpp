#include <doctest/doctest.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>

#include "engine/error.h"
#include "engine/weight_file.h"

namespace matte {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("matte_weight_file_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
  size_t entries() const { return static_cast<size_t>(std::distance(fs::directory_iterator(path), {})); }
};

// Header size, header text and data exactly as the safetensors spec lays them out, no padding.
std::vector<uint8_t> raw_file(const std::string& header, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out(8 + header.size() + data.size());
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(n >> (8 * i));
  std::copy(header.begin(), header.end(), out.begin() + 8);
  std::copy(data.begin(), data.end(), out.begin() + 8 + header.size());
  return out;
}

std::vector<uint8_t> raw_file(const std::string& header, size_t data_bytes) {
  return raw_file(header, std::vector<uint8_t>(data_bytes, 0));
}

std::vector<uint8_t> float_bytes(const std::vector<float>& v) {
  std::vector<uint8_t> out(v.size() * 4);
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// The Error message thrown by `fn`, or "" (with a failed check) when nothing was thrown.
std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL_CHECK("no matte::Error thrown");
  return "";
}

void check_rejected(const std::vector<uint8_t>& bytes, const std::string& phrase) {
  const std::string msg = error_of([&] { WeightFile::from_bytes(bytes, "bad.safetensors"); });
  CAPTURE(msg);
  CHECK(msg.rfind("bad.safetensors: ", 0) == 0);
  CHECK(msg.find(phrase) != std::string::npos);
}

bool same_bits(std::span<const float> got, const std::vector<float>& want) {
  return got.size() == want.size() && (want.empty() || std::memcmp(got.data(), want.data(), want.size() * 4) == 0);
}

std::string entry(const std::string& dtype, const std::string& shape, uint64_t begin, uint64_t end) {
  return R"({"dtype":")" + dtype + R"(","shape":)" + shape + R"(,"data_offsets":[)" + std::to_string(begin) + "," +
         std::to_string(end) + "]}";
}

const Metadata kMetadata = {{"architecture", "rvm_mobilenetv3"},
                            {"format_version", "1"},
                            {"settings", R"({"downsample_ratio":0.25})"},
                            {"empty", ""}};

std::vector<WeightTensor> sample_tensors() {
  const float nan_payload = std::bit_cast<float>(0x7fc12345u);
  const float denormal = std::numeric_limits<float>::denorm_min();
  return {
      {"conv.weight", {2, 3}, {1.5f, -0.0f, nan_payload, denormal, std::numeric_limits<float>::infinity(), -7.25f}},
      {"b.bias", {3}, {0.1f, 0.2f, 0.3f}},
      {"scalar", {}, {42.0f}},
      {"empty", {0, 4}, {}},
      {"a.weight", {1, 1, 1, 5}, {1, 2, 3, 4, 5}},
  };
}

void check_sample(const WeightFile& wf) {
  CHECK(wf.metadata() == kMetadata);
  CHECK(wf.meta("settings") == R"({"downsample_ratio":0.25})");
  CHECK(wf.names() == std::vector<std::string>{"a.weight", "b.bias", "conv.weight", "empty", "scalar"});
  CHECK(wf.has("scalar"));
  CHECK_FALSE(wf.has("__metadata__"));
  for (const WeightTensor& t : sample_tensors()) {
    CAPTURE(t.name);
    const std::span<const float> got = wf.tensor(t.name, t.shape);
    CHECK(same_bits(got, t.values));
    if (!got.empty()) CHECK(reinterpret_cast<uintptr_t>(got.data()) % alignof(float) == 0);
  }
  CHECK(wf.tensor("scalar", {})[0] == 42.0f);
}

}  // namespace

TEST_CASE("weight file round trip keeps metadata and bit-exact tensors, data section 64-aligned") {
  const std::vector<uint8_t> bytes = serialize_weight_file(kMetadata, sample_tensors());
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  CHECK((8 + n) % 64 == 0);
  const uint64_t data_bytes = (6 + 3 + 1 + 0 + 5) * 4;
  CHECK(bytes.size() == 8 + n + data_bytes);

  // The header, read by a plain JSON parser: tensors contiguous in name order.
  const auto header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + n);
  CHECK(header["__metadata__"]["format_version"] == "1");
  CHECK(header["a.weight"]["data_offsets"] == nlohmann::json({0, 20}));
  CHECK(header["b.bias"]["data_offsets"] == nlohmann::json({20, 32}));
  CHECK(header["conv.weight"]["data_offsets"] == nlohmann::json({32, 56}));
  CHECK(header["empty"]["data_offsets"] == nlohmann::json({56, 56}));
  CHECK(header["scalar"]["data_offsets"] == nlohmann::json({56, 60}));
  CHECK(header["scalar"]["shape"] == nlohmann::json::array());
  CHECK(header["conv.weight"]["dtype"] == "F32");
  float first = 0;
  std::memcpy(&first, bytes.data() + 8 + n, 4);
  CHECK(first == 1.0f);

  check_sample(WeightFile::from_bytes(bytes, "memory"));

  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  write_bytes(path, {1, 2, 3});  // replaced by the rename
  write_weight_file(path, kMetadata, sample_tensors());
  CHECK(dir.entries() == 1);
  CHECK(fs::file_size(path) == bytes.size());
  WeightFile opened = WeightFile::open(path);
  CHECK(opened.origin() == path);
  check_sample(opened);
  // Moving the handle keeps the mapping alive and in place.
  const float* before = opened.tensor("b.bias", {3}).data();
  WeightFile moved = std::move(opened);
  CHECK(moved.tensor("b.bias", {3}).data() == before);
  CHECK(reinterpret_cast<uintptr_t>(moved.tensor("a.weight", {1, 1, 1, 5}).data()) % 64 == 0);
  check_sample(moved);
}

TEST_CASE("weight file with no tensors and no metadata round-trips") {
  const std::vector<uint8_t> bytes = serialize_weight_file({}, {});
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  CHECK(bytes.size() == 8 + n);
  CHECK(bytes.size() % 64 == 0);
  const WeightFile wf = WeightFile::from_bytes(bytes, "empty.safetensors");
  CHECK(wf.names().empty());
  CHECK(wf.metadata().empty());
}

TEST_CASE("weight file reads a safetensors file built by hand from the spec") {
  // No padding: the F32 tensor after 3 U8 bytes is misaligned in memory and must still read right.
  const std::string header = R"({"__metadata__":{"format":"pt"},)"
                             R"("w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
                             R"("m":{"dtype":"U8","shape":[3],"data_offsets":[16,19]},)"
                             R"("v":{"dtype":"F32","shape":[2],"data_offsets":[19,27]}})";
  std::vector<uint8_t> data = float_bytes({1.0f, 2.0f, -3.5f, 0.25f});
  data.insert(data.end(), {7, 8, 9});
  const std::vector<uint8_t> v = float_bytes({-1.0f, 1e-3f});
  data.insert(data.end(), v.begin(), v.end());
  const std::vector<uint8_t> bytes = raw_file(header, data);

  TempDir dir;
  const std::string path = dir.file("hand.safetensors");
  write_bytes(path, bytes);
  std::vector<WeightFile> files;
  files.push_back(WeightFile::from_bytes(bytes, "hand"));
  files.push_back(WeightFile::open(path));
  for (const WeightFile& wf : files) {
    CHECK(wf.meta("format") == "pt");
    CHECK(wf.names() == std::vector<std::string>{"m", "v", "w"});
    const auto w = wf.tensor("w", {2, 2});
    CHECK(std::vector<float>(w.begin(), w.end()) == std::vector<float>{1.0f, 2.0f, -3.5f, 0.25f});
    const auto vv = wf.tensor("v", {2});
    CHECK(std::vector<float>(vv.begin(), vv.end()) == std::vector<float>{-1.0f, 1e-3f});
    CHECK(reinterpret_cast<uintptr_t>(vv.data()) % alignof(float) == 0);
    CHECK(error_of([&] { wf.tensor("m", {3}); }).find("tensor 'm' has dtype U8, expected F32") != std::string::npos);
  }
}

TEST_CASE("weight file accepts every safetensors dtype but serves only F32") {
  const std::vector<std::pair<std::string, uint64_t>> dtypes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"I16", 2}, {"U16", 2}, {"F16", 2},
      {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4},     {"F64", 8},     {"I64", 8}, {"U64", 8}};
  std::string header = "{";
  uint64_t offset = 0;
  for (const auto& [dtype, size] : dtypes) {
    if (offset) header += ',';
    header += "\"t_" + dtype + "\":" + entry(dtype, "[3]", offset, offset + 3 * size);
    offset += 3 * size;
  }
  header += "}";
  const WeightFile wf = WeightFile::from_bytes(raw_file(header, offset), "all.safetensors");
  CHECK(wf.names().size() == dtypes.size());
  CHECK(wf.tensor("t_F32", {3}).size() == 3);
  const std::string msg = error_of([&] { wf.tensor("t_BF16", {3}); });
  CHECK(msg == "all.safetensors: tensor 't_BF16' has dtype BF16, expected F32");
}

TEST_CASE("weight file tensor() and meta() name the file and the problem") {
  const std::vector<uint8_t> bytes =
      serialize_weight_file({{"architecture", "rvm"}}, {{"backbone.features.0.0.weight", {16, 3, 3, 3},
                                                         std::vector<float>(16 * 27, 0.5f)}});
  const WeightFile wf = WeightFile::from_bytes(bytes, "model.safetensors");
  CHECK(error_of([&] { wf.tensor("backbone.features.0.0.weight", {16, 3, 3, 4}); }) ==
        "model.safetensors: tensor 'backbone.features.0.0.weight' has shape [16,3,3,3], expected [16,3,3,4]");
  CHECK(error_of([&] { wf.tensor("backbone.features.0.0.weight", {}); }) ==
        "model.safetensors: tensor 'backbone.features.0.0.weight' has shape [16,3,3,3], expected []");
  CHECK(error_of([&] { wf.tensor("head.weight", {1}); }) == "model.safetensors: tensor 'head.weight' is missing");
  CHECK(error_of([&] { wf.meta("format_version"); }) ==
        "model.safetensors: metadata key 'format_version' is missing");
  CHECK(wf.tensor("backbone.features.0.0.weight", {16, 3, 3, 3})[431] == 0.5f);
}

TEST_CASE("weight file open rejects missing, unreadable and short files") {
  TempDir dir;
  const std::string missing = dir.file("missing.safetensors");
  std::string msg = error_of([&] { WeightFile::open(missing); });
  CHECK(msg.find(missing) == 0);
  CHECK(msg.find("cannot open: No such file or directory") != std::string::npos);

  msg = error_of([&] { WeightFile::open(dir.path.string()); });
  CHECK(msg == dir.path.string() + ": is not a regular file");

  for (size_t size : {0, 1, 7}) {
    const std::string path = dir.file("short" + std::to_string(size));
    write_bytes(path, std::vector<uint8_t>(size, 0));
    CHECK(error_of([&] { WeightFile::open(path); }) ==
          path + ": file is shorter than 8 bytes (" + std::to_string(size) + " bytes)");
  }

  // Validation runs on the mapping too: a real file cut short inside its last tensor.
  const std::string path = dir.file("truncated.safetensors");
  std::vector<uint8_t> bytes = serialize_weight_file({}, {{"w", {4}, {1, 2, 3, 4}}});
  bytes.erase(bytes.end() - 4, bytes.end());
  write_bytes(path, bytes);
  msg = error_of([&] { WeightFile::open(path); });
  CHECK(msg.find(path + ": ") == 0);
  CHECK(msg.find("out of range") != std::string::npos);
}

TEST_CASE("weight file rejects header sizes beyond the file without wrapping") {
  for (uint64_t n : {uint64_t{9}, uint64_t{1} << 40, ~uint64_t{0}, ~uint64_t{0} - 7, ~uint64_t{0} - 8}) {
    CAPTURE(n);
    std::vector<uint8_t> bytes = {0, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '};
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(n >> (8 * i));
    check_rejected(bytes, "header size " + std::to_string(n) + " is larger than the file (16 bytes)");
  }
  check_rejected(raw_file("", 0), "header does not start with '{'");
}

TEST_CASE("weight file rejects malformed headers") {
  const std::string w = entry("F32", "[2]", 0, 8);
  const struct {
    std::string header;
    size_t data;
    std::string phrase;
  } cases[] = {
      {R"([{"a":1}])", 0, "header does not start with '{'"},
      {R"( {})", 0, "header does not start with '{'"},
      {R"({"a":)", 0, "header is not valid JSON"},
      {R"({"a":1} x)", 0, "header is not valid JSON"},
      {"{\"\xff\":1}", 0, "header is not valid JSON"},
      {R"({"__metadata__":["a"]})", 0, "__metadata__ is not a JSON object"},
      {R"({"__metadata__":{"a":"b","n":1}})", 0, "__metadata__ value of 'n' is not a string"},
      {R"({"w":[0,8]})", 8, "tensor 'w' is not a JSON object"},
      {R"({"w":{"shape":[2],"data_offsets":[0,8]}})", 8, "tensor 'w' has no dtype"},
      {R"({"w":{"dtype":"F32","data_offsets":[0,8]}})", 8, "tensor 'w' has no shape"},
      {R"({"w":{"dtype":"F32","shape":[2]}})", 8, "tensor 'w' has no data_offsets"},
      {R"({"w":{"dtype":4,"shape":[2],"data_offsets":[0,8]}})", 8, "tensor 'w': dtype is not a string"},
      {R"({"w":{"dtype":"F32","shape":2,"data_offsets":[0,8]}})", 8, "tensor 'w': shape is not an array"},
      {R"({"w":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", 8, "shape holds a non-integer dimension 2.0"},
      {R"({"w":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}})", 8, "shape holds a non-integer dimension \"2\""},
      {R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8]}})", 8, "data_offsets is not an array of two"},
      {R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}})", 8, "data_offsets is not an array of two"},
      {R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[-1,8]}})", 8, "data_offsets is not an array of two"},
      {R"({"w":{"dtype":"F32","shape":[2],"data_offsets":{"0":8}}})", 8, "data_offsets is not an array of two"},
      {R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8.0]}})", 8, "data_offsets is not an array of two"},
      {"{\"w\":" + entry("F31", "[2]", 0, 8) + "}", 8, "tensor 'w' has unknown dtype 'F31'"},
      {"{\"w\":" + entry("f32", "[2]", 0, 8) + "}", 8, "tensor 'w' has unknown dtype 'f32'"},
      {"{\"w\":" + entry("F32", "[-1,2]", 0, 8) + "}", 8, "tensor 'w' has negative dimension -1"},
      {"{\"w\":" + entry("F32", "[9223372036854775808]", 0, 8) + "}", 8, "dimension 9223372036854775808, too large"},
      {"{\"w\":" + entry("F32", "[3]", 0, 8) + "}", 8,
       "tensor 'w' of shape [3] and dtype F32 needs 12 bytes but data_offsets [0, 8] span 8"},
      {"{\"w\":" + entry("F16", "[2]", 0, 8) + "}", 8, "needs 4 bytes but data_offsets [0, 8] span 8"},
      {"{\"w\":" + entry("F32", "[]", 0, 8) + "}", 8, "needs 4 bytes"},
      // 2^62·4·4 bytes wraps to exactly 0: must not pass as an empty tensor.
      {"{\"w\":" + entry("F32", "[4611686018427387904,4]", 0, 0) + "}", 0, "needs more than 2^64 bytes"},
      {"{\"w\":" + entry("F32", "[4294967296,4294967296]", 0, 0) + "}", 0, "needs more than 2^64 bytes"},
      {"{\"w\":" + entry("F32", "[4]", 0, 16) + "}", 8, "data_offsets [0, 16] out of range of the 8-byte data section"},
      {"{\"w\":" + entry("F32", "[0]", 9, 9) + "}", 8, "out of range"},
      {"{\"w\":" + entry("F32", "[1]", 8, 4) + "}", 8, "data_offsets [8, 4] with begin > end"},
      {"{\"w\":" + entry("F32", "[1]", 4, 8) + "}", 8,
       "gap of 4 bytes before tensor 'w' [4, 8] at the start of the data section"},
      {"{\"a\":" + entry("F32", "[1]", 0, 4) + ",\"b\":" + entry("F32", "[1]", 8, 12) + "}", 12,
       "gap of 4 bytes before tensor 'b' [8, 12] after tensor 'a' [0, 4]"},
      {"{\"a\":" + entry("F32", "[2]", 0, 8) + ",\"b\":" + entry("F32", "[2]", 4, 12) + "}", 12,
       "tensor 'b' [4, 12] overlaps tensor 'a' [0, 8]"},
      {"{\"a\":" + w + ",\"b\":" + w + "}", 8, "tensor 'b' [0, 8] overlaps tensor 'a' [0, 8]"},
      {"{\"a\":" + w + ",\"z\":" + entry("F32", "[0]", 4, 4) + "}", 8, "tensor 'z' [4, 4] overlaps tensor 'a' [0, 8]"},
      {"{\"a\":" + w + ",\"a\":" + w + "}", 8, "header has duplicate key 'a'"},
      {"{\"w\":" + w + "}", 12, "data section has 4 trailing bytes after the last tensor"},
      {"{}", 1, "data section has 1 trailing bytes"},
      {R"({"__metadata__":{}})", 4, "data section has 4 trailing bytes"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.header);
    check_rejected(raw_file(c.header, c.data), c.phrase);
  }
}

TEST_CASE("weight file accepts zero-size tensors at any boundary and padded headers") {
  const std::string header = "{\"a\":" + entry("F32", "[0,3]", 0, 0) + ",\"b\":" + entry("F32", "[1]", 0, 4) +
                             ",\"c\":" + entry("BF16", "[0]", 4, 4) + ",\"d\":" + entry("F32", "[0]", 4, 4) +
                             "}        ";
  const WeightFile wf = WeightFile::from_bytes(raw_file(header, float_bytes({3.0f})), "z.safetensors");
  CHECK(wf.tensor("a", {0, 3}).empty());
  CHECK(wf.tensor("b", {1})[0] == 3.0f);
  CHECK(wf.tensor("d", {0}).empty());
}

TEST_CASE("write_weight_file fails cleanly and leaves nothing behind") {
  TempDir dir;
  const std::string in_missing_dir = dir.file("no/such/dir/model.safetensors");
  std::string msg = error_of([&] { write_weight_file(in_missing_dir, kMetadata, sample_tensors()); });
  CHECK(msg.find(in_missing_dir + ": cannot create a temporary file beside it") == 0);
  CHECK(dir.entries() == 0);

  // The rename fails when the target is a directory; the temporary must go.
  const std::string target_dir = dir.file("model.safetensors");
  fs::create_directory(target_dir);
  msg = error_of([&] { write_weight_file(target_dir, kMetadata, sample_tensors()); });
  CHECK(msg.find(target_dir + ": cannot rename") == 0);
  CHECK(dir.entries() == 1);
  CHECK(fs::is_empty(target_dir));

  // Invalid tensors are refused before anything touches the disk.
  const std::string path = dir.file("w.safetensors");
  const struct {
    std::vector<WeightTensor> tensors;
    std::string phrase;
  } bad[] = {
      {{{"w", {2, 2}, {1, 2, 3}}}, "weight tensor 'w' has shape [2,2] but 3 values"},
      {{{"w", {-1}, {}}}, "weight tensor 'w' has negative dimension in shape [-1]"},
      {{{"w", {1}, {1}}, {"w", {1}, {2}}}, "weight tensor 'w' appears twice"},
      {{{"__metadata__", {1}, {1}}}, "weight tensor '__metadata__': the name is reserved"},
      {{{"w", {int64_t{1} << 62, 4}, {}}}, "weight tensor 'w' has shape [4611686018427387904,4] but 0 values"},
  };
  for (const auto& b : bad) {
    msg = error_of([&] { write_weight_file(path, {}, b.tensors); });
    CHECK(msg.find(path + ": " + b.phrase) == 0);
  }
  CHECK(error_of([&] { write_weight_file(path, {{"k", "\xff"}}, {}); })
            .find(path + ": weight file header cannot be written") == 0);
  CHECK(dir.entries() == 1);
  CHECK_FALSE(fs::exists(path));
}

}  // namespace matte
