// Command-line parsing shared by the matte-* tools: `--name value` options, every value checked.
#pragma once

#include <functional>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "engine/error.h"

namespace matte::cli {

// A malformed command line (unknown option, missing or bad value): the tools exit with code 2.
struct UsageError : Error {
  using Error::Error;
};

class Args {
 public:
  // `allowed` lists the accepted option names ("--model", ...); each takes exactly one value.
  // `switches` lists the options that take none ("--quiet"). `optional` lists those whose value is
  // optional and, when given, attached: `--name` alone or `--name=value`.
  Args(const std::vector<std::string>& argv, const std::vector<std::string>& allowed,
       const std::vector<std::string>& switches = {}, const std::vector<std::string>& optional = {});

  // A value was given (for an optional-value option: `--name=value`).
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  // A switch, or an optional-value option with or without its value, was given.
  bool flag(const std::string& name) const { return switches_.count(name) != 0; }
  // Throws UsageError when the option is absent.
  std::string required(const std::string& name) const;
  std::string text(const std::string& name, const std::string& fallback) const;
  // Whole number in [min, max].
  int integer(const std::string& name, int fallback, int min, int max) const;
  // Finite number in (low, high].
  float real_above(const std::string& name, float fallback, float low, float high) const;

 private:
  // "--name value", or "--name=value" as typed, for messages.
  std::string as_given(const std::string& name) const;

  std::map<std::string, std::string> values_;
  std::set<std::string> switches_, attached_;
};

// Parses argv against `allowed` and runs `body`, turning exceptions into the tools' exit codes:
// 2 with the usage text for a UsageError, 1 with a one-line message for any other failure. A lone
// --help (-h) or --version prints the usage text or "<tool> <version>" to `out` and returns 0.
int run_tool(const char* tool, const char* usage, const std::vector<std::string>& argv,
             const std::vector<std::string>& allowed, std::ostream& out, std::ostream& err,
             const std::function<int(const Args&)>& body, const std::vector<std::string>& switches = {});

// Throws Error("<path>: no such file") (with `what` naming its role) unless the path exists, and
// refuses what is neither a regular file nor a folder (FIFOs, devices).
void require_path(const std::string& path, const std::string& what);

}  // namespace matte::cli
