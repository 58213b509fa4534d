#include "tools/common/args.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>

#include "models/settings.h"

namespace matte::cli {

Args::Args(const std::vector<std::string>& argv, const std::vector<std::string>& allowed,
           const std::vector<std::string>& switches, const std::vector<std::string>& optional) {
  const auto listed = [](const std::vector<std::string>& list, const std::string& name) {
    return std::find(list.begin(), list.end(), name) != list.end();
  };
  // "--name" or "--name=value" of an optional-value option: its name, else "".
  const auto optional_name = [&](const std::string& arg) {
    const std::string name = arg.substr(0, arg.find('='));
    return listed(optional, name) ? name : "";
  };
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& name = argv[i];
    if (listed(switches, name)) {
      if (!switches_.insert(name).second) throw UsageError(name + " given twice");
      continue;
    }
    if (const std::string option = optional_name(name); !option.empty()) {
      if (!switches_.insert(option).second) throw UsageError(option + " given twice");
      if (option == name) continue;
      // The value is attached: a separate one could not be told from the next argument.
      const std::string value = name.substr(option.size() + 1);
      if (value.empty()) throw UsageError(name + ": no value after '='");
      values_.emplace(option, value);
      attached_.insert(option);
      continue;
    }
    if (!listed(allowed, name)) {
      if (name.starts_with("-")) throw UsageError("unknown option " + name);
      // "--name value" for an optional value: say how to attach it.
      const bool after_bare = i > 0 && optional_name(argv[i - 1]) == argv[i - 1];
      throw UsageError("unexpected argument " + name + (after_bare ? " (write " + argv[i - 1] + "=" + name + ")" : ""));
    }
    const auto is_option = [&](const std::string& next) {
      return listed(allowed, next) || listed(switches, next) || !optional_name(next).empty();
    };
    if (i + 1 == argv.size() || is_option(argv[i + 1])) throw UsageError(name + " needs a value");
    if (!values_.emplace(name, argv[++i]).second) throw UsageError(name + " given twice");
  }
}

std::string Args::as_given(const std::string& name) const {
  return name + (attached_.count(name) ? "=" : " ") + values_.at(name);
}

std::string Args::required(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) throw UsageError("missing " + name);
  return it->second;
}

std::string Args::text(const std::string& name, const std::string& fallback) const {
  return has(name) ? values_.at(name) : fallback;
}

int Args::integer(const std::string& name, int fallback, int min, int max) const {
  if (!has(name)) return fallback;
  const std::string& s = values_.at(name);
  int v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) throw UsageError(as_given(name) + ": not a whole number");
  if (v < min || v > max) {
    throw UsageError(as_given(name) + ": must be in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return v;
}

float Args::real_above(const std::string& name, float fallback, float low, float high) const {
  if (!has(name)) return fallback;
  const std::string& s = values_.at(name);
  float v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) {
    throw UsageError(as_given(name) + ": not a number");
  }
  if (!(v > low && v <= high)) {
    throw UsageError(as_given(name) + ": must be in (" + number_text(low) + ", " + number_text(high) + "]");
  }
  return v;
}

void require_path(const std::string& path, const std::string& what) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) throw Error(path + ": no such file (" + what + ")");
  // A FIFO or a device would block the open or never end.
  if (!fs::is_regular_file(status) && !fs::is_directory(status)) {
    throw Error(path + ": not a regular file or folder (" + what + ")");
  }
}

int run_tool(const char* tool, const char* usage, const std::vector<std::string>& argv,
             const std::vector<std::string>& allowed, std::ostream& out, std::ostream& err,
             const std::function<int(const Args&)>& body, const std::vector<std::string>& switches) {
  if (argv.size() == 1 && (argv[0] == "--help" || argv[0] == "-h")) {
    out << usage;
    return 0;
  }
  if (argv.size() == 1 && argv[0] == "--version") {
    out << tool << " " << version() << "\n";
    return 0;
  }
  try {
    return body(Args(argv, allowed, switches));
  } catch (const UsageError& e) {
    err << tool << ": " << e.what() << "\n" << usage;
    return 2;
  } catch (const std::exception& e) {
    err << tool << ": " << e.what() << "\n";
    return 1;
  }
}

}  // namespace matte::cli
