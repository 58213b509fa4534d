#include "models/settings.h"

#include <algorithm>
#include <cerrno>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "engine/error.h"

namespace matte {

namespace {

// The whole text as a number; NaN when it is not one.
double parse_number(const std::string& text) {
  // strtod would skip leading white space.
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return NAN;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  return end != text.c_str() + text.size() || errno == ERANGE ? NAN : v;
}

}  // namespace

std::string number_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

std::string setting_values_text(const Setting& s) {
  std::string text;
  if (s.kind == Setting::Kind::word) {
    for (size_t i = 0; i < s.words.size(); ++i) {
      text += (i == 0 ? "" : i + 1 == s.words.size() ? " or " : ", ") + s.words[i];
    }
    return text;
  }
  text = s.kind == Setting::Kind::integer
             ? "an integer in [" + std::to_string(int64_t(s.min)) + ", " + std::to_string(int64_t(s.max)) + "]"
             : "a number in (" + number_text(s.min) + ", " + number_text(s.max) + "]";
  for (const std::string& word : s.words) text += " or " + word;
  return text;
}

const Setting* Capabilities::setting(const std::string& name) const {
  for (const Setting& s : settings) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

void check_setting(const Setting& setting, const std::string& value) {
  for (const std::string& word : setting.words) {
    if (value == word) return;
  }
  if (setting.kind == Setting::Kind::word) throw Error(setting.name + " " + value + ": not " + setting_values_text(setting));
  const double v = parse_number(value);
  const bool whole = setting.kind != Setting::Kind::integer || v == std::floor(v);
  const bool above = setting.kind == Setting::Kind::integer ? v >= setting.min : v > setting.min;
  // Written to reject NaN too.
  if (!(whole && above && v <= setting.max)) {
    throw Error(setting.name + " " + value + ": not " + setting_values_text(setting));
  }
}

void apply_settings(Capabilities& capabilities, const std::vector<std::pair<std::string, std::string>>& options) {
  for (const auto& [name, value] : options) {
    const auto s = std::find_if(capabilities.settings.begin(), capabilities.settings.end(),
                                [&](const Setting& k) { return k.name == name; });
    if (s == capabilities.settings.end()) {
      std::string known;
      for (const Setting& k : capabilities.settings) known += (known.empty() ? "" : ", ") + k.name;
      throw Error(capabilities.title + " has no setting " + name +
                  (known.empty() ? " (it has none)" : " (its settings: " + known + ")"));
    }
    try {
      check_setting(*s, value);
    } catch (const Error& e) {
      throw Error(capabilities.title + ": " + e.what());
    }
    s->value = value;
  }
}

}  // namespace matte
