#include "tools/common/network_settings.h"

#include <algorithm>
#include <sstream>

#include "engine/matte.h"
#include "models/settings.h"

namespace matte::cli {

namespace {

// Each setting's first network: its range is the one checked before the model is read.
std::vector<std::pair<Setting, std::string>> distinct_settings() {
  std::vector<std::pair<Setting, std::string>> all;  // setting, titles of the networks taking it
  for (const Capabilities& c : supported_networks()) {
    for (const Setting& s : c.settings) {
      const auto it = std::find_if(all.begin(), all.end(), [&](const auto& a) { return a.first.name == s.name; });
      if (it == all.end()) all.emplace_back(s, c.title);
      else it->second += ", " + c.title;
    }
  }
  return all;
}

std::string values_text(const Setting& s) {
  return setting_values_text(s) + "; default " + (s.value.empty() ? "the model's" : s.value);
}

}  // namespace

std::vector<std::string> setting_flags() {
  std::vector<std::string> flags;
  for (const auto& [s, titles] : distinct_settings()) flags.push_back("--" + s.name);
  return flags;
}

std::vector<std::string> with_setting_flags(std::vector<std::string> options) {
  for (std::string& flag : setting_flags()) options.push_back(std::move(flag));
  return options;
}

std::vector<std::pair<std::string, std::string>> parse_settings(const Args& args) {
  std::vector<std::pair<std::string, std::string>> given;
  for (const auto& [s, titles] : distinct_settings()) {
    if (!args.has("--" + s.name)) continue;
    const std::string value = args.required("--" + s.name);
    try {
      check_setting(s, value);
    } catch (const Error& e) {
      throw UsageError(std::string("--") + e.what());
    }
    given.emplace_back(s.name, value);
  }
  return given;
}

std::string settings_help() {
  constexpr size_t kIndent = 29, kWidth = 100;
  std::string text;
  for (const auto& [s, titles] : distinct_settings()) {
    std::string line = "  --" + s.name;
    line.resize(std::max(line.size() + 1, kIndent), ' ');
    std::istringstream words(values_text(s) + ". " + titles + ": " + s.description);
    for (std::string word; words >> word;) {
      if (line.size() + 1 + word.size() > kWidth) {
        text += line + "\n";
        line = std::string(kIndent, ' ');
      }
      line += (line.back() == ' ' ? "" : " ") + word;
    }
    text += line + "\n";
  }
  return text;
}

}  // namespace matte::cli
