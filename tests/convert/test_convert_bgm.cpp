// The converter on the shared BackgroundMattingV2 models (five exports of one set of weights),
// edited copies of them, and ReLU6 matching on graphs built here.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/error.h"
#include "engine/sha256.h"
#include "engine/weight_file.h"
#include "models/bgm_mobilenetv2/layers.h"
#include "tests/convert/onnx_builder.h"
#include "tests/shared_data.h"
#include "tools/onnx2flat/cli.h"
#include "tools/onnx2flat/convert.h"

namespace matte {

namespace {

const char* const kSampling = "models/bgm_mobilenetv2_fp32.onnx";
const char* const kSixOutputs = "models/bgm_mobilenetv2_6out_fp32.onnx";

onnx::ModelProto load(const std::string& path) { return convert::parse_onnx(test::read_bytes(path), path); }

struct Expected {
  std::string mode;
  double scale;
  int64_t sample_pixels;
  double threshold;
  std::string outputs;
};

// Converts one shared file and checks its tensors against the table and its settings.
void check_shared_file(const std::string& relative, const Expected& want) {
  const std::string path = test::require_shared(relative);
  const ConvertedModel m = convert_onnx(path);
  CHECK(m.metadata.at("architecture") == "bgm_mobilenetv2");
  CHECK(m.metadata.at("format_version") == "1");
  CHECK(m.metadata.at("converter_version") == convert::converter_version());
  CHECK(m.metadata.at("source_sha256") == sha256_file_hex(path));
  CHECK(m.metadata.at("source_opset") == "12");
  const auto settings = nlohmann::json::parse(m.metadata.at("settings"));
  CHECK(settings.at("refine_mode") == want.mode);
  CHECK(settings.at("backbone_scale") == want.scale);
  CHECK(settings.at("sample_pixels") == want.sample_pixels);
  CHECK(settings.at("threshold") == want.threshold);
  CHECK(settings.at("kernel_size") == 3);
  CHECK(settings.at("outputs") == want.outputs);
  CHECK(settings.at("weight_layout") == "OIHW");
  CHECK(settings.at("source_precision") == "float32");
  CHECK(settings.at("batchnorm_folded_by_converter") == 0);
  CHECK(settings.at("source_producer") == "pytorch 1.13.0");

  const auto layers = bgm::conv_layers();
  REQUIRE(layers.size() == 65);
  REQUIRE(m.tensors.size() == 130);
  for (size_t i = 0; i < layers.size(); ++i) {
    CAPTURE(layers[i].name);
    CHECK(m.tensors[2 * i].name == weight_name(layers[i]));
    CHECK(m.tensors[2 * i].shape == weight_shape(layers[i]));
    CHECK(m.tensors[2 * i + 1].name == bias_name(layers[i]));
    CHECK(m.tensors[2 * i + 1].shape == std::vector<int64_t>{layers[i].cout});
  }
}

// The exporter's module scope in a node name, e.g. "/backbone/features.1/conv/conv.0/conv.0.0/Conv"
// -> "backbone.features.1.conv.0.0" (each scope repeats its parent's last component).
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

onnx::NodeProto* node_named(onnx::ModelProto& m, const std::string& name) {
  for (auto& n : *m.mutable_graph()->mutable_node()) {
    if (n.name() == name) return &n;
  }
  return nullptr;
}

// Points `input` of the node at a new scalar float initializer.
void set_scalar_input(onnx::ModelProto& m, onnx::NodeProto& node, int input, float value) {
  const std::string name = node.name() + "_edited_" + std::to_string(input);
  *m.mutable_graph()->add_initializer() = test::float_tensor(name, {}, {value});
  node.set_input(input, name);
}

// Converting an edited model fails with a message naming the file and containing `problem`.
void check_fails(const onnx::ModelProto& model, const std::string& path, const std::string& problem) {
  CHECK_THROWS_WITH_AS(convert::convert_model(model, path, "sha"), doctest::Contains((path + ": " + problem).c_str()),
                       Error);
}

// x -> Conv -> Clip -> y, the bounds given as inputs (opset 11+) or as attributes (before).
onnx::ModelProto conv_clip(float lo, float hi, bool as_inputs) {
  auto m = test::empty_model(as_inputs ? 12 : 6);
  auto& g = *m.mutable_graph();
  *g.add_initializer() = test::float_tensor("w", {1, 1, 1, 1}, {1.0f});
  test::add_node(g, "Conv", {"x", "w"}, {"c"});
  if (as_inputs) {
    *g.add_initializer() = test::float_tensor("lo", {}, {lo});
    *g.add_initializer() = test::float_tensor("hi", {}, {hi});
    test::add_node(g, "Clip", {"c", "lo", "hi"}, {"y"});
  } else {
    auto& clip = test::add_node(g, "Clip", {"c"}, {"y"});
    test::add_float_attr(clip, "min", lo);
    test::add_float_attr(clip, "max", hi);
  }
  return m;
}

}  // namespace

TEST_CASE("convert: BGMv2 sampling (the Open Model Zoo export)") {
  check_shared_file(kSampling, {"sampling", 0.25, 80000, 0.1, "pha,fgr"});
}

TEST_CASE("convert: BGMv2 thresholding") {
  check_shared_file("models/bgm_mobilenetv2_thresholding_fp32.onnx", {"thresholding", 0.25, 80000, 0.1, "pha,fgr"});
}

TEST_CASE("convert: BGMv2 full refinement") {
  check_shared_file("models/bgm_mobilenetv2_full_fp32.onnx", {"full", 0.25, 80000, 0.1, "pha,fgr"});
}

TEST_CASE("convert: BGMv2 with six outputs (the original repository's export)") {
  check_shared_file(kSixOutputs, {"sampling", 0.25, 80000, 0.1, "pha,fgr,pha_sm,fgr_sm,err_sm,ref_sm"});
}

TEST_CASE("convert: BGMv2 with the 4K settings") {
  check_shared_file("models/bgm_mobilenetv2_4k_fp32.onnx", {"sampling", 0.125, 320000, 0.1, "pha,fgr"});
}

TEST_CASE("convert: the BGMv2 exports of one set of weights give identical tensors") {
  const auto sampling = convert_onnx(test::require_shared(kSampling));
  const auto six = convert_onnx(test::require_shared(kSixOutputs));
  REQUIRE(six.tensors.size() == sampling.tensors.size());
  for (size_t i = 0; i < sampling.tensors.size(); ++i) {
    CAPTURE(sampling.tensors[i].name);
    CHECK(six.tensors[i].name == sampling.tensors[i].name);
    CHECK(six.tensors[i].shape == sampling.tensors[i].shape);
    CHECK(six.tensors[i].values == sampling.tensors[i].values);
  }
}

TEST_CASE("convert: every BGMv2 layer holds the weights of the module the exporter named it after") {
  // The node names carry the PyTorch module path; the converter never reads them.
  const std::string path = test::require_shared(kSampling);
  const auto model = load(path);
  const convert::Graph graph(model.graph(), path);
  std::map<std::string, const WeightTensor*> t;
  const auto converted = convert_onnx(path);
  for (const auto& tensor : converted.tensors) t[tensor.name] = &tensor;
  int checked = 0;
  for (const auto& node : model.graph().node()) {
    if (node.op_type() != "Conv") continue;
    const std::string name = module_path(node.name());
    CAPTURE(name);
    REQUIRE(t.count(name + ".weight") == 1);
    CHECK(t.at(name + ".weight")->values == graph.constant_values(node.input(1), node));
    CHECK(t.at(name + ".bias")->values == graph.constant_values(node.input(2), node));
    ++checked;
  }
  CHECK(checked == 65);
}

TEST_CASE("convert: BGMv2 initializer names do not matter") {
  const std::string path = test::require_shared(kSampling);
  auto model = load(path);
  const auto reference = convert::convert_model(model, path, "sha");
  test::number_initializers(model, 2000);
  const auto converted = convert::convert_model(model, path, "sha");
  CHECK(serialize_weight_file(converted.metadata, converted.tensors) ==
        serialize_weight_file(reference.metadata, reference.tensors));
}

TEST_CASE("onnx2flat: a BGMv2 file converts to a weight file that reloads; a truncated one fails") {
  const std::string path = test::require_shared(kSampling);
  const auto dir = test::temp_dir("bgm");
  const std::string out = (dir / "bgm.safetensors").string();
  std::ostringstream out_stream, err_stream;
  REQUIRE(run_onnx2flat({path, out}, out_stream, err_stream) == 0);
  const WeightFile file = WeightFile::open(out);
  CHECK(file.meta("architecture") == "bgm_mobilenetv2");
  CHECK(file.meta("source_sha256") == sha256_file_hex(path));
  CHECK(file.names().size() == 130);
  const auto& stem = bgm::conv_layer("backbone.features.0.0");
  CHECK(file.tensor(weight_name(stem), weight_shape(stem)).size() == 32u * 6 * 3 * 3);

  const auto bytes = test::read_bytes(path);
  const std::string truncated = (dir / "truncated.onnx").string();
  test::write_bytes(truncated, bytes.data(), bytes.size() / 2);
  std::ostringstream out2, err2;
  CHECK(run_onnx2flat({truncated, (dir / "t.safetensors").string()}, out2, err2) == 1);
  CHECK(err2.str() == "onnx2flat: " + truncated + ": truncated ONNX file\n");
  CHECK(!std::filesystem::exists(dir / "t.safetensors"));
}

TEST_CASE("convert: a BGMv2 graph with a missing, misshapen or different layer fails naming it") {
  const std::string path = test::require_shared(kSampling);
  const auto original = load(path);

  SUBCASE("a missing conv: the next one does not fit the table") {
    auto m = original;
    auto& nodes = *m.mutable_graph()->mutable_node();
    nodes.erase(std::find_if(nodes.begin(), nodes.end(), [](const auto& n) {
      return n.name() == "/backbone/features.5/conv/conv.1/conv.1.0/Conv";
    }));
    check_fails(m, path,
                "backbone.features.5.conv.1.0 (Conv '/backbone/features.5/conv/conv.2/Conv' (output "
                "'/backbone/features.5/conv/conv.2/Conv_output_0')): kernel_shape [1,1], expected [3,3]");
  }
  SUBCASE("the last conv missing") {
    auto m = original;
    auto& nodes = *m.mutable_graph()->mutable_node();
    nodes.erase(
        std::find_if(nodes.begin(), nodes.end(), [](const auto& n) { return n.name() == "/refiner/conv4/Conv"; }));
    check_fails(m, path, "not a BGMv2 MobileNetV2 graph (no convolution for refiner.conv4)");
  }
  SUBCASE("a misshapen weight") {
    auto m = original;
    const auto* conv = node_named(m, "/decoder/conv4/Conv");
    REQUIRE(conv != nullptr);
    for (auto& init : *m.mutable_graph()->mutable_initializer()) {
      if (init.name() == conv->input(1)) test::set_dims(init, {37, 27, 6, 3});
    }
    check_fails(m, path,
                "decoder.conv4 (Conv '/decoder/conv4/Conv' (output '/decoder/conv4/Conv_output_0')): weight "
                "shape [37,27,6,3], expected [37,54,3,3]");
  }
  SUBCASE("a Clip that is not ReLU6") {
    auto m = original;
    auto* clip = node_named(m, "/backbone/features.7/conv/conv.1/conv.1.2/Clip");
    REQUIRE(clip != nullptr);
    set_scalar_input(m, *clip, 2, 5.0f);
    check_fails(m, path,
                "backbone.features.7.conv.1.0 (Conv '/backbone/features.7/conv/conv.1/conv.1.0/Conv' (output "
                "'/backbone/features.7/conv/conv.1/conv.1.0/Conv_output_0')): followed by activation none, expected "
                "relu6");
  }
  SUBCASE("an extra conv") {
    auto m = original;
    auto& g = *m.mutable_graph();
    *g.add_node() = *node_named(m, "/refiner/conv4/Conv");
    g.mutable_node(g.node_size() - 1)->set_output(0, "extra");
    check_fails(m, path, "not a BGMv2 MobileNetV2 graph (unexpected Conv '/refiner/conv4/Conv' (output 'extra')");
  }
  SUBCASE("ASPP's pooling branch in place of its 1x1 branch") {
    // A valid topological order that puts the two alike 1x1 convs in each other's table slot.
    auto m = original;
    const std::string conv0 = "/aspp/convs.0/convs.0.0/Conv", relu0 = "/aspp/convs.0/convs.0.2/Relu";
    const std::string pool = "/aspp/convs.4/convs.4.0/GlobalAveragePool", conv4 = "/aspp/convs.4/convs.4.1/Conv";
    google::protobuf::RepeatedPtrField<onnx::NodeProto> reordered;
    for (const auto& n : original.graph().node()) {
      if (n.name() == conv0) {
        *reordered.Add() = *node_named(m, pool);
        *reordered.Add() = *node_named(m, conv4);
      } else if (n.name() == "/aspp/convs.3/convs.3.2/Relu") {
        *reordered.Add() = n;
        *reordered.Add() = *node_named(m, conv0);
        *reordered.Add() = *node_named(m, relu0);
      } else if (n.name() != relu0 && n.name() != pool && n.name() != conv4) {
        *reordered.Add() = n;
      }
    }
    REQUIRE(reordered.size() == original.graph().node_size());
    *m.mutable_graph()->mutable_node() = reordered;
    check_fails(m, path,
                "not a BGMv2 MobileNetV2 graph (aspp.convs.4.1 is not the image pooling branch beside "
                "aspp.convs.0.0)");
  }
  SUBCASE("patch crops that are not whole pixels") {
    auto m = original;
    auto* sub = node_named(m, "/refiner/Sub");
    REQUIRE(sub != nullptr);
    set_scalar_input(m, *sub, 1, 0.0f);
    check_fails(m, path,
                "unsupported BGMv2 patch crop: RoiAlign '/refiner/RoiAlign' (output '/refiner/RoiAlign_output_0') does "
                "not crop whole pixels: x from 2*index+0 to 2*index+7.5 in 8 samples");
  }
  SUBCASE("no pha output") {
    auto m = original;
    m.mutable_graph()->mutable_output(0)->set_name("alpha");
    check_fails(m, path, "not a BGMv2 MobileNetV2 graph (no graph output 'pha')");
  }
}

TEST_CASE("convert: a graph with BGMv2's inputs but no network is not a BGMv2 graph") {
  auto m = test::empty_model();
  auto& g = *m.mutable_graph();
  for (const char* name : {"src", "bgr"}) g.add_input()->set_name(name);
  for (const char* name : {"pha", "fgr"}) g.add_output()->set_name(name);
  test::add_node(g, "Add", {"src", "bgr"}, {"pha"});
  test::add_node(g, "Sub", {"src", "bgr"}, {"fgr"});
  check_fails(m, "tiny.onnx", "not a BGMv2 MobileNetV2 graph (no convolution for backbone.features.0.0)");
}

TEST_CASE("convert: Clip(0, 6) after a Conv is ReLU6, with its bounds as inputs or attributes") {
  for (bool as_inputs : {true, false}) {
    CAPTURE(as_inputs);
    const auto relu6 = conv_clip(0.0f, 6.0f, as_inputs);
    const convert::Graph g(relu6.graph(), "relu6.onnx");
    const auto match = convert::match_conv(g, relu6.graph().node(0));
    CHECK(match.act == Act::relu6);
    CHECK(match.output == "y");
    const auto clamp = conv_clip(0.0f, 1.0f, as_inputs);
    const convert::Graph g2(clamp.graph(), "clamp.onnx");
    CHECK(convert::match_conv(g2, clamp.graph().node(0)).act == Act::none);
  }
}

}  // namespace matte
