// The registry of recognisers: each network tells its own graph from the others', and a graph no
// network takes is refused with every network's reason.
#include <doctest/doctest.h>

#include <string>

#include "engine/error.h"
#include "tests/convert/onnx_builder.h"
#include "tests/shared_data.h"
#include "tools/onnx2flat/recogniser.h"

namespace matte {

TEST_CASE("recognisers: each shared model is taken by its own network's recogniser and by no other") {
  const struct {
    const char* file;
    std::string_view title;
  } models[] = {{"models/rvm_mobilenetv3_fp32.onnx", "RVM MobileNetV3"},
                {"models/rvm_resnet50_fp32.onnx", "RVM ResNet50"},
                {"models/bgm_mobilenetv2_fp32.onnx", "BGMv2 MobileNetV2"}};
  for (const auto& m : models) {
    CAPTURE(m.file);
    const std::string path = test::require_shared(m.file);
    const onnx::ModelProto model = convert::parse_onnx(test::read_bytes(path), path);
    const convert::Graph graph(model.graph(), path);
    for (const convert::Recogniser* r : convert::recognisers()) {
      CAPTURE(r->title);
      CHECK(r->mismatch(graph).empty() == (r->title == m.title));
    }
    CHECK(convert::recogniser_of(graph).title == m.title);
  }
}

TEST_CASE("recognisers: a graph no network takes is refused naming each network and why not") {
  // RVM's interface, but no convolution after the input.
  auto m = test::empty_model();
  auto& g = *m.mutable_graph();
  for (const char* name : {"src", "r1i", "r2i", "r3i", "r4i"}) g.add_input()->set_name(name);
  g.add_output()->set_name("pha");
  test::add_node(g, "Relu", {"src"}, {"pha"});
  const convert::Graph graph(g, "stemless.onnx");
  CHECK_THROWS_WITH_AS(convert::recogniser_of(graph),
                       "stemless.onnx: no network recognised (inputs: src r1i r2i r3i r4i; RVM MobileNetV3: no single "
                       "stem convolution after the input normalisation; RVM ResNet50: no single stem convolution after "
                       "the input normalisation; BGMv2 MobileNetV2: no graph input 'bgr')",
                       Error);
}

}  // namespace matte
