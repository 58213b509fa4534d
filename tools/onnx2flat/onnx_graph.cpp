#include "tools/onnx2flat/onnx_graph.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format.h>

#include <bit>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "engine/error.h"
#include "tools/onnx2flat/parse_cost.h"

namespace matte::convert {

namespace {

using google::protobuf::internal::WireFormat;
using google::protobuf::internal::WireFormatLite;

// Walks the top-level fields of a ModelProto without parsing them, to tell a file cut short
// ("truncated") from bytes that never were ONNX.
std::string diagnose_unparsable(std::span<const uint8_t> bytes) {
  google::protobuf::io::CodedInputStream in(bytes.data(), static_cast<int>(bytes.size()));
  const auto* descriptor = onnx::ModelProto::descriptor();
  bool any_field = false;
  while (true) {
    const uint32_t tag = in.ReadTag();
    if (tag == 0) return in.ExpectAtEnd() ? "corrupt ONNX model" : "not an ONNX model";
    const auto* field = descriptor->FindFieldByNumber(static_cast<int>(WireFormatLite::GetTagFieldNumber(tag)));
    if (field == nullptr || WireFormatLite::GetTagWireType(tag) != WireFormat::WireTypeForField(field)) {
      return "not an ONNX model";
    }
    uint64_t value = 0;
    uint32_t length = 0;
    bool ok = true;
    if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_INT64) {
      ok = in.ReadVarint64(&value);
    } else {
      ok = in.ReadVarint32(&length) && in.Skip(static_cast<int>(length));
    }
    if (!ok) return any_field ? "truncated ONNX file" : "not an ONNX model";
    any_field = true;
  }
}

void check_size(uint64_t size, const std::string& origin) {
  if (size > static_cast<uint64_t>(INT_MAX)) throw Error(origin + ": file too large for protobuf (2 GB or more)");
}

// The product of the dims; throws Error for a negative one, external data, or 2^64 elements or more.
uint64_t element_count(const onnx::TensorProto& tensor, const std::string& what) {
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    throw Error(what + " uses external data, which is not supported");
  }
  uint64_t count = 1;
  bool overflow = false;
  for (int64_t d : tensor.dims()) {
    if (d < 0) throw Error(what + " has a negative dimension in " + shape_text(tensor_dims(tensor)));
    overflow |= __builtin_mul_overflow(count, static_cast<uint64_t>(d), &count);
  }
  if (overflow) throw Error(what + " has dims " + shape_text(tensor_dims(tensor)) + ", more than 2^64 elements");
  return count;
}

// Whether `raw` holds exactly `count` elements of `width` bytes; compared without multiplying.
void check_raw_size(uint64_t count, const std::string& raw, size_t width, const std::string& what) {
  if (raw.size() % width != 0 || raw.size() / width != count) {
    throw Error(what + " has " + std::to_string(count) + " elements but " + std::to_string(raw.size()) +
                " bytes of raw_data (" + std::to_string(width) + " per element)");
  }
}

void check_field_size(uint64_t count, int stored, const char* field, const std::string& what) {
  if (static_cast<uint64_t>(stored) != count) {
    throw Error(what + " has " + std::to_string(count) + " elements but " + std::to_string(stored) + " in " + field);
  }
}

// ONNX's required inputs of the ops the converter reads; other ops are not looked into.
int required_inputs(const std::string& op) {
  static const std::map<std::string, int> required = {
      {"Conv", 2},     {"BatchNormalization", 5}, {"Add", 2},       {"Sub", 2},      {"Mul", 2},
      {"Div", 2},      {"Greater", 2},            {"Gather", 2},    {"TopK", 2},     {"RoiAlign", 3},
      {"Clip", 1},     {"Resize", 1},             {"Concat", 1},    {"Cast", 1},     {"Identity", 1},
      {"Squeeze", 1},  {"Unsqueeze", 1},          {"Relu", 1},      {"Sigmoid", 1},  {"Tanh", 1},
      {"HardSigmoid", 1}, {"HardSwish", 1},       {"Shape", 1},     {"GlobalAveragePool", 1}};
  const auto it = required.find(op);
  return it == required.end() ? 0 : it->second;
}

}  // namespace

