// The converter on the shared RVM model, edited copies of it, and the onnx2flat command line.
#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/error.h"
#include "engine/sha256.h"
#include "engine/weight_file.h"
#include "models/rvm_mobilenetv3/layers.h"
#include "tests/convert/onnx_builder.h"
#include "tests/shared_data.h"
#include "tools/onnx2flat/cli.h"
#include "tools/onnx2flat/convert.h"

namespace matte {

namespace {

const char* const kRvm = "models/rvm_mobilenetv3_fp32.onnx";

onnx::ModelProto load(const std::string& path) { return convert::parse_onnx(test::read_bytes(path), path); }

std::map<std::string, const WeightTensor*> by_name(const ConvertedModel& m) {
  std::map<std::string, const WeightTensor*> out;
  for (const auto& t : m.tensors) out[t.name] = &t;
  return out;
}

// Runs onnx2flat in-process; returns the exit code, stderr in `err`.
int run(const std::vector<std::string>& args, std::string& err) {
  std::ostringstream out_stream, err_stream;
  const int code = run_onnx2flat(args, out_stream, err_stream);
  err = err_stream.str();
  return code;
}

onnx::TensorProto* initializer(onnx::ModelProto& m, const std::string& name) {
  for (auto& t : *m.mutable_graph()->mutable_initializer()) {
    if (t.name() == name) return &t;
  }
  return nullptr;
}

// The exporter's module scope in a node name, e.g. "/backbone/features.1/block/block.0/block.0.0/Conv"
// -> "backbone.features.1.block.0.0" (each scope repeats its parent's last component).
std::string module_path(const std::string& node_name) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(node_name.substr(1));
  while (std::getline(in, part, '/')) {
    if (!parts.empty() && part.starts_with(parts.back() + ".")) {
      parts.back() = part;
    } else {
      parts.push_back(part);
    }
  }
  parts.pop_back();  // "Conv"
  std::string path;
  for (const auto& p : parts) path += (path.empty() ? "" : ".") + p;
  return path;
}

}  // namespace

TEST_CASE("convert: the shared RVM model converts with the expected tensors and metadata") {
  const std::string path = test::require_shared(kRvm);
  const ConvertedModel m = convert_onnx(path);
  CHECK(m.tensors.size() == 162);
  CHECK(m.metadata.at("architecture") == "rvm_mobilenetv3");
  CHECK(m.metadata.at("format_version") == "1");
  CHECK(m.metadata.at("converter_version") == convert::converter_version());
  CHECK(!convert::converter_version().empty());
  CHECK(m.metadata.at("source_sha256") == sha256_file_hex(path));
  CHECK(m.metadata.at("source_sha256") == "ec18566632803f60d4bcc9f5d840d464947595df8fe529f2eed1d7301746c62e");
  CHECK(m.metadata.at("source_opset") == "12");
  const auto settings = nlohmann::json::parse(m.metadata.at("settings"));
  CHECK(settings.at("refiner") == "deep_guided_filter");
  CHECK(settings.at("weight_layout") == "OIHW");
  CHECK(settings.at("downsample_ratio") == "input");
  CHECK(settings.at("source_precision") == "float32");
  CHECK(settings.at("batchnorm_folded_by_converter") == 0);

  const auto t = by_name(m);
  CHECK(t.at("backbone.features.0.0.weight")->shape == std::vector<int64_t>{16, 3, 3, 3});
  CHECK(t.at("backbone.features.15.block.1.0.weight")->shape == std::vector<int64_t>{960, 1, 5, 5});
  CHECK(t.at("backbone.features.4.block.2.fc1.weight")->shape == std::vector<int64_t>{24, 72, 1, 1});
  CHECK(t.at("aspp.aspp2.1.weight")->shape == std::vector<int64_t>{128, 960, 1, 1});
  CHECK(t.count("aspp.aspp2.1.bias") == 0);
  CHECK(t.at("decoder.decode3.conv.0.weight")->shape == std::vector<int64_t>{80, 171, 3, 3});
  CHECK(t.at("decoder.decode4.gru.hh.0.weight")->shape == std::vector<int64_t>{64, 128, 3, 3});
  CHECK(t.at("refiner.conv.0.weight")->shape == std::vector<int64_t>{16, 24, 1, 1});
  CHECK(t.at("refiner.conv.6.bias")->values.size() == 4);
  for (float v : t.at("refiner.box_filter.weight")->values) CHECK(v == doctest::Approx(1.0f / 9.0f));

  // Every table entry is present with its shape, and the file reads back.
  for (const auto& layer : rvm::conv_layers()) {
    CAPTURE(layer.name);
    REQUIRE(t.count(weight_name(layer)) == 1);
    CHECK(t.at(weight_name(layer))->shape == weight_shape(layer));
    CHECK(t.count(bias_name(layer)) == (layer.bias ? 1u : 0u));
  }
  const WeightFile file = WeightFile::from_bytes(serialize_weight_file(m.metadata, m.tensors), "converted");
  CHECK(file.meta("architecture") == "rvm_mobilenetv3");
  const auto stem = file.tensor("backbone.features.0.0.weight", {16, 3, 3, 3});
  CHECK(std::equal(stem.begin(), stem.end(), t.at("backbone.features.0.0.weight")->values.begin()));
}

