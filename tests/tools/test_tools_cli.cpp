// The matte-compare, matte-eval and matte-bench command lines, run in-process.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>
#include <unistd.h>

#include "engine/matte.h"
#include "tests/shared_data.h"
#include "tools/bench/bench.h"
#include "tools/compare/compare.h"
#include "tools/eval/eval.h"
#include "tools/onnx2flat/cli.h"
#include "tools/reference/onnx_reference.h"

namespace matte::cli {

namespace {

namespace fs = std::filesystem;
const char* const kRvm = "models/rvm_mobilenetv3_fp32.onnx";

using Tool = int (*)(const std::vector<std::string>&, std::ostream&, std::ostream&);

struct Run {
  int code;
  std::string out, err;
};

Run run(Tool tool, const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = tool(args, out, err);
  return {code, out.str(), err.str()};
}

// A private temp folder holding the shared RVM model converted to our weight file.
struct Converted {
  fs::path dir = fs::temp_directory_path() / ("matte_tools_" + std::to_string(::getpid()));
  std::string onnx = test::require_shared(kRvm);
  std::string model = (dir / "rvm.safetensors").string();

  Converted() {
    fs::create_directories(dir);
    const Run r = run(run_onnx2flat, {onnx, model});
    INFO(r.err);
    REQUIRE(r.code == 0);
  }
  ~Converted() { fs::remove_all(dir); }
};

void require_onnx_runtime() {
  std::string why;
  const bool available = reference::onnx_runtime_available(&why);
  INFO("ONNX Runtime reference unavailable (run scripts/setup.sh): ", why);
  REQUIRE(available);
}

std::string last_line(const std::string& text) {
  const size_t end = text.find_last_not_of('\n');
  const size_t start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}

}  // namespace

TEST_CASE("tools: bad flags are usage errors (exit 2), missing files name the path (exit 1)") {
  Run r = run(run_compare, {"--onnx", "a.onnx", "--model", "m.safetensors"});
  CHECK(r.code == 2);
  CHECK(r.err.find("missing --input") != std::string::npos);
  r = run(run_compare, {"--onnx", "a.onnx", "--model", "m", "--input", "v.mp4", "--frames", "-3"});
  CHECK(r.code == 2);
  CHECK(r.err.find("--frames -3: must be in") != std::string::npos);
  r = run(run_compare, {"--onnx", "/nonexistent/a.onnx", "--model", "m", "--input", "v.mp4"});
  CHECK(r.code == 1);
  CHECK(r.err == "matte-compare: /nonexistent/a.onnx: no such file (--onnx)\n");

  r = run(run_bench, {"--model", "m", "--width", "64"});
  CHECK(r.code == 2);
  r = run(run_bench, {"--model", "m", "--width", "64", "--height", "48", "--downsample-ratio", "2"});
  CHECK(r.code == 2);
  CHECK(r.err.find("--downsample-ratio 2: not a number in (0, 1] or auto") != std::string::npos);
  r = run(run_bench, {"--model", "m", "--width", "64", "--height", "48", "--results", "alpha8,alpha9"});
  CHECK(r.code == 2);
  CHECK(r.err.find("--results: unknown result 'alpha9'") != std::string::npos);
  r = run(run_bench, {"--model", "/nonexistent/m.safetensors", "--width", "64", "--height", "48"});
  CHECK(r.code == 1);
  CHECK(r.err == "matte-bench: /nonexistent/m.safetensors: no such file (--model)\n");

  r = run(run_eval, {"--model", "m", "--matting-dir", "d", "--bogus", "1"});
  CHECK(r.code == 2);
  CHECK(r.err.find("unknown option --bogus") != std::string::npos);
}

TEST_CASE("tools: --help prints the usage and --version the version, both exit 0") {
  const std::pair<const char*, Tool> tools[] = {
      {"matte-bench", run_bench}, {"matte-compare", run_compare}, {"matte-eval", run_eval}};
  for (const auto& [name, tool] : tools) {
    INFO(name);
    for (const char* help : {"--help", "-h"}) {
      const Run r = run(tool, {help});
      CHECK(r.code == 0);
      CHECK(r.err.empty());
      CHECK(r.out.find(std::string("usage: ") + name) == 0);
    }
    const Run r = run(tool, {"--version"});
    CHECK(r.code == 0);
    CHECK(r.out == std::string(name) + " " + version() + "\n");
  }
}

TEST_CASE("matte-compare: 8 frames of the shared clip at ratio 0.5 agree with ONNX Runtime") {
  const std::string clip = test::require_shared("media/video/mechanic_360x640.mp4");
  const Converted c;
  require_onnx_runtime();
  const std::string json_path = (c.dir / "compare.json").string();
  const Run r = run(run_compare, {"--onnx", c.onnx, "--model", c.model, "--input", clip, "--frames", "8",
                                  "--downsample-ratio", "0.5", "--threads", "2", "--json", json_path});
  INFO(r.out, r.err);
  CHECK(r.code == 0);
  CHECK(last_line(r.out).starts_with("PASS"));

  std::ifstream in(json_path);
  const nlohmann::json doc = nlohmann::json::parse(in);
  CHECK(doc.at("frames") == 8);
  CHECK(doc.at("width") == 360);
  CHECK(doc.at("height") == 640);
  for (const char* name : {"fgr", "pha", "r1o", "r2o", "r3o", "r4o"}) {
    const auto& o = doc.at("outputs").at(name);
    CHECK(o.at("mad").get<double>() <= o.at("max_abs").get<double>());
    CHECK(o.at("mse").get<double>() >= 0.0);
  }
  for (const char* name : {"fgr", "pha"}) {
    CHECK(doc["outputs"][name]["max_abs"].get<double>() <= 1e-3);
    CHECK(doc["outputs"][name]["mad"].get<double>() <= 1e-5);
  }
}

TEST_CASE("matte-bench: prints per-frame times and a final fps line") {
  const Converted c;
  const Run r = run(run_bench, {"--model", c.model, "--width", "192", "--height", "108", "--frames", "3",
                                "--threads", "2", "--results", "alpha8,foreground8"});
  INFO(r.out, r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("frame 3: ") != std::string::npos);
  const std::string last = last_line(r.out);
  REQUIRE(last.starts_with("fps "));
  CHECK(std::stod(last.substr(4)) > 0.0);
}

// matte-bench --profile's stage table: every one of `stages` plus "outside the steps" and
// "total (measured)" has a row with ms >= 0, and the shares of all but the total add up to 100 %
// (rounding of the shares). Returns ms per row.
static std::map<std::string, double> check_stage_table(const std::string& out, std::vector<std::string> stages) {
  stages.push_back("outside the steps");
  stages.push_back("total (measured)");
  std::istringstream lines(out);
  std::map<std::string, double> stage_ms;
  double profiled_share = 0.0;
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("  steps by time")) break;
    for (const std::string& stage : stages) {
      const std::string prefix = "  " + stage + " ";
      if (!line.starts_with(prefix)) continue;
      std::istringstream row(line.substr(prefix.size()));
      double ms = -1, share = -1;
      row >> ms >> share;
      stage_ms[stage] = ms;
      if (stage != "total (measured)") profiled_share += share;
    }
  }
  CHECK(stage_ms.size() == stages.size());
  for (const auto& [stage, ms] : stage_ms) {
    CAPTURE(stage);
    CHECK(ms >= 0.0);
  }
  CHECK(profiled_share == doctest::Approx(100.0).epsilon(0.01));
  return stage_ms;
}

