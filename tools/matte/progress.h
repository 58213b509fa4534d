// The progress bar (stderr, only when it is a terminal) and the closing summary line.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace matte::cli {

class Progress {
 public:
  // `total` frames expected, -1 when unknown (camera); `draw` false draws nothing; `label` goes
  // before the bar ("clip 2/6 ").
  Progress(std::ostream& err, int64_t total, bool draw, const std::string& label = "");
  ~Progress() { finish(); }
  // After each frame; redraws at most ten times a second.
  void update(int64_t done);
  // Erases the bar (also on the way out of a failed run, before its error is printed).
  void finish();
  double seconds() const;

 private:
  std::ostream& err_;
  int64_t total_;
  bool draw_, drawn_ = false;
  std::string label_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// "12/100 [=====>      ] 12%  9.4 fps  ETA 0:09" (no bar or ETA when the total is unknown).
std::string progress_line(int64_t done, int64_t total, double seconds);
// "matte: 100 frames 1920x1080 in 10.61 s, 9.43 fps (<detail>)", with `label` after "matte: ".
std::string summary_line(int64_t frames, int width, int height, double seconds, const std::string& detail,
                         const std::string& label = "");

}  // namespace matte::cli