TEST_CASE("convert: every layer holds the weights of the module the exporter named it after") {
  // This file's node names carry the PyTorch module path; the converter never reads them, so
  // they check the structural walk independently.
  const std::string path = test::require_shared(kRvm);
  const auto model = load(path);
  const convert::Graph graph(model.graph(), path);
  const auto converted = convert_onnx(path);
  const auto t = by_name(converted);
  int checked = 0;
  for (const auto& node : model.graph().node()) {
    if (node.op_type() != "Conv") continue;
    std::string name = module_path(node.name());
    if (name.starts_with("refiner.box_filter")) name = "refiner.box_filter";  // one filter applied 4 times
    CAPTURE(name);
    REQUIRE(t.count(name + ".weight") == 1);
    CHECK(t.at(name + ".weight")->values == graph.constant_values(node.input(1), node));
    if (node.input_size() > 2) CHECK(t.at(name + ".bias")->values == graph.constant_values(node.input(2), node));
    ++checked;
  }
  CHECK(checked == 85);
}

TEST_CASE("convert: initializer names do not matter") {
  const std::string path = test::require_shared(kRvm);
  auto model = load(path);
  const auto reference = convert::convert_model(model, path, "sha");
  test::number_initializers(model, 1000);
  const auto converted = convert::convert_model(model, path, "sha");
  CHECK(serialize_weight_file(converted.metadata, converted.tensors) ==
        serialize_weight_file(reference.metadata, reference.tensors));
}

TEST_CASE("convert: box filter weights may be duplicated per application, not different") {
  const std::string path = test::require_shared(kRvm);
  auto model = load(path);
  const auto reference = convert::convert_model(model, path, "sha");
  auto& g = *model.mutable_graph();
  onnx::NodeProto* last_box = nullptr;
  for (auto& n : *g.mutable_node()) {
    if (n.op_type() == "Conv" && n.input(1) == "refiner.box_filter.weight") last_box = &n;
  }
  REQUIRE(last_box != nullptr);
  onnx::TensorProto copy = *initializer(model, "refiner.box_filter.weight");
  copy.set_name("box_copy");
  *g.add_initializer() = copy;
  last_box->set_input(1, "box_copy");
  const auto converted = convert::convert_model(model, path, "sha");
  CHECK(serialize_weight_file(converted.metadata, converted.tensors) ==
        serialize_weight_file(reference.metadata, reference.tensors));
  (*copy.mutable_raw_data())[0] ^= 1;
  *initializer(model, "box_copy") = copy;
  CHECK_THROWS_WITH_AS(
      convert::convert_model(model, path, "sha"),
      doctest::Contains("not an RVM MobileNetV3 graph (unrecognised Conv '/refiner/box_filter_3/Conv'"), Error);
}

TEST_CASE("convert: an fp16 copy converts to the fp32 weights within half precision") {
  const std::string path = test::require_shared(kRvm);
  auto model = load(path);
  const auto fp32 = convert::convert_model(model, path, "sha");
  const auto reference = by_name(fp32);
  const auto to_half = [](float f) {
    // Round to nearest via the float's bits; the weights are all normal and far below 65504.
    const uint32_t x = std::bit_cast<uint32_t>(f);
    const uint32_t sign = (x >> 16) & 0x8000u;
    const int exponent = static_cast<int>((x >> 23) & 0xff) - 127 + 15;
    if (exponent <= 0) return static_cast<uint16_t>(sign);  // flush tiny values
    const uint32_t rounded = (x & 0x7fffffu) + 0x1000u;
    return static_cast<uint16_t>(sign | ((static_cast<uint32_t>(exponent) << 10) + (rounded >> 13)));
  };
  bool raw = true;
  for (auto& init : *model.mutable_graph()->mutable_initializer()) {
    if (init.data_type() != onnx::TensorProto::FLOAT) continue;
    const auto values = convert::tensor_values(init, path);
    std::vector<uint16_t> bits(values.size());
    std::transform(values.begin(), values.end(), bits.begin(), to_half);
    std::vector<int64_t> dims(init.dims().begin(), init.dims().end());
    init = test::half_tensor(init.name(), dims, bits, raw);
    raw = !raw;  // both storage conventions
  }
  const auto converted = convert::convert_model(model, path, "sha");
  CHECK(nlohmann::json::parse(converted.metadata.at("settings")).at("source_precision") == "float16");
  for (const auto& t : converted.tensors) {
    CAPTURE(t.name);
    const auto& want = reference.at(t.name)->values;
    REQUIRE(t.values.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      if (std::abs(t.values[i] - want[i]) > std::abs(want[i]) * 1e-3f + 1e-4f)
        FAIL("value " << i << ": " << t.values[i] << " vs " << want[i]);
    }
  }
}

