// Hostile edits of the shared models: sizes that do not match the data, nodes without the inputs or
// outputs their op needs. Each is refused with one matte::Error naming the file and the culprit,
// cheaply, by onnx2flat and by `matte --model x.onnx`.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>

#include "engine/error.h"
#include "tests/convert/child_process.h"
#include "tests/convert/onnx_builder.h"
#include "tests/shared_data.h"
#include "tools/onnx2flat/convert.h"

namespace matte {

namespace {

const char* const kRvm = "models/rvm_mobilenetv3_fp32.onnx";
const char* const kBgm = "models/bgm_mobilenetv2_fp32.onnx";
const char* const kImage = "media/images/suit_570x407.png";

onnx::ModelProto load(const std::string& path) { return convert::parse_onnx(test::read_bytes(path), path); }

// The first node of type `op` for which `pick` holds.
onnx::NodeProto& first_node(onnx::ModelProto& m, const std::string& op,
                            const std::function<bool(const onnx::NodeProto&)>& pick = {}) {
  auto& nodes = *m.mutable_graph()->mutable_node();
  const auto it = std::find_if(nodes.begin(), nodes.end(),
                               [&](const auto& n) { return n.op_type() == op && (!pick || pick(n)); });
  REQUIRE(it != nodes.end());
  return *it;
}

// The bias initializer of the first Conv that has one, found through the graph, not by name.
onnx::TensorProto& first_conv_bias(onnx::ModelProto& m) {
  const std::string name = first_node(m, "Conv", [](const auto& n) { return n.input_size() == 3; }).input(2);
  auto& inits = *m.mutable_graph()->mutable_initializer();
  const auto it = std::find_if(inits.begin(), inits.end(), [&](const auto& t) { return t.name() == name; });
  REQUIRE(it != inits.end());
  return *it;
}

std::string binary(const std::string& name) { return std::string(MATTE_BINARY_DIR) + "/bin/" + name; }

// Through bytes and back, so that an emptied repeated field is as a reader finds it in a file.
onnx::ModelProto reparsed(const onnx::ModelProto& m) { return convert::parse_onnx(test::serialize(m), "edited"); }

void check_refused(const onnx::ModelProto& edited, const std::string& culprit) {
  const std::string origin = "edited.onnx";
  try {
    convert::convert_model(reparsed(edited), origin, "");
    FAIL("converted");
  } catch (const Error& e) {
    const std::string message = e.what();
    CHECK_MESSAGE(message.starts_with(origin + ": "), message);
    CHECK_MESSAGE(message.find(culprit) != std::string::npos, message);
    CHECK(message.find('\n') == std::string::npos);
  }
}

// The first `op` node of `original`, edited, must be refused by name.
void refused_when(const onnx::ModelProto& original, const std::string& op,
                  const std::function<void(onnx::NodeProto&)>& edit) {
  auto m = original;
  auto& node = first_node(m, op);
  CAPTURE(op);
  const std::string name = node.name();
  edit(node);
  check_refused(m, op + " '" + name + "'");
}

}  // namespace

TEST_CASE("hostile ONNX: an initializer whose dims exceed its data is refused before allocating") {
  const std::string rvm = test::require_shared(kRvm);
  const std::string image = test::require_shared(kImage);
  const auto dir = test::temp_dir("hostile_dims");
  std::filesystem::create_directories(dir / "out");
  const std::vector<int64_t> counts = {1'000'000'000, 10'000'000'000};
  // Edited in a child: loading the model here would raise the size the measured children fork from.
  REQUIRE(test::in_child([&] {
    for (int64_t count : counts) {
      auto m = load(rvm);
      const std::string name = first_conv_bias(m).name();
      test::write_bytes((dir / "bias_name").string(), name.data(), name.size());
      test::set_dims(first_conv_bias(m), {count});
      const auto bytes = test::serialize(m);
      test::write_bytes((dir / (std::to_string(count) + ".onnx")).string(), bytes.data(), bytes.size());
    }
  }));
  const auto name_bytes = test::read_bytes((dir / "bias_name").string());
  const std::string bias_name(name_bytes.begin(), name_bytes.end());
  // Each tool's own start-up (matte loads some 250 shared libraries: about 80 MB and most of a
  // second on a loaded machine) is measured apart; the refusal must add little to it.
  const std::string err_path = (dir / "err.txt").string();
  const std::vector<std::vector<std::string>> startups = {{binary("onnx2flat")}, {binary("matte"), "--help"}};
  for (int64_t count : counts) {
    const std::string model = (dir / (std::to_string(count) + ".onnx")).string();
    CAPTURE(model);
    const std::vector<std::vector<std::string>> commands = {
        {binary("onnx2flat"), model, (dir / "out" / "w.safetensors").string()},
        {binary("matte"), "--model", model, "--input", image, "--output-alpha", (dir / "out" / "a.png").string()},
    };
    for (size_t i = 0; i < commands.size(); ++i) {
      CAPTURE(commands[i][0]);
      const test::ChildResult startup = test::run_child(startups[i], err_path);
      const test::ChildResult r = test::run_child(commands[i], err_path);
      CHECK(r.exit_code == 1);
      CHECK_MESSAGE(r.err.find(model + ": Conv '") != std::string::npos, r.err);
      CHECK_MESSAGE(r.err.find("'" + bias_name + "'") != std::string::npos, r.err);
      CHECK_MESSAGE(r.err.find(std::to_string(count)) != std::string::npos, r.err);
      CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
      // The model's bytes and their parse, about 35 MB; before the fix 4 GB or std::bad_alloc.
      CHECK_MESSAGE((!test::kMemoryBoundsApply || r.peak_rss_kb - startup.peak_rss_kb < 64 * 1024), r.peak_rss_kb,
                    " kB, start-up ", startup.peak_rss_kb, " kB");
      CHECK_MESSAGE(r.cpu_seconds - startup.cpu_seconds < 1.0 * MATTE_TEST_TIME_SCALE, r.cpu_seconds,
                    " s of CPU, start-up ", startup.cpu_seconds, " s (wall ", r.seconds, " s)");
      CHECK(std::filesystem::is_empty(dir / "out"));
    }
  }
  // onnx2flat starts small, so its whole cost is bounded too.
  const test::ChildResult r = test::run_child(
      {binary("onnx2flat"), (dir / "1000000000.onnx").string(), (dir / "out" / "w.safetensors").string()}, err_path);
  CHECK_MESSAGE((!test::kMemoryBoundsApply || r.peak_rss_kb < 100 * 1024), r.peak_rss_kb, " kB");
}

TEST_CASE("hostile ONNX: a file of 2 GB or more is refused before it is read") {
  const auto dir = test::temp_dir("hostile_size");
  const std::string model = (dir / "sparse.onnx").string();
  test::write_bytes(model, "", 0);
  std::filesystem::resize_file(model, uintmax_t{1} << 31);  // sparse: no disk used
  const std::string err_path = (dir / "err.txt").string();
  for (const auto& command : std::vector<std::vector<std::string>>{
           {binary("onnx2flat"), model, (dir / "w.safetensors").string()}, {binary("onnx2flat"), "--dump", model}}) {
    const test::ChildResult r = test::run_child(command, err_path);
    CHECK(r.exit_code == 1);
    CHECK(r.err == "onnx2flat: " + model + ": file too large for protobuf (2 GB or more)\n");
    CHECK_MESSAGE((!test::kMemoryBoundsApply || r.peak_rss_kb < 100 * 1024), r.peak_rss_kb, " kB");
  }
  std::filesystem::remove(model);
}

TEST_CASE("hostile ONNX: a file whose parse would take many times its size is refused before parsing") {
  // A graph of ten million empty nodes: 20 MB of bytes that protobuf would make 1.5 GB of objects.
  const size_t nodes = 10'000'000;
  std::string graph;
  for (size_t i = 0; i < nodes; ++i) graph += std::string("\x0a\x00", 2);
  auto m = test::empty_model();
  std::string bytes = m.SerializeAsString();
  bytes += '\x3a';  // field 7 (graph), length-delimited, then the length as a varint
  uint64_t length = graph.size();
  for (; length >= 0x80; length >>= 7) bytes += static_cast<char>((length & 0x7f) | 0x80);
  bytes += static_cast<char>(length);
  bytes += graph;
  const auto dir = test::temp_dir("hostile_parse");
  const std::string model = (dir / "empty_nodes.onnx").string();
  test::write_bytes(model, bytes.data(), bytes.size());
  const test::ChildResult r =
      test::run_child({binary("onnx2flat"), model, (dir / "w.safetensors").string()}, (dir / "err.txt").string());
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.err.starts_with("onnx2flat: " + model + ": not a plausible ONNX model: parsing its"), r.err);
  CHECK_MESSAGE((!test::kMemoryBoundsApply || r.peak_rss_kb < 100 * 1024), r.peak_rss_kb, " kB");
  CHECK_MESSAGE(r.cpu_seconds < 1.0 * MATTE_TEST_TIME_SCALE, r.cpu_seconds, " s of CPU (wall ", r.seconds, " s)");
}

