// Batch runs: the clip list (--input-list), output path templates and shards (--shard I/N).
#pragma once

#include <string>
#include <vector>

namespace matte::cli {

struct Clip {
  int index = 0;      // 0-based among the list's clips (comments and blank lines not counted)
  std::string input;  // resolved against the list file's folder when relative
};

// One clip per line; `#` starts a comment line, blank lines are skipped, surrounding spaces
// trimmed. Throws Error naming the file when it cannot be read or lists no clip.
std::vector<Clip> read_clip_list(const std::string& path);

// Throws UsageError naming `flag` for a field other than {stem} {name} {index} {parent}, or an
// unclosed brace.
void check_template(const std::string& flag, const std::string& pattern);
// The pattern with the clip's fields: {name} the input's file or folder name, {stem} the name
// without its extension, {parent} the name of the folder holding it, {index} the clip's index
// zero-padded to `index_width` digits.
std::string expand_template(const std::string& pattern, const Clip& clip, int index_width);
// Digits of the largest index of a list of `clips` clips (at least 1).
int index_width(size_t clips);

struct Shard {
  int index = 0, count = 1;  // this process takes the clips with index % count == index
  bool takes(const Clip& clip) const { return clip.index % count == index; }
};

// "I/N" with 0 <= I < N; throws UsageError otherwise.
Shard parse_shard(const std::string& text);

}  // namespace matte::cli
