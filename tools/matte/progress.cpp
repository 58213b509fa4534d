#include "tools/matte/progress.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace matte::cli {

namespace {

std::string clock_text(double seconds) {
  const long s = std::lround(std::max(0.0, seconds));
  char text[32];
  if (s >= 3600) std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(text, sizeof text, "%ld:%02ld", s / 60, s % 60);
  return text;
}

}  // namespace

std::string progress_line(int64_t done, int64_t total, double seconds) {
  const double fps = seconds > 0 ? double(done) / seconds : 0.0;
  char text[160];
  if (total <= 0) {
    std::snprintf(text, sizeof text, "%lld frames  %.1f fps", static_cast<long long>(done), fps);
    return text;
  }
  constexpr int kWidth = 30;
  const double part = std::min(1.0, double(done) / double(total));
  const int filled = int(part * kWidth);
  std::string bar(kWidth, ' ');
  std::fill(bar.begin(), bar.begin() + filled, '=');
  if (filled < kWidth) bar[filled] = '>';
  const double eta = fps > 0 ? double(std::max<int64_t>(0, total - done)) / fps : 0.0;
  std::snprintf(text, sizeof text, "%lld/%lld [%s] %3d%%  %.1f fps  ETA %s", static_cast<long long>(done),
                static_cast<long long>(total), bar.c_str(), int(part * 100), fps, clock_text(eta).c_str());
  return text;
}

std::string summary_line(int64_t frames, int width, int height, double seconds, const std::string& detail,
                         const std::string& label) {
  char text[120];
  std::snprintf(text, sizeof text, "%lld frames %dx%d in %.2f s, %.2f fps", static_cast<long long>(frames),
                width, height, seconds, seconds > 0 ? double(frames) / seconds : 0.0);
  return "matte: " + label + text + " (" + detail + ")";
}

Progress::Progress(std::ostream& err, int64_t total, bool draw, const std::string& label)
    : err_(err), total_(total), draw_(draw), label_(label), start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

double Progress::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::update(int64_t done) {
  if (!draw_) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100) && done != total_) return;
  last_draw_ = now;
  drawn_ = true;
  err_ << "\r" << label_ << progress_line(done, total_, seconds()) << "\033[K" << std::flush;
}

void Progress::finish() {
  if (drawn_) err_ << "\r\033[K" << std::flush;
  drawn_ = false;
}

}  // namespace matte::cli
