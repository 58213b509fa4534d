// Small ONNX graphs built in tests, and edits of real ones.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <map>
#include <string>
#include <vector>

namespace matte::test {

inline onnx::ModelProto empty_model(int opset = 12) {
  onnx::ModelProto m;
  m.set_ir_version(7);
  m.set_producer_name("test");
  m.add_opset_import()->set_version(opset);
  return m;
}

inline void set_dims(onnx::TensorProto& t, const std::vector<int64_t>& dims) {
  t.clear_dims();
  for (int64_t d : dims) t.add_dims(d);
}

inline onnx::TensorProto float_tensor(const std::string& name, const std::vector<int64_t>& dims,
                                      const std::vector<float>& values) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  set_dims(t, dims);
  t.set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
  return t;
}

// fp16 bit patterns, stored as raw_data or (the other ONNX convention) one per int32_data entry.
inline onnx::TensorProto half_tensor(const std::string& name, const std::vector<int64_t>& dims,
                                     const std::vector<uint16_t>& bits, bool raw) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT16);
  set_dims(t, dims);
  if (raw) {
    t.set_raw_data(std::string(reinterpret_cast<const char*>(bits.data()), bits.size() * 2));
  } else {
    for (uint16_t b : bits) t.add_int32_data(b);
  }
  return t;
}

inline onnx::NodeProto& add_node(onnx::GraphProto& g, const std::string& op, std::initializer_list<std::string> inputs,
                                 std::initializer_list<std::string> outputs) {
  onnx::NodeProto& n = *g.add_node();
  n.set_op_type(op);
  for (const auto& i : inputs) n.add_input(i);
  for (const auto& o : outputs) n.add_output(o);
  return n;
}

inline void add_int_attr(onnx::NodeProto& n, const std::string& name, int64_t v) {
  auto& a = *n.add_attribute();
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INT);
  a.set_i(v);
}

inline void add_float_attr(onnx::NodeProto& n, const std::string& name, float v) {
  auto& a = *n.add_attribute();
  a.set_name(name);
  a.set_type(onnx::AttributeProto::FLOAT);
  a.set_f(v);
}

inline void add_tensor_attr(onnx::NodeProto& n, const std::string& name, const onnx::TensorProto& t) {
  auto& a = *n.add_attribute();
  a.set_name(name);
  a.set_type(onnx::AttributeProto::TENSOR);
  *a.mutable_t() = t;
}

// Renames every initializer to a plain number from `first` on, as some exporter versions name them.
inline void number_initializers(onnx::ModelProto& model, int first) {
  std::map<std::string, std::string> renamed;
  for (auto& init : *model.mutable_graph()->mutable_initializer()) {
    renamed[init.name()] = std::to_string(first + int(renamed.size()));
    init.set_name(renamed[init.name()]);
  }
  for (auto& node : *model.mutable_graph()->mutable_node()) {
    for (auto& in : *node.mutable_input()) {
      if (renamed.count(in)) in = renamed[in];
    }
  }
}

inline std::vector<uint8_t> serialize(const onnx::ModelProto& m) {
  std::string s;
  m.SerializeToString(&s);
  return {s.begin(), s.end()};
}

inline void write_bytes(const std::string& path, const void* data, size_t size) {
  std::ofstream(path, std::ios::binary).write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
}

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A fresh, empty directory under the build tree.
inline std::filesystem::path temp_dir(const std::string& name) {
  const auto dir = std::filesystem::path(MATTE_BINARY_DIR) / "test_tmp" / "convert" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace matte::test