TEST_CASE("convert: an unfolded BatchNormalization gives the same weights") {
  const std::string path = test::require_shared(kRvm);
  auto model = load(path);
  const auto reference = convert::convert_model(model, path, "sha");
  // Split the stem conv into Conv(w/2, no bias) + BatchNormalization(scale 2, shift bias, mean 0,
  // var 1, eps 0): folding must restore w and bias exactly (powers of two).
  auto& g = *model.mutable_graph();
  const auto stem_it = std::find_if(g.mutable_node()->begin(), g.mutable_node()->end(),
                                    [](const auto& n) { return n.op_type() == "Conv"; });
  REQUIRE(stem_it != g.mutable_node()->end());
  onnx::NodeProto& stem = *stem_it;
  onnx::TensorProto* w = initializer(model, stem.input(1));
  std::vector<float> halved = convert::tensor_values(*w, path);
  for (float& v : halved) v *= 0.5f;
  *w = test::float_tensor(w->name(), {16, 3, 3, 3}, halved);
  const std::string bias = stem.input(2), conv_out = stem.output(0);
  stem.mutable_input()->RemoveLast();
  stem.set_output(0, "unfolded_conv");
  *g.add_initializer() = test::float_tensor("bn_scale", {16}, std::vector<float>(16, 2.0f));
  *g.add_initializer() = test::float_tensor("bn_mean", {16}, std::vector<float>(16, 0.0f));
  *g.add_initializer() = test::float_tensor("bn_var", {16}, std::vector<float>(16, 1.0f));
  onnx::NodeProto bn;
  bn.set_op_type("BatchNormalization");
  for (const auto& in :
       {std::string("unfolded_conv"), std::string("bn_scale"), bias, std::string("bn_mean"), std::string("bn_var")})
    bn.add_input(in);
  bn.add_output(conv_out);
  test::add_float_attr(bn, "epsilon", 0.0f);
  // Keep topological order: the BatchNormalization goes right after the stem.
  const int stem_index = static_cast<int>(stem_it - g.mutable_node()->begin());
  *g.add_node() = bn;
  for (int i = g.node_size() - 1; i > stem_index + 1; --i) g.mutable_node()->SwapElements(i, i - 1);

  const auto converted = convert::convert_model(model, path, "sha");
  CHECK(nlohmann::json::parse(converted.metadata.at("settings")).at("batchnorm_folded_by_converter") == 1);
  REQUIRE(converted.tensors.size() == reference.tensors.size());
  for (size_t i = 0; i < converted.tensors.size(); ++i) {
    CAPTURE(converted.tensors[i].name);
    CHECK(converted.tensors[i].values == reference.tensors[i].values);
  }
}

TEST_CASE("onnx2flat: converting twice writes identical files") {
  const std::string path = test::require_shared(kRvm);
  const auto dir = test::temp_dir("twice");
  std::string err;
  REQUIRE(run({path, (dir / "a.safetensors").string()}, err) == 0);
  REQUIRE(run({path, (dir / "b.safetensors").string()}, err) == 0);
  const auto a = test::read_bytes((dir / "a.safetensors").string());
  CHECK(a.size() > 14'000'000);
  CHECK(a == test::read_bytes((dir / "b.safetensors").string()));
  const WeightFile file = WeightFile::open((dir / "a.safetensors").string());
  CHECK(file.names().size() == 162);
  CHECK(file.meta("source_sha256") == sha256_file_hex(path));
}

