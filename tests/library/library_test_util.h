// The library installed into a temporary prefix, shell commands, and the frames and alphas its
// consumers are checked against (the `matte` CLI's, on shared images).
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "tests/shared_data.h"

namespace matte::test {

namespace fs = std::filesystem;

struct Shell {
  int code = -1;
  std::string output;  // stdout and stderr
};

inline Shell shell(const std::string& command) {
  Shell r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(p);
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, p)) > 0;) r.output.append(buffer, n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Runs the command and requires it to succeed, showing its output otherwise.
inline std::string ok(const std::string& command) {
  const Shell r = shell(command);
  INFO(command, "\n", r.output);
  REQUIRE(r.code == 0);
  return r.output;
}

// One shell word (the paths here hold no quote).
inline std::string shell_word(const fs::path& p) {
  std::string word = "'";  // appended, not `"'" + s + "'"`: GCC 12 warns falsely there (-Wrestrict)
  word += p.string();
  word += '\'';
  return word;
}

inline std::vector<uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

inline void write_bytes(const fs::path& path, const std::vector<uint8_t>& data) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size()));
}

// A private folder with `cmake --install` of this build in prefix/ (so the tests see what users get).
struct Installed {
  fs::path root, prefix;
  Installed() {
    if (kSanitized) {
      // Consumers and Python would load an ASan-instrumented library without the ASan runtime.
      std::printf("SKIPPED: the installed library is tested in the plain build, not the sanitizer one\n");
      std::fflush(stdout);
      std::_Exit(77);
    }
    root = fs::path(MATTE_BINARY_DIR) / "test_tmp" / ("library_" + std::to_string(::getpid()));
    prefix = root / "prefix";
    fs::remove_all(root);
    fs::create_directories(root);
    ok("cmake --install " + shell_word(MATTE_BINARY_DIR) + " --prefix " + shell_word(prefix));
  }
  ~Installed() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  Installed(const Installed&) = delete;
  Installed& operator=(const Installed&) = delete;
  fs::path python_dir() const { return prefix / "lib/python3/dist-packages"; }
};

// One shared frame (and plate) as raw RGB, its converted weights, and the CLI's alpha for it.
struct Case {
  std::string name;  // "rvm", "bgm"
  int width = 0, height = 0;
  fs::path weights, frame_rgb, plate_rgb, cli_alpha;  // plate_rgb empty: none
  std::vector<uint8_t> alpha;                          // the CLI's, decoded

  std::string args() const {
    return shell_word(weights) + " " + std::to_string(width) + " " + std::to_string(height) + " " + shell_word(frame_rgb) +
           " " + (plate_rgb.empty() ? std::string("-") : shell_word(plate_rgb));
  }
};

inline int write_rgb(const std::string& image, const fs::path& out, int& height) {
  cv::Mat bgr = cv::imread(image, cv::IMREAD_COLOR), rgb;
  REQUIRE(!bgr.empty());
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  write_bytes(out, std::vector<uint8_t>(rgb.data, rgb.data + rgb.total() * 3));
  height = rgb.rows;
  return rgb.cols;
}

// RVM MobileNetV3 on an odd-sized photo, or BGMv2 on a source/plate pair.
inline Case make_case(const std::string& name, const fs::path& dir) {
  const bool rvm = name == "rvm";
  const std::string onnx = require_shared(rvm ? "models/rvm_mobilenetv3_fp32.onnx" : "models/bgm_mobilenetv2_fp32.onnx");
  const std::string image = require_shared(rvm ? "media/images/suit_570x407.png" : "media/plates/greenscreen_src_658x370.png");
  const std::string bin = std::string(MATTE_BINARY_DIR) + "/bin/";
  Case c;
  c.name = name;
  c.weights = dir / (name + ".safetensors");
  c.frame_rgb = dir / (name + "_frame.rgb");
  c.cli_alpha = dir / (name + "_alpha.png");
  ok(bin + "onnx2flat " + shell_word(onnx) + " " + shell_word(c.weights));
  c.width = write_rgb(image, c.frame_rgb, c.height);
  std::string cli = bin + "matte --model " + shell_word(c.weights) + " --input " + shell_word(image) + " --output-alpha " +
                    shell_word(c.cli_alpha);
  if (!rvm) {
    const std::string plate = require_shared("media/plates/greenscreen_bgr_658x370.png");
    c.plate_rgb = dir / (name + "_plate.rgb");
    int h = 0;
    write_rgb(plate, c.plate_rgb, h);
    cli += " --background-plate " + shell_word(plate);
  }
  ok(cli);
  const cv::Mat a = cv::imread(c.cli_alpha.string(), cv::IMREAD_GRAYSCALE);
  REQUIRE(a.cols == c.width);
  c.alpha.assign(a.data, a.data + a.total());
  return c;
}

// Runs a consumer on the case and requires its alpha to equal the CLI's, byte for byte.
inline void check_consumer(const std::string& consumer, const Case& c, const fs::path& dir) {
  const fs::path alpha = dir / (c.name + "_consumer_alpha.raw"), fg = dir / (c.name + "_consumer_fg.raw");
  const std::string out = ok(shell_word(consumer) + " " + c.args() + " " + shell_word(alpha) + " " + shell_word(fg));
  CHECK(out.find(c.name == "rvm" ? "rvm_mobilenetv3" : "bgm_mobilenetv2") != std::string::npos);
  const std::vector<uint8_t> got = read_bytes(alpha);
  REQUIRE(got.size() == c.alpha.size());
  size_t differing = 0;
  for (size_t i = 0; i < got.size(); ++i) differing += got[i] != c.alpha[i];
  INFO(consumer, " on ", c.name);
  CHECK(differing == 0);
  CHECK(read_bytes(fg).size() == got.size() * 3);
}

}  // namespace matte::test
