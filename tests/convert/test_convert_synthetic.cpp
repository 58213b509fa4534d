// Converter building blocks on graphs built here: tensor storage, BatchNormalization folding,
// activation matching, parse errors. The whole network is tested in test_convert_rvm.cpp.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <set>

#include "engine/error.h"
#include "models/rvm_mobilenetv3/layers.h"
#include "tests/convert/onnx_builder.h"
#include "tools/onnx2flat/convert.h"

namespace matte {

using convert::Graph;

namespace {

// x -> Conv(w[, b]) -> BatchNormalization -> Relu -> y, with 2 output channels and 1x1 kernels.
onnx::ModelProto conv_bn_relu(bool conv_bias) {
  auto m = test::empty_model();
  auto& g = *m.mutable_graph();
  *g.add_initializer() = test::float_tensor("w", {2, 1, 1, 1}, {1.0f, 2.0f});
  if (conv_bias) *g.add_initializer() = test::float_tensor("b", {2}, {0.5f, -1.0f});
  *g.add_initializer() = test::float_tensor("scale", {2}, {4.0f, 1.5f});
  *g.add_initializer() = test::float_tensor("shift", {2}, {0.1f, 0.2f});
  *g.add_initializer() = test::float_tensor("mean", {2}, {1.0f, 2.0f});
  *g.add_initializer() = test::float_tensor("var", {2}, {3.0f, 8.0f});
  auto& conv =
      conv_bias ? test::add_node(g, "Conv", {"x", "w", "b"}, {"c"}) : test::add_node(g, "Conv", {"x", "w"}, {"c"});
  test::add_int_attr(conv, "group", 1);
  auto& bn = test::add_node(g, "BatchNormalization", {"c", "scale", "shift", "mean", "var"}, {"n"});
  test::add_float_attr(bn, "epsilon", 1.0f);
  test::add_node(g, "Relu", {"n"}, {"y"});
  return m;
}

}  // namespace

TEST_CASE("convert: BatchNormalization is folded into the preceding Conv") {
  for (bool conv_bias : {true, false}) {
    CAPTURE(conv_bias);
    const auto m = conv_bn_relu(conv_bias);
    const Graph g(m.graph(), "synthetic.onnx");
    const auto match = convert::match_conv(g, m.graph().node(0));
    REQUIRE(match.batchnorm == &m.graph().node(1));
    CHECK(match.act == Act::relu);
    CHECK(match.output == "y");
    const auto w = convert::conv_weights(g, match);
    // s = scale / sqrt(var + eps) = {4/2, 1.5/3} = {2, 0.5}; w' = w*s; b' = (b - mean)*s + shift.
    CHECK(w.weight_shape == std::vector<int64_t>{2, 1, 1, 1});
    CHECK(w.weight == std::vector<float>{2.0f, 1.0f});
    REQUIRE(w.bias.size() == 2);
    if (conv_bias) {
      CHECK(w.bias[0] == doctest::Approx((0.5 - 1.0) * 2.0 + 0.1).epsilon(1e-7));
      CHECK(w.bias[1] == doctest::Approx((-1.0 - 2.0) * 0.5 + 0.2).epsilon(1e-7));
    } else {
      CHECK(w.bias[0] == doctest::Approx(-1.0 * 2.0 + 0.1).epsilon(1e-7));
      CHECK(w.bias[1] == doctest::Approx(-2.0 * 0.5 + 0.2).epsilon(1e-7));
    }
  }
}

TEST_CASE("convert: folded Conv+BatchNormalization computes what the pair computed") {
  // 3 output channels, 2 input channels, 3x3 kernel; evaluate one output pixel both ways.
  auto m = test::empty_model();
  auto& g = *m.mutable_graph();
  std::vector<float> w(3 * 2 * 3 * 3), b = {0.3f, -0.2f, 0.7f};
  for (size_t i = 0; i < w.size(); ++i) w[i] = std::sin(static_cast<float>(i) * 1.7f);
  const std::vector<float> scale = {0.9f, -1.3f, 2.1f}, shift = {0.05f, 0.4f, -0.6f}, mean = {0.2f, -0.1f, 0.3f},
                           var = {0.5f, 1.7f, 0.02f};
  *g.add_initializer() = test::float_tensor("w", {3, 2, 3, 3}, w);
  *g.add_initializer() = test::float_tensor("b", {3}, b);
  *g.add_initializer() = test::float_tensor("s", {3}, scale);
  *g.add_initializer() = test::float_tensor("t", {3}, shift);
  *g.add_initializer() = test::float_tensor("m", {3}, mean);
  *g.add_initializer() = test::float_tensor("v", {3}, var);
  test::add_node(g, "Conv", {"x", "w", "b"}, {"c"});
  test::add_node(g, "BatchNormalization", {"c", "s", "t", "m", "v"}, {"y"});  // default epsilon 1e-5
  const Graph graph(m.graph(), "synthetic.onnx");
  const auto folded = convert::conv_weights(graph, convert::match_conv(graph, m.graph().node(0)));
  std::vector<float> patch(2 * 3 * 3);
  for (size_t i = 0; i < patch.size(); ++i) patch[i] = std::cos(static_cast<float>(i) * 0.9f);
  for (size_t c = 0; c < 3; ++c) {
    double conv = b[c], conv_folded = folded.bias[c];
    for (size_t i = 0; i < patch.size(); ++i) {
      conv += static_cast<double>(w[c * patch.size() + i]) * patch[i];
      conv_folded += static_cast<double>(folded.weight[c * patch.size() + i]) * patch[i];
    }
    const double bn = (conv - mean[c]) / std::sqrt(static_cast<double>(var[c]) + 1e-5) * scale[c] + shift[c];
    CHECK(conv_folded == doctest::Approx(bn).epsilon(1e-5));
  }
}

TEST_CASE("convert: fp16 and fp32 tensors in every storage, and Constant-node weights, are read") {
  // 1.0, -2.0, 0.5, 65504 (largest half), 2^-24 (smallest subnormal), 2^-14 (smallest normal)
  const std::vector<uint16_t> bits = {0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x0400};
  const std::vector<float> want = {1.0f, -2.0f, 0.5f, 65504.0f, std::ldexp(1.0f, -24), std::ldexp(1.0f, -14)};
  for (bool raw : {true, false}) {
    CAPTURE(raw);
    CHECK(convert::tensor_values(test::half_tensor("h", {2, 3}, bits, raw), "t") == want);
  }
  onnx::TensorProto typed;  // FLOAT in float_data rather than raw_data
  typed.set_data_type(onnx::TensorProto::FLOAT);
  test::set_dims(typed, {3});
  for (float v : {1.5f, -0.25f, 3.0f}) typed.add_float_data(v);
  CHECK(convert::tensor_values(typed, "t") == std::vector<float>{1.5f, -0.25f, 3.0f});
  CHECK(std::isinf(convert::half_to_float(0xfc00)));
  CHECK(convert::half_to_float(0xfc00) < 0.0f);
  CHECK(std::isnan(convert::half_to_float(0x7e00)));
  CHECK(std::signbit(convert::half_to_float(0x8000)));

  // Weight as an fp16 Constant node, bias as an fp16 initializer in int32_data, BN scale widened by a Cast.
  auto m = test::empty_model();
  auto& g = *m.mutable_graph();
  test::add_tensor_attr(test::add_node(g, "Constant", {}, {"w"}), "value",
                        test::half_tensor("", {2, 1, 1, 1}, {0x3c00, 0x4000}, true));  // 1, 2
  *g.add_initializer() = test::half_tensor("b", {2}, {0x3800, 0xb800}, false);         // 0.5, -0.5
  *g.add_initializer() = test::half_tensor("scale16", {2}, {0x4000, 0x3c00}, true);    // 2, 1
  auto& cast = test::add_node(g, "Cast", {"scale16"}, {"scale"});
  test::add_int_attr(cast, "to", onnx::TensorProto::FLOAT);
  *g.add_initializer() = test::float_tensor("shift", {2}, {0.0f, 1.0f});
  *g.add_initializer() = test::float_tensor("mean", {2}, {0.0f, 0.0f});
  *g.add_initializer() = test::float_tensor("var", {2}, {1.0f, 1.0f});
  test::add_node(g, "Conv", {"x", "w", "b"}, {"c"});
  auto& bn = test::add_node(g, "BatchNormalization", {"c", "scale", "shift", "mean", "var"}, {"y"});
  test::add_float_attr(bn, "epsilon", 0.0f);
  const Graph graph(m.graph(), "synthetic.onnx");
  const auto w = convert::conv_weights(graph, convert::match_conv(graph, m.graph().node(2)));
  CHECK(w.weight == std::vector<float>{2.0f, 2.0f});
  CHECK(w.bias == std::vector<float>{1.0f, 0.5f});
}

TEST_CASE("convert: activations after a Conv are recognised") {
  auto m = test::empty_model();
  auto& g = *m.mutable_graph();
  test::add_node(g, "Conv", {"x", "w"}, {"a"});
  auto& hs = test::add_node(g, "HardSigmoid", {"a"}, {"h"});
  test::add_float_attr(hs, "alpha", 1.0f / 6.0f);
  test::add_node(g, "Mul", {"a", "h"}, {"hardswish"});
  test::add_node(g, "Conv", {"hardswish", "w"}, {"b"});
  test::add_node(g, "Tanh", {"b"}, {"t"});
  test::add_node(g, "Conv", {"t", "w"}, {"c"});
  test::add_node(g, "Add", {"c", "t"}, {"sum"});
  test::add_node(g, "Conv", {"sum", "w"}, {"d"});
  auto& plain_hs = test::add_node(g, "HardSigmoid", {"d"}, {"gate"});  // ONNX's default alpha 0.2
  const Graph graph(m.graph(), "synthetic.onnx");
  const auto first = convert::match_conv(graph, g.node(0));
  CHECK(first.act == Act::hardswish);
  CHECK(first.output == "hardswish");
  CHECK(convert::match_conv(graph, g.node(3)).act == Act::tanh);
  const auto plain = convert::match_conv(graph, g.node(5));
  CHECK(plain.act == Act::none);
  CHECK(plain.output == "c");
  CHECK_THROWS_WITH_AS(convert::match_conv(graph, g.node(7)), doctest::Contains("alpha 0.2"), Error);
  test::add_float_attr(plain_hs, "alpha", 1.0f / 6.0f);
  CHECK(convert::match_conv(graph, g.node(7)).act == Act::hardsigmoid);
}

TEST_CASE("convert: a Conv whose weight is absent or malformed is named in the error") {
  auto m = conv_bn_relu(true);
  auto& g = *m.mutable_graph();
  g.mutable_node(0)->set_name("stem");
  g.mutable_initializer()->erase(g.mutable_initializer()->begin());  // "w"
  {
    const Graph graph(m.graph(), "model.onnx");
    CHECK_THROWS_WITH_AS(convert::conv_weights(graph, convert::match_conv(graph, g.node(0))),
                         "model.onnx: Conv 'stem' (output 'c') needs tensor 'w', which is missing", Error);
  }
  *g.add_initializer() = test::float_tensor("w", {2, 1, 1, 1}, {1.0f, 2.0f});
  g.mutable_initializer(g.initializer_size() - 1)->mutable_raw_data()->resize(4);
  {
    const Graph graph(m.graph(), "model.onnx");
    CHECK_THROWS_WITH_AS(convert::conv_weights(graph, convert::match_conv(graph, g.node(0))),
                         doctest::Contains("tensor 'w' has 2 elements but 4 bytes of raw_data"), Error);
  }
  auto& w = *g.mutable_initializer(g.initializer_size() - 1);
  w.set_data_type(onnx::TensorProto::INT8);
  {
    const Graph graph(m.graph(), "model.onnx");
    CHECK_THROWS_WITH_AS(convert::conv_weights(graph, convert::match_conv(graph, g.node(0))),
                         doctest::Contains("data type INT8"), Error);
  }
}

TEST_CASE("convert: bytes that are not a complete ONNX model are named and described") {
  const auto check = [](const std::vector<uint8_t>& bytes, const std::string& problem) {
    CHECK_THROWS_WITH_AS(convert::parse_onnx(bytes, "in.onnx"), doctest::Contains(("in.onnx: " + problem).c_str()),
                         Error);
  };
  check({}, "empty file");
  const std::string text = "name,value\nalpha,1\n";
  check({text.begin(), text.end()}, "not an ONNX model");
  std::vector<uint8_t> noise(4096);
  uint32_t state = 12345;
  for (auto& b : noise) b = static_cast<uint8_t>((state = state * 1664525u + 1013904223u) >> 24);
  check(noise, "not an ONNX model");

  auto m = conv_bn_relu(true);
  const auto whole = test::serialize(m);
  CHECK_NOTHROW(convert::parse_onnx(whole, "in.onnx"));
  check({whole.begin(), whole.end() - 7}, "truncated ONNX file");
  m.mutable_graph()->clear_node();
  check(test::serialize(m), "not an ONNX model");
}

TEST_CASE("convert: the RVM layer table is consistent") {
  const auto layers = rvm::conv_layers();
  CHECK(layers.size() == 82);
  std::set<std::string_view> names;
  size_t tensors = 0;
  for (const auto& l : layers) {
    CAPTURE(l.name);
    CHECK(names.insert(l.name).second);
    CHECK(l.cin % l.groups == 0);
    CHECK(l.pad == l.dilation * (l.kernel - 1) / 2);
    tensors += l.bias ? 2 : 1;
  }
  CHECK(tensors == 162);
  const auto& dw = rvm::conv_layer("backbone.features.13.block.1.0");
  CHECK(weight_shape(dw) == std::vector<int64_t>{672, 1, 5, 5});
  CHECK(dw.dilation == 2);
  CHECK(dw.stride == 1);
  CHECK(rvm::conv_layer("decoder.decode3.conv.0").cin == 171);
  CHECK_THROWS_AS(rvm::conv_layer("backbone.features.17.0"), Error);
}

}  // namespace matte