std::vector<uint8_t> read_onnx_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error(path + ": no such file");
  if (!std::filesystem::is_regular_file(path, ec)) throw Error(path + ": not a regular file");
  std::ifstream in(path, std::ios::binary);
  const auto size = std::filesystem::file_size(path, ec);
  if (!in || ec) throw Error(path + ": cannot open file");
  check_size(size, path);
  std::vector<uint8_t> bytes(size);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size)))
    throw Error(path + ": read error");
  return bytes;
}

onnx::ModelProto parse_onnx(std::span<const uint8_t> bytes, const std::string& origin) {
  check_size(bytes.size(), origin);
  if (bytes.empty()) throw Error(origin + ": empty file, not an ONNX model");
  // A real model's parse takes about its file size (the weights are raw bytes); a crafted one,
  // e.g. millions of empty nodes, could take a hundred times that.
  const uint64_t budget = 4 * uint64_t{bytes.size()} + (uint64_t{64} << 20);
  if (const auto cost = parse_cost(bytes, *onnx::ModelProto::descriptor(), budget); cost && *cost > budget) {
    throw Error(origin + ": not a plausible ONNX model: parsing its " + std::to_string(bytes.size()) +
                " bytes would take over " + std::to_string(budget >> 20) + " MB");
  }
  onnx::ModelProto model;
  google::protobuf::io::CodedInputStream in(bytes.data(), static_cast<int>(bytes.size()));
  in.SetTotalBytesLimit(INT_MAX);
  if (!model.ParseFromCodedStream(&in) || !in.ConsumedEntireMessage()) {
    throw Error(origin + ": " + diagnose_unparsable(bytes));
  }
  // Arbitrary bytes occasionally parse as a protobuf message; a real model has all of these.
  if (model.ir_version() <= 0 || !model.has_graph() || model.graph().node_size() == 0 ||
      model.opset_import_size() == 0) {
    throw Error(origin + ": not an ONNX model (no ir_version, opset or graph nodes)");
  }
  return model;
}

float half_to_float(uint16_t bits) {
  const uint32_t sign = uint32_t{bits & 0x8000u} << 16;
  const uint32_t exponent = (bits >> 10) & 0x1f;
  uint32_t mantissa = bits & 0x3ff;
  uint32_t out;
  if (exponent == 0x1f) {
    out = sign | 0x7f800000u | mantissa << 13;
  } else if (exponent != 0) {
    out = sign | (exponent + 112) << 23 | mantissa << 13;
  } else if (mantissa == 0) {
    out = sign;
  } else {
    // Subnormal half: normalise into a float exponent.
    int e = -1;
    do {
      mantissa <<= 1;
      ++e;
    } while ((mantissa & 0x400) == 0);
    out = sign | static_cast<uint32_t>(112 - e) << 23 | (mantissa & 0x3ff) << 13;
  }
  return std::bit_cast<float>(out);
}

std::vector<int64_t> tensor_dims(const onnx::TensorProto& tensor) {
  return {tensor.dims().begin(), tensor.dims().end()};
}

std::vector<float> tensor_values(const onnx::TensorProto& tensor, const std::string& origin) {
  const std::string what = origin + ": tensor '" + tensor.name() + "'";
  const uint64_t count = element_count(tensor, what);
  const std::string& raw = tensor.raw_data();
  const auto type = tensor.data_type();
  if (type == onnx::TensorProto::FLOAT) {
    if (!raw.empty()) {
      check_raw_size(count, raw, 4, what);
      std::vector<float> values(count);
      std::memcpy(values.data(), raw.data(), raw.size());
      return values;
    }
    check_field_size(count, tensor.float_data_size(), "float_data", what);
    return {tensor.float_data().begin(), tensor.float_data().end()};
  }
  if (type == onnx::TensorProto::FLOAT16 || type == onnx::TensorProto::BFLOAT16) {
    const auto widen = [type](uint16_t bits) {
      return type == onnx::TensorProto::FLOAT16 ? half_to_float(bits) : std::bit_cast<float>(uint32_t{bits} << 16);
    };
    if (raw.empty()) {
      check_field_size(count, tensor.int32_data_size(), "int32_data", what);
    } else {
      check_raw_size(count, raw, 2, what);
    }
    std::vector<float> values(count);
    for (size_t i = 0; i < count; ++i) {
      uint16_t bits;
      if (raw.empty()) {
        bits = static_cast<uint16_t>(tensor.int32_data(static_cast<int>(i)));
      } else {
        std::memcpy(&bits, raw.data() + 2 * i, 2);
      }
      values[i] = widen(bits);
    }
    return values;
  }
  throw Error(what + " has data type " + onnx::TensorProto::DataType_Name(type) + ", expected FLOAT or FLOAT16");
}

