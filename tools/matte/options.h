// `matte`'s command line: every flag parsed and checked before any file is touched.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tools/common/frames.h"
#include "tools/matte/background.h"
#include "tools/matte/clip_list.h"
#include "tools/matte/sink.h"

namespace matte::cli {

enum class Content { composition, alpha, foreground, error, refine_map };

struct OutputRequest {
  Content content;
  std::string flag;  // "--output-composition", ...
  std::string path;
  OutputKind kind;
};

struct MatteOptions {
  std::string model, input, plate;  // paths may hold template fields ({stem}, ...: clip_list.h)
  std::string input_list;           // --input-list: a batch (input is then empty)
  Shard shard;
  bool sharded = false;  // --shard given
  std::string json;      // --json: the report's path
  std::vector<OutputRequest> outputs;  // composition, alpha, foreground, error, refine map, as requested
  std::optional<OutputKind> output_type;  // --output-type: every output's kind, else by its path
  BackgroundSpec background = default_background();
  bool background_given = false;  // an explicit --background flattens a transparent composition
  VideoSettings video;            // --video-*, --output-format
  bool no_audio = false;
  std::vector<std::pair<std::string, std::string>> settings;  // the network's, --<name> (SessionOptions)
  int seq_chunk = 1, threads = 0, frames = 0, start = 0;  // frames 0 = all, threads 0 = every core
  double scene_cut = 0;  // --reset-on-scene-cut's threshold (scene_cut.h); 0 = never reset
  double fps = 0.0;                                      // 0 = the source's (retimes a video)
  int64_t max_pixels = kDefaultMaxPixels;                // larger frames are refused up front
  bool quiet = false, preview = false, overwrite = false;
  bool resize_plate = false;  // BGMv2
  bool plate_median = false;  // BGMv2: the plate video's per-pixel median as one still plate
};

// Throws UsageError for unknown flags, bad values, no output and no --preview.
MatteOptions parse_matte_options(const std::vector<std::string>& argv);

// The --help text.
std::string matte_help();

}  // namespace matte::cli
