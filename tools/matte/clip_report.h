// What a run did, clip by clip: the summary lines and the --json report.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tools/matte/clip_list.h"

namespace matte::cli {

enum class ClipStatus { done, done_earlier, failed };

struct ClipReport {
  Clip clip;
  std::vector<std::pair<std::string, std::string>> outputs;  // content ("alpha", ...) → path
  ClipStatus status = ClipStatus::failed;
  std::string error;  // when failed
  int width = 0, height = 0;
  int64_t frames = 0, lost_frames = 0;
  double seconds = 0.0;  // the clip's wall time, closing the outputs included
  std::vector<int64_t> scene_cuts;
};

struct BatchTotals {
  int clips = 0, done = 0, done_earlier = 0, failed = 0;
  int64_t frames = 0, lost_frames = 0;
  double seconds = 0.0;  // the whole run's wall time, the model's loading included
};

BatchTotals totals(const std::vector<ClipReport>& reports, double seconds);

// "matte: 6 clips: 4 done, 1 done earlier, 1 failed; 240 frames in 31.20 s, 7.69 fps"
std::string batch_summary(const BatchTotals& totals);

// Throws Error naming `path` unless nothing is there or a report of this tool's, which a run
// replaces (so that a resumed batch can rewrite its report).
void check_report_path(const std::string& path);
// Writes the report as JSON to a temporary beside `path`, renamed over it once complete (replace_file).
// `shard` is null for a run without --shard.
void write_report(const std::string& path, const std::string& model, const Shard* shard,
                  const std::vector<ClipReport>& reports, const BatchTotals& totals);

}  // namespace matte::cli
