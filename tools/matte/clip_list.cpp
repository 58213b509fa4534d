#include "tools/matte/clip_list.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>

#include "tools/common/args.h"
#include "tools/matte/staged_output.h"

namespace matte::cli {

namespace {

namespace fs = std::filesystem;

std::string trimmed(const std::string& line) {
  const char* space = " \t\r\f\v";
  const size_t first = line.find_first_not_of(space);
  if (first == std::string::npos) return "";
  return line.substr(first, line.find_last_not_of(space) - first + 1);
}

// Streams, URLs and cameras are taken as written; paths relative to the list's folder.
std::string resolve(const std::string& entry, const fs::path& folder) {
  if (entry.find("://") != std::string::npos || entry.starts_with("camera:") || fs::path(entry).is_absolute()) {
    return entry;
  }
  return (folder / entry).string();
}

const char* const kFields[] = {"stem", "name", "index", "parent"};

// Calls `field(name)` for each {name} of `pattern` and `text(literal)` between them.
template <class Text, class Field>
void scan_template(const std::string& flag, const std::string& pattern, Text text, Field field) {
  size_t pos = 0;
  while (pos < pattern.size()) {
    const size_t open = pattern.find('{', pos);
    text(pattern.substr(pos, open == std::string::npos ? std::string::npos : open - pos));
    if (open == std::string::npos) return;
    const size_t close = pattern.find('}', open);
    if (close == std::string::npos) throw UsageError(flag + " " + pattern + ": unclosed {");
    const std::string name = pattern.substr(open + 1, close - open - 1);
    if (std::find(std::begin(kFields), std::end(kFields), name) == std::end(kFields)) {
      throw UsageError(flag + " " + pattern + ": unknown field {" + name + "} (the fields are {stem} {name} {index} {parent})");
    }
    field(name);
    pos = close + 1;
  }
}

}  // namespace

std::vector<Clip> read_clip_list(const std::string& path) {
  require_path(path, "--input-list");
  std::ifstream in(path);
  if (!in || fs::is_directory(path)) throw Error(path + ": cannot read the clip list");
  const fs::path folder = fs::path(path).parent_path();
  std::vector<Clip> clips;
  for (std::string line; std::getline(in, line);) {
    const std::string entry = trimmed(line);
    if (entry.empty() || entry.starts_with('#')) continue;
    clips.push_back({int(clips.size()), resolve(entry, folder)});
  }
  if (in.bad()) throw Error(path + ": cannot read the clip list");
  if (clips.empty()) throw Error(path + ": lists no clip");
  return clips;
}

void check_template(const std::string& flag, const std::string& pattern) {
  scan_template(flag, pattern, [](const std::string&) {}, [](const std::string&) {});
}

std::string expand_template(const std::string& pattern, const Clip& clip, int width) {
  // Absolute, so that a clip in the current folder has a {parent} too.
  const fs::path input = fs::absolute(without_trailing_slash(clip.input)).lexically_normal();
  std::string out;
  scan_template(
      "", pattern, [&](const std::string& text) { out += text; },
      [&](const std::string& name) {
        if (name == "name") out += input.filename().string();
        else if (name == "stem") out += input.stem().string();
        else if (name == "parent") out += input.parent_path().filename().string();
        else {
          const std::string digits = std::to_string(clip.index);
          out += std::string(size_t(std::max(0, width - int(digits.size()))), '0') + digits;
        }
      });
  return out;
}

int index_width(size_t clips) { return int(std::to_string(clips > 1 ? clips - 1 : 0).size()); }

Shard parse_shard(const std::string& text) {
  Shard shard;
  const size_t slash = text.find('/');
  const auto number = [&](size_t begin, size_t end, int& value) {
    const char* first = text.data() + begin;
    const char* last = text.data() + end;
    const auto [ptr, ec] = std::from_chars(first, last, value);
    return first != last && ec == std::errc() && ptr == last;
  };
  if (slash == std::string::npos || !number(0, slash, shard.index) || !number(slash + 1, text.size(), shard.count) ||
      shard.count < 1 || shard.index < 0 || shard.index >= shard.count) {
    throw UsageError("--shard " + text + ": not I/N with 0 <= I < N (e.g. 0/4)");
  }
  return shard;
}

}  // namespace matte::cli