TEST_CASE("onnx2flat: bad inputs fail with one line naming the file and leave no output") {
  const std::string rvm = test::require_shared(kRvm);
  const auto dir = test::temp_dir("bad_inputs");
  const auto bytes = test::read_bytes(rvm);
  const auto make = [&](const std::string& name, const void* data, size_t size) {
    const std::string p = (dir / name).string();
    test::write_bytes(p, data, size);
    return p;
  };
  const std::string text = "this is a text file, not a model\n";
  std::vector<uint8_t> noise(1 << 16);
  uint32_t state = 7;
  for (auto& b : noise) b = static_cast<uint8_t>((state = state * 1664525u + 1013904223u) >> 24);

  auto missing_weight = load(rvm);
  const auto& nodes = missing_weight.graph().node();
  const std::string dropped =
      std::find_if(nodes.begin(), nodes.end(), [](const auto& n) { return n.op_type() == "Conv"; })->input(1);
  auto& inits = *missing_weight.mutable_graph()->mutable_initializer();
  inits.erase(std::find_if(inits.begin(), inits.end(), [&](const auto& t) { return t.name() == dropped; }));
  const auto missing_bytes = test::serialize(missing_weight);

  // A valid model of neither architecture: one Relu on input x.
  auto neither = test::empty_model();
  neither.mutable_graph()->add_input()->set_name("x");
  neither.mutable_graph()->add_output()->set_name("y");
  test::add_node(*neither.mutable_graph(), "Relu", {"x"}, {"y"});
  const auto neither_bytes = test::serialize(neither);

  auto wrong_shape = load(rvm);
  test::set_dims(*initializer(wrong_shape, "project_mat.conv.weight"), {2, 32, 1, 1});
  const auto wrong_bytes = test::serialize(wrong_shape);

  const struct {
    std::string input, problem;
  } cases[] = {
      {(dir / "absent.onnx").string(), "no such file"},
      {make("text.onnx", text.data(), text.size()), "not an ONNX model"},
      {make("noise.onnx", noise.data(), noise.size()), "not an ONNX model"},
      {make("truncated.onnx", bytes.data(), 1 << 20), "truncated ONNX file"},
      {make("neither.onnx", neither_bytes.data(), neither_bytes.size()),
       "no network recognised (inputs: x; RVM MobileNetV3: no graph input 'src'; RVM ResNet50: no graph input "
       "'src'; BGMv2 MobileNetV2: no graph input 'src')"},
      {make("missing.onnx", missing_bytes.data(), missing_bytes.size()),
       "needs tensor '" + dropped + "', which is missing"},
      {make("shape.onnx", wrong_bytes.data(), wrong_bytes.size()),
       "project_mat.conv (Conv '/project_mat/conv/Conv' (output '/project_mat/conv/Conv_output_0')): weight shape "
       "[2,32,1,1], expected [4,16,1,1]"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    const std::string out = (dir / "out.safetensors").string();
    std::string err;
    CHECK(run({c.input, out}, err) == 1);
    CHECK(err.starts_with("onnx2flat: " + c.input + ": "));
    CHECK_MESSAGE(err.find(c.problem) != std::string::npos, err);
    CHECK(std::count(err.begin(), err.end(), '\n') == 1);
    CHECK(!std::filesystem::exists(out));
  }
  // Nothing but the inputs made above: no output and no temporary files.
  CHECK(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()) == 6);
}

TEST_CASE("onnx2flat: usage errors exit 2, --help and --version exit 0, --dump lists the graph") {
  std::string err;
  for (const char* flag : {"--help", "-h", "--version"}) {
    std::ostringstream out, flag_err;
    CHECK(run_onnx2flat({flag}, out, flag_err) == 0);
    CHECK(flag_err.str().empty());
    CHECK(out.str().find(std::string(flag) == "--version" ? "onnx2flat " : "usage: onnx2flat") == 0);
  }
  CHECK(run({}, err) == 2);
  CHECK(err.find("usage:") != std::string::npos);
  CHECK(run({"a.onnx"}, err) == 2);
  CHECK(run({"-x", "a.onnx"}, err) == 2);
  CHECK(run({"a.onnx", "./a.onnx"}, err) == 2);
  CHECK(err.find("is the input file") != std::string::npos);

  const std::string path = test::require_shared(kRvm);
  std::ostringstream out, dump_err;
  CHECK(run_onnx2flat({"--dump", path}, out, dump_err) == 0);
  const std::string listing = out.str();
  CHECK(listing.find("opset '' 12") != std::string::npos);
  CHECK(listing.find("input r4i") != std::string::npos);
  CHECK(listing.find("initializer project_mat.conv.weight FLOAT[4,16,1,1]") != std::string::npos);
  CHECK(listing.find("group=960 kernel_shape=[5,5] pads=[4,4,4,4]") != std::string::npos);
}

}  // namespace matte