std::vector<int64_t> tensor_ints(const onnx::TensorProto& tensor, const std::string& origin) {
  const std::string what = origin + ": tensor '" + tensor.name() + "'";
  const uint64_t count = element_count(tensor, what);
  const auto type = tensor.data_type();
  if (type != onnx::TensorProto::INT64 && type != onnx::TensorProto::INT32) {
    throw Error(what + " has data type " + onnx::TensorProto::DataType_Name(type) + ", expected INT64 or INT32");
  }
  const std::string& raw = tensor.raw_data();
  const size_t width = type == onnx::TensorProto::INT64 ? 8 : 4;
  if (raw.empty()) {
    const bool wide = width == 8;
    check_field_size(count, wide ? tensor.int64_data_size() : tensor.int32_data_size(),
                     wide ? "int64_data" : "int32_data", what);
  } else {
    check_raw_size(count, raw, width, what);
  }
  std::vector<int64_t> values(count);
  if (!raw.empty()) {
    for (size_t i = 0; i < count; ++i) {
      if (width == 8) {
        std::memcpy(&values[i], raw.data() + 8 * i, 8);
      } else {
        int32_t v;
        std::memcpy(&v, raw.data() + 4 * i, 4);
        values[i] = v;
      }
    }
    return values;
  }
  for (size_t i = 0; i < count; ++i) {
    const int k = static_cast<int>(i);
    values[i] = width == 8 ? tensor.int64_data(k) : tensor.int32_data(k);
  }
  return values;
}