TEST_CASE("matte-bench --profile: every stage of RVM with its share of the measured frame time") {
  const Converted c;
  const Run r = run(run_bench, {"--model", c.model, "--width", "192", "--height", "108", "--frames", "2",
                                "--threads", "2", "--profile"});
  INFO(r.out, r.err);
  REQUIRE(r.code == 0);
  const std::map<std::string, double> stage_ms = check_stage_table(
      r.out, {"input", "backbone", "lraspp", "decoder", "gru", "resize", "guided filter", "full-res output"});
  CHECK(stage_ms.at("backbone") > 0.0);
  CHECK(stage_ms.at("full-res output") > 0.0);
  CHECK(r.out.find("backbone       features.15.project") != std::string::npos);
  CHECK(r.out.find("gru            decode1.gru.ih") != std::string::npos);
  CHECK(r.out.find("\npeak-rss-mb ") != std::string::npos);
}

TEST_CASE("matte-bench --profile: every stage of BGMv2 with its share of the measured frame time") {
  const std::string onnx = test::require_shared("models/bgm_mobilenetv2_fp32.onnx");
  const std::string src = test::require_shared("media/plates/greenscreen_src_658x370.png");
  const std::string plate = test::require_shared("media/plates/greenscreen_bgr_658x370.png");
  const fs::path dir = fs::temp_directory_path() / ("matte_tools_bgm_profile_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string model = (dir / "bgm.safetensors").string();
  REQUIRE(run(run_onnx2flat, {onnx, model}).code == 0);
  const Run r = run(run_bench, {"--model", model, "--width", "656", "--height", "368", "--frames", "2", "--threads",
                                "2", "--input", src, "--background-plate", plate, "--profile"});
  fs::remove_all(dir);
  INFO(r.out, r.err);
  REQUIRE(r.code == 0);
  const std::map<std::string, double> stage_ms =
      check_stage_table(r.out, {"input", "backbone", "aspp", "decoder", "refiner", "full-res output"});
  CHECK(stage_ms.at("backbone") > 0.0);
  CHECK(stage_ms.at("refiner") > 0.0);
  CHECK(stage_ms.at("full-res output") > 0.0);
  CHECK(r.out.find("backbone       features.17.project") != std::string::npos);
  CHECK(r.out.find("aspp           atrous3") != std::string::npos);
  CHECK(r.out.find("decoder        conv4") != std::string::npos);
  CHECK(r.out.find("refiner        refine patches") != std::string::npos);
  CHECK(r.out.find("\npeak-rss-mb ") != std::string::npos);
}

TEST_CASE("matte-eval: scores a few composited ground-truth frames") {
  const std::string dir = test::require_shared("media/matting");
  const Converted c;
  const Run r = run(run_eval, {"--model", c.model, "--matting-dir", dir, "--frames", "3", "--threads", "2"});
  INFO(r.out, r.err);
  REQUIRE(r.code == 0);
  const std::string last = last_line(r.out);
  REQUIRE(last.starts_with("matte "));
  std::istringstream row(last.substr(6));
  double mad = -1, mse = -1, grad = -1, dtssd = -1;
  row >> mad >> mse >> grad >> dtssd;
  CHECK(mad > 0);
  CHECK(mad < 100);  // a real matte: well under 10% mean error
  CHECK(mse >= 0);
  CHECK(grad >= 0);
  CHECK(dtssd >= 0);
}

}  // namespace matte::cli

