#include "tools/bench/profile_report.h"

#include <algorithm>
#include <cstdio>
#include <string>

namespace matte::cli {

namespace {

struct Row {
  std::string stage, step;
  double seconds = 0.0, flops = 0.0;
  int64_t calls = 0;
};

std::string gflops_text(const Row& r) {
  if (r.flops <= 0 || r.seconds <= 0) return "";
  char text[32];
  std::snprintf(text, sizeof text, "%8.1f", r.flops / r.seconds * 1e-9);
  return text;
}

void print_stage(std::ostream& out, const Row& r, int frames, double frame_seconds) {
  char line[160];
  std::snprintf(line, sizeof line, "  %-18s %9.2f %6.1f%% %s\n", r.stage.c_str(), r.seconds / frames * 1e3,
                100.0 * r.seconds / (frame_seconds * frames), gflops_text(r).c_str());
  out << line;
}

}  // namespace

void print_profile(std::ostream& out, const std::vector<ProfileEntry>& entries, int frames, double frame_seconds) {
  std::vector<Row> stages;
  double profiled = 0.0;
  for (const ProfileEntry& e : entries) {
    auto it = std::find_if(stages.begin(), stages.end(), [&](const Row& r) { return r.stage == e.stage; });
    if (it == stages.end()) it = stages.insert(stages.end(), Row{e.stage, "", 0.0, 0.0, 0});
    it->seconds += e.seconds;
    it->flops += e.flops;
    profiled += e.seconds;
  }
  stages.push_back({"outside the steps", "", std::max(0.0, frame_seconds * frames - profiled), 0.0, 0});
  out << "profile: mean per frame over " << frames << " frame(s); GFLOP/s counts multiply-add as 2\n";
  out << "  stage                    ms   share  GFLOP/s\n";
  for (const Row& r : stages) print_stage(out, r, frames, frame_seconds);
  print_stage(out, Row{"total (measured)", "", frame_seconds * frames, 0.0, 0}, frames, frame_seconds);

  std::vector<Row> steps;
  for (const ProfileEntry& e : entries) steps.push_back({e.stage, e.step, e.seconds, e.flops, e.calls});
  std::stable_sort(steps.begin(), steps.end(), [](const Row& a, const Row& b) { return a.seconds > b.seconds; });
  out << "  steps by time:\n  stage          step                                ms   share  calls  GFLOP/s\n";
  for (const Row& r : steps) {
    char line[200];
    std::snprintf(line, sizeof line, "  %-14s %-32s %8.3f %6.1f%% %6.1f %s\n", r.stage.c_str(), r.step.c_str(),
                  r.seconds / frames * 1e3, 100.0 * r.seconds / (frame_seconds * frames), double(r.calls) / frames,
                  gflops_text(r).c_str());
    out << line;
  }
}

}  // namespace matte::cli