const onnx::AttributeProto* find_attribute(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& a : node.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

int64_t int_attribute(const onnx::NodeProto& node, const std::string& name, int64_t fallback) {
  const auto* a = find_attribute(node, name);
  return a ? a->i() : fallback;
}

float float_attribute(const onnx::NodeProto& node, const std::string& name, float fallback) {
  const auto* a = find_attribute(node, name);
  return a ? a->f() : fallback;
}

std::vector<int64_t> ints_attribute(const onnx::NodeProto& node, const std::string& name) {
  const auto* a = find_attribute(node, name);
  if (a == nullptr) return {};
  return {a->ints().begin(), a->ints().end()};
}

bool has_value(const google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>& values, const std::string& name) {
  for (const auto& v : values) {
    if (v.name() == name) return true;
  }
  return false;
}

std::string describe(const onnx::NodeProto& node) {
  std::string s = node.op_type();
  if (!node.name().empty()) s += " '" + node.name() + "'";
  if (node.output_size() > 0) s += " (output '" + node.output(0) + "')";
  return s;
}

Graph::Graph(const onnx::GraphProto& graph, std::string origin) : graph_(graph), origin_(std::move(origin)) {
  for (const auto& t : graph.initializer()) constants_[t.name()] = &t;
  for (const auto& node : graph.node()) {
    if (node.output_size() == 0) throw Error(origin_ + ": " + describe(node) + " has no output");
    if (const int required = required_inputs(node.op_type()); node.input_size() < required) {
      throw Error(origin_ + ": " + describe(node) + " has " + std::to_string(node.input_size()) + " inputs, " +
                  node.op_type() + " needs " + std::to_string(required));
    }
    for (const auto& out : node.output()) {
      if (!out.empty()) producers_[out] = &node;
    }
    for (const auto& in : node.input()) {
      if (!in.empty()) consumers_[in].push_back(&node);
    }
    if (node.op_type() == "Constant" && node.output_size() == 1) {
      if (const auto* a = find_attribute(node, "value"); a && a->has_t()) constants_[node.output(0)] = &a->t();
    }
    // fp16 exports sometimes widen weights with a Cast; the values are read as float anyway.
    const bool passes_through = node.op_type() == "Identity" ||
                                (node.op_type() == "Cast" && int_attribute(node, "to", 0) == onnx::TensorProto::FLOAT);
    if (passes_through && node.input_size() == 1 && node.output_size() == 1) {
      if (const auto* t = constant(node.input(0))) constants_[node.output(0)] = t;
    }
  }
}

const onnx::NodeProto* Graph::producer(const std::string& value) const {
  const auto it = producers_.find(value);
  return it == producers_.end() ? nullptr : it->second;
}

const std::vector<const onnx::NodeProto*>& Graph::consumers(const std::string& value) const {
  static const std::vector<const onnx::NodeProto*> none;
  const auto it = consumers_.find(value);
  return it == consumers_.end() ? none : it->second;
}

const onnx::TensorProto* Graph::constant(const std::string& value) const {
  const auto it = constants_.find(value);
  return it == constants_.end() ? nullptr : it->second;
}

const onnx::TensorProto& Graph::require_constant(const std::string& value, const onnx::NodeProto& user) const {
  const auto* t = constant(value);
  if (t == nullptr) throw Error(origin_ + ": " + describe(user) + " needs tensor '" + value + "', which is missing");
  return *t;
}

std::vector<float> Graph::constant_values(const std::string& value, const onnx::NodeProto& user) const {
  return tensor_values(require_constant(value, user), origin_ + ": " + describe(user));
}

std::vector<int64_t> Graph::constant_dims(const std::string& value, const onnx::NodeProto& user) const {
  return tensor_dims(require_constant(value, user));
}

std::optional<float> Graph::scalar(const std::string& value) const {
  const auto* t = constant(value);
  if (t == nullptr) return std::nullopt;
  const auto type = t->data_type();
  if (type != onnx::TensorProto::FLOAT && type != onnx::TensorProto::FLOAT16 && type != onnx::TensorProto::BFLOAT16)
    return std::nullopt;
  const auto values = tensor_values(*t, origin_);
  if (values.size() != 1) return std::nullopt;
  return values[0];
}

namespace {

std::string value_info_text(const onnx::ValueInfoProto& v) {
  std::string s = v.name();
  if (v.type().has_tensor_type() && v.type().tensor_type().has_shape()) {
    s += " [";
    const auto& dims = v.type().tensor_type().shape().dim();
    for (int i = 0; i < dims.size(); ++i) {
      s += i ? "," : "";
      s += dims[i].has_dim_value() ? std::to_string(dims[i].dim_value()) : dims[i].dim_param();
    }
    s += "]";
  }
  return s;
}

std::string attribute_text(const onnx::AttributeProto& a) {
  std::string s = a.name() + "=";
  switch (a.type()) {
    case onnx::AttributeProto::INT:
      return s + std::to_string(a.i());
    case onnx::AttributeProto::FLOAT:
      return s + std::to_string(a.f());
    case onnx::AttributeProto::STRING:
      return s + "'" + a.s() + "'";
    case onnx::AttributeProto::INTS:
      return s + shape_text({a.ints().begin(), a.ints().end()});
    case onnx::AttributeProto::FLOATS: {
      s += "[";
      for (int i = 0; i < a.floats_size(); ++i) {
        if (i) s += ",";
        s += std::to_string(a.floats(i));
      }
      return s + "]";
    }
    case onnx::AttributeProto::TENSOR:
      return s + "tensor " + onnx::TensorProto::DataType_Name(a.t().data_type()) + shape_text(tensor_dims(a.t()));
    default:
      return s + "<" + onnx::AttributeProto::AttributeType_Name(a.type()) + ">";
  }
}

}  // namespace

void dump_model(const onnx::ModelProto& model, std::ostream& out) {
  out << "ir_version " << model.ir_version() << ", producer '" << model.producer_name() << " "
      << model.producer_version() << "'\n";
  for (const auto& op : model.opset_import()) out << "opset '" << op.domain() << "' " << op.version() << "\n";
  const auto& g = model.graph();
  for (const auto& v : g.input()) out << "input " << value_info_text(v) << "\n";
  for (const auto& v : g.output()) out << "output " << value_info_text(v) << "\n";
  for (const auto& t : g.initializer()) {
    out << "initializer " << t.name() << " " << onnx::TensorProto::DataType_Name(t.data_type())
        << shape_text(tensor_dims(t)) << "\n";
  }
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& n = g.node(i);
    out << "#" << i << " " << n.op_type();
    if (!n.name().empty()) out << " '" << n.name() << "'";
    out << " (";
    for (int k = 0; k < n.input_size(); ++k) out << (k ? ", " : "") << n.input(k);
    out << ") -> (";
    for (int k = 0; k < n.output_size(); ++k) out << (k ? ", " : "") << n.output(k);
    out << ")";
    for (const auto& a : n.attribute()) out << " " << attribute_text(a);
    out << "\n";
  }
}

}  // namespace matte::convert