namespace matte::cli {

TEST_CASE("matte-compare: BGMv2 with a plate passes and both engines refine the same patches") {
  const std::string onnx = test::require_shared("models/bgm_mobilenetv2_fp32.onnx");
  const std::string src = test::require_shared("media/plates/greenscreen_src_658x370.png");
  const std::string plate = test::require_shared("media/plates/greenscreen_bgr_658x370.png");
  require_onnx_runtime();
  const fs::path dir = fs::temp_directory_path() / ("matte_tools_bgm_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string model = (dir / "bgm.safetensors").string();
  REQUIRE(run(run_onnx2flat, {onnx, model}).code == 0);
  const Run r = run(run_compare, {"--onnx", onnx, "--model", model, "--input", src, "--background-plate", plate,
                                  "--threads", "2"});
  fs::remove_all(dir);
  INFO(r.out, r.err);
  CHECK(r.code == 0);
  // Cropped to multiples of 4 as the ONNX graph needs; 345 patches have an error above zero.
  CHECK(r.out.find("1 frame(s) 656x368 (bgm_mobilenetv2)") != std::string::npos);
  CHECK(r.out.find("refined 4x4 patches: ours 345, onnxruntime 345") != std::string::npos);
  CHECK(last_line(r.out).starts_with("PASS"));
}

}  // namespace matte::cli
