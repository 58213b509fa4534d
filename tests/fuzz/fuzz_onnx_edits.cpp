// The converter on the real RVM and BGMv2 graphs after edits the input drives: node inputs and
// outputs dropped, duplicated, reordered or rewired, op types and attributes changed, nodes removed
// or moved, initializers resized, retyped, truncated or removed, graph inputs and outputs dropped.
// Conversion must succeed or throw matte::Error. The input: one byte picks the model, then edits.
#include <array>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "engine/error.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/shared_models.h"
#include "tools/onnx2flat/convert.h"

namespace {

using matte::fuzz::FuzzInput;

std::array<onnx::ModelProto, 2> models;

onnx::ModelProto load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return matte::convert::parse_onnx(bytes, path);
}

template <class Field>
void erase_at(Field& field, size_t k) {
  field.erase(field.begin() + static_cast<long>(k));
}

const std::string& pick(FuzzInput& in, std::initializer_list<const char*> names, std::string& storage) {
  storage = *(names.begin() + in.index(names.size()));
  return storage;
}

void edit_attribute(FuzzInput& in, onnx::NodeProto& node) {
  std::string name;
  if (node.attribute_size() == 0 || in.byte() % 4 == 0) {
    auto& a = *node.add_attribute();
    a.set_name(pick(in, {"group", "kernel_shape", "pads", "strides", "dilations", "alpha", "beta", "epsilon",
                         "axis", "to", "output_width", "output_height", "sampling_ratio", "spatial_scale",
                         "coordinate_transformation_mode", "auto_pad", "min", "max", "value"},
                    name));
    a.set_type(onnx::AttributeProto::INT);
  }
  auto& a = *node.mutable_attribute(static_cast<int>(in.index(node.attribute_size())));
  switch (in.byte() % 8) {
    case 0: a.set_i(in.integer()); break;
    case 1: a.set_f(in.real()); break;
    case 2: a.add_ints(in.integer()); break;
    case 3: a.clear_ints(); break;
    case 4: a.set_s(pick(in, {"VALID", "SAME_UPPER", "half_pixel", "output_half_pixel", "NOTSET", ""}, name)); break;
    case 5: a.set_type(static_cast<onnx::AttributeProto::AttributeType>(in.byte() % 15)); break;
    case 6: a.mutable_t()->set_data_type(static_cast<int32_t>(in.byte() % 17)); break;
    default: erase_at(*node.mutable_attribute(), in.index(node.attribute_size())); break;
  }
}

void edit_node(FuzzInput& in, onnx::GraphProto& g) {
  auto& nodes = *g.mutable_node();
  if (nodes.empty()) return;
  const size_t k = in.index(nodes.size());
  onnx::NodeProto& n = nodes[static_cast<int>(k)];
  std::string op;
  const auto any = [&](int size) { return static_cast<int>(in.index(static_cast<size_t>(size))); };
  switch (in.byte() % 13) {
    case 0: if (n.input_size() > 0) erase_at(*n.mutable_input(), any(n.input_size())); break;
    case 1: if (n.output_size() > 0) erase_at(*n.mutable_output(), any(n.output_size())); break;
    case 2: if (n.input_size() > 0) n.add_input(n.input(any(n.input_size()))); break;
    case 3: if (n.input_size() > 1) n.mutable_input()->SwapElements(0, any(n.input_size())); break;
    case 4: n.clear_input(); break;
    case 5: n.clear_output(); break;
    case 6: {  // rewire an input to another node's output
      const auto& other = nodes[any(nodes.size())];
      if (n.input_size() > 0 && other.output_size() > 0) n.set_input(any(n.input_size()), other.output(0));
      break;
    }
    case 7:
      n.set_op_type(pick(in, {"Conv", "Relu", "Mul", "Add", "Sub", "Div", "GlobalAveragePool", "Identity", "Cast",
                              "Resize", "Clip", "HardSigmoid", "HardSwish", "BatchNormalization", "RoiAlign", "Gather",
                              "Concat", "TopK", "Greater", "Shape", "Sigmoid", "Tanh", "Constant", "Squeeze"},
                         op));
      break;
    case 8: edit_attribute(in, n); break;
    case 9: erase_at(nodes, k); break;
    case 10: nodes.SwapElements(static_cast<int>(k), any(nodes.size())); break;
    case 11: *g.add_node() = n; break;
    default: n.add_output(n.output_size() > 0 ? n.output(0) : "y"); break;
  }
}

void edit_initializer(FuzzInput& in, onnx::GraphProto& g) {
  auto& inits = *g.mutable_initializer();
  if (inits.empty()) return;
  const size_t k = in.index(inits.size());
  onnx::TensorProto& t = inits[static_cast<int>(k)];
  switch (in.byte() % 8) {
    case 0:
      if (t.dims_size() > 0) t.set_dims(static_cast<int>(in.index(t.dims_size())), in.integer());
      break;
    case 1: t.add_dims(in.integer()); break;
    case 2: t.clear_dims(); break;
    case 3: t.set_data_type(static_cast<int32_t>(in.byte() % 17)); break;
    case 4: t.mutable_raw_data()->resize(in.index(t.raw_data().size() + 1)); break;
    case 5: t.set_data_location(onnx::TensorProto::EXTERNAL); break;
    case 6: t.set_name(inits[static_cast<int>(in.index(inits.size()))].name()); break;
    default: erase_at(inits, k); break;
  }
}

template <class Values>
void edit_values(FuzzInput& in, Values& values) {
  if (values.empty()) return;
  if (in.byte() % 2 == 0) {
    erase_at(values, in.index(values.size()));
  } else {
    values[static_cast<int>(in.index(values.size()))].set_name(in.text());
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  models[0] = load(matte::test::require_shared(matte::fuzz::kRvmModel));
  models[1] = load(matte::test::require_shared(matte::fuzz::kBgmModel));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in({data, size});
  onnx::ModelProto model = models[in.byte() % models.size()];
  onnx::GraphProto& g = *model.mutable_graph();
  while (!in.empty()) {
    switch (in.byte() % 4) {
      case 0: edit_node(in, g); break;
      case 1: edit_initializer(in, g); break;
      case 2: edit_values(in, *g.mutable_input()); break;
      default: edit_values(in, *g.mutable_output()); break;
    }
  }
  try {
    matte::convert::convert_model(model, "fuzz.onnx", "");
  } catch (const matte::Error&) {
  }
  return 0;
}
