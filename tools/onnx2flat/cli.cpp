#include "tools/onnx2flat/cli.h"

#include <chrono>
#include <filesystem>
#include <iomanip>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/weight_file.h"
#include "tools/onnx2flat/convert.h"
#include "tools/onnx2flat/recogniser.h"

namespace matte {

namespace {

// The networks named are the registry's, so a new one is listed without touching this text.
std::string usage_text() {
  std::string networks;
  for (const auto* r : convert::recognisers()) networks += (networks.empty() ? "" : ", ") + std::string(r->title);
  return "usage: onnx2flat IN.onnx OUT.safetensors   convert an ONNX file of " + networks + "\n" +
         "       onnx2flat --dump IN.onnx            list the graph's nodes and initializers\n" +
         "       onnx2flat --help | --version\n";
}

int usage(std::ostream& err, const std::string& problem) {
  err << "onnx2flat: " << problem << "\n" << usage_text();
  return 2;
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (std::filesystem::equivalent(a, b, ec)) return true;
  // Neither exists yet: compare the absolute, normalised paths.
  const auto normal = [&](const std::string& p) {
    return std::filesystem::weakly_canonical(std::filesystem::absolute(p, ec), ec);
  };
  return normal(a) == normal(b);
}

void dump(const std::string& path, std::ostream& out) {
  convert::dump_model(convert::parse_onnx(convert::read_onnx_file(path), path), out);
}

void convert_file(const std::string& in, const std::string& out_path, std::ostream& out) {
  const auto start = std::chrono::steady_clock::now();
  const ConvertedModel model = convert_onnx(in);
  write_weight_file(out_path, model.metadata, model.tensors);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out << "onnx2flat: wrote " << out_path << " (" << model.tensors.size() << " tensors, "
      << std::filesystem::file_size(out_path) << " bytes) in " << std::fixed << std::setprecision(2) << seconds
      << " s\n";
}

}  // namespace

int run_onnx2flat(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    out << usage_text();
    return 0;
  }
  if (args.size() == 1 && args[0] == "--version") {
    out << "onnx2flat " << version() << "\n";
    return 0;
  }
  if (args.size() != 2) return usage(err, "expected two arguments");
  try {
    if (args[0].starts_with("-") && args[0] != "--dump") return usage(err, "unknown option " + args[0]);
    if (args[0] == "--dump") {
      dump(args[1], out);
    } else {
      if (same_file(args[0], args[1])) return usage(err, "output " + args[1] + " is the input file");
      convert_file(args[0], args[1], out);
    }
  } catch (const Error& e) {
    err << "onnx2flat: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    err << "onnx2flat: " << args.back() << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace matte