TEST_CASE("hostile ONNX: sizes are overflow-checked and bounded by the data present") {
  auto m = test::empty_model();
  auto& t = *m.mutable_graph()->add_initializer();
  t = test::float_tensor("w", {2}, {1.0f, 2.0f});
  const auto refused = [&](const std::vector<int64_t>& dims, const std::string& problem) {
    test::set_dims(t, dims);
    CHECK_THROWS_WITH_AS(convert::tensor_values(t, "in.onnx"), doctest::Contains(problem.c_str()), Error);
  };
  refused({1'000'000'000}, "in.onnx: tensor 'w' has 1000000000 elements but 8 bytes of raw_data");
  refused({-1, -2}, "in.onnx: tensor 'w' has a negative dimension");
  refused({int64_t{1} << 31, int64_t{1} << 31, int64_t{1} << 31, 4}, "more than 2^64");
  t.clear_raw_data();
  t.add_float_data(1.0f);
  refused({10'000'000'000}, "in.onnx: tensor 'w' has 10000000000 elements but 1 in float_data");
  t.set_data_type(onnx::TensorProto::INT64);
  t.add_int64_data(1);
  test::set_dims(t, {1'000'000'000});
  CHECK_THROWS_WITH_AS(convert::tensor_ints(t, "in.onnx"), doctest::Contains("1 in int64_data"), Error);
  t.set_data_location(onnx::TensorProto::EXTERNAL);
  CHECK_THROWS_WITH_AS(convert::tensor_ints(t, "in.onnx"), doctest::Contains("external data, which is not supported"),
                       Error);
}

TEST_CASE("hostile ONNX: a node without the inputs or outputs its op needs is named, RVM") {
  const std::string rvm = test::require_shared(kRvm);
  const auto original = load(rvm);
  refused_when(original, "Conv", [](auto& n) { n.clear_output(); });  // the fuzzers' first find
  refused_when(original, "Conv", [](auto& n) { n.clear_input(); });
  refused_when(original, "HardSigmoid", [](auto& n) { n.clear_output(); });
  refused_when(original, "GlobalAveragePool", [](auto& n) { n.clear_output(); });
  refused_when(original, "Mul", [](auto& n) { n.mutable_input()->RemoveLast(); });
  refused_when(original, "Add", [](auto& n) { n.clear_output(); });
}

TEST_CASE("hostile ONNX: a node without the inputs or outputs its op needs is named, BGMv2") {
  const std::string bgm = test::require_shared(kBgm);
  const auto original = load(bgm);
  refused_when(original, "Conv", [](auto& n) { n.clear_output(); });
  refused_when(original, "GlobalAveragePool", [](auto& n) { n.clear_input(); });
  refused_when(original, "RoiAlign", [](auto& n) { n.mutable_input()->RemoveLast(); });
  refused_when(original, "Resize", [](auto& n) { n.clear_input(); });
  refused_when(original, "Gather", [](auto& n) { n.clear_input(); });
  refused_when(original, "Cast", [](auto& n) { n.clear_input(); });
  refused_when(original, "TopK", [](auto& n) { n.clear_output(); });
}

}  // namespace matte
