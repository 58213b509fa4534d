// The --preview window. GUI toolkits want a single thread, so the main thread shows frames that
// the encode stage posts from whichever thread it runs on.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <opencv2/core.hpp>

namespace matte::cli {

class Preview {
 public:
  // Throws Error when there is no display to open a window on.
  Preview();
  ~Preview();

  // Any thread: replaces the frame to show next (copied).
  void post(const cv::Mat& bgr);
  // Main thread: shows the newest frame until `finished()`; sets `quit` on q, Esc, or when the
  // window is closed.
  void run(const std::function<bool()>& finished, std::atomic<bool>& quit);

 private:
  std::mutex mutex_;
  cv::Mat latest_;
  bool fresh_ = false;
};

}  // namespace matte::cli
