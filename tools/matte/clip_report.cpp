#include "tools/matte/clip_report.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/error.h"
#include "engine/matte.h"
#include "engine/replace_file.h"

namespace matte::cli {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

const char* status_text(ClipStatus status) {
  switch (status) {
    case ClipStatus::done: return "done";
    case ClipStatus::done_earlier: return "done_earlier";
    case ClipStatus::failed: return "failed";
  }
  return "";
}

double rate(int64_t frames, double seconds) { return seconds > 0 ? double(frames) / seconds : 0.0; }

json clip_json(const ClipReport& r) {
  json outputs = json::object();
  for (const auto& [content, path] : r.outputs) outputs[content] = path;
  json clip = {{"index", r.clip.index},
               {"input", r.clip.input},
               {"outputs", outputs},
               {"status", status_text(r.status)},
               {"error", r.status == ClipStatus::failed ? json(r.error) : json(nullptr)},
               {"frames", r.frames},
               {"lost_frames", r.lost_frames},
               {"seconds", r.seconds},
               {"fps", rate(r.frames, r.seconds)},
               {"scene_cuts", r.scene_cuts}};
  if (r.width > 0) clip["size"] = {r.width, r.height};
  return clip;
}

bool is_report(const fs::path& path) {
  std::ifstream in(path);
  const json doc = json::parse(in, nullptr, false);
  return doc.is_object() && doc.contains("matte") && doc.contains("clips") && doc.contains("totals");
}

}  // namespace

BatchTotals totals(const std::vector<ClipReport>& reports, double seconds) {
  BatchTotals t;
  t.clips = int(reports.size());
  t.seconds = seconds;
  for (const ClipReport& r : reports) {
    t.done += r.status == ClipStatus::done;
    t.done_earlier += r.status == ClipStatus::done_earlier;
    t.failed += r.status == ClipStatus::failed;
    t.frames += r.frames;
    t.lost_frames += r.lost_frames;
  }
  return t;
}

std::string batch_summary(const BatchTotals& t) {
  char text[200];
  std::snprintf(text, sizeof text, "matte: %d clips: %d done, %d done earlier, %d failed; %lld frames in %.2f s, %.2f fps",
                t.clips, t.done, t.done_earlier, t.failed, static_cast<long long>(t.frames), t.seconds,
                rate(t.frames, t.seconds));
  return text;
}

void check_report_path(const std::string& path) {
  const fs::file_status status = fs::symlink_status(path);
  if (!fs::exists(status)) return;
  if (!fs::is_regular_file(status) || !is_report(path)) {
    throw Error(path + ": --json would replace a file that is not a matte report");
  }
}

void write_report(const std::string& path, const std::string& model, const Shard* shard,
                  const std::vector<ClipReport>& reports, const BatchTotals& t) {
  json clips = json::array();
  for (const ClipReport& r : reports) clips.push_back(clip_json(r));
  const json doc = {{"matte", version()},
                    {"model", model},
                    {"shard", shard ? json{{"index", shard->index}, {"count", shard->count}} : json(nullptr)},
                    {"clips", clips},
                    {"totals",
                     {{"clips", t.clips},
                      {"done", t.done},
                      {"done_earlier", t.done_earlier},
                      {"failed", t.failed},
                      {"frames", t.frames},
                      {"lost_frames", t.lost_frames},
                      {"seconds", t.seconds},
                      {"fps", rate(t.frames, t.seconds)}}}};
  const std::string text = doc.dump(2) + "\n";
  replace_file(path, text.data(), text.size());
}

}  // namespace matte::cli
