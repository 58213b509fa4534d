#include "tools/matte/preview.h"

#include <cstdlib>
#include <opencv2/highgui.hpp>

#include "engine/error.h"

namespace matte::cli {

namespace {

const char* const kWindow = "matte";

}  // namespace

Preview::Preview() {
  // Without a display the GUI toolkit aborts the process instead of reporting an error.
  if (!std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY")) {
    throw Error("--preview: no display to show a window on (DISPLAY and WAYLAND_DISPLAY are not set)");
  }
  cv::namedWindow(kWindow, cv::WINDOW_NORMAL);
}

Preview::~Preview() { cv::destroyWindow(kWindow); }

void Preview::post(const cv::Mat& bgr) {
  std::lock_guard lock(mutex_);
  bgr.copyTo(latest_);
  fresh_ = true;
}

void Preview::run(const std::function<bool()>& finished, std::atomic<bool>& quit) {
  while (!finished()) {
    {
      std::lock_guard lock(mutex_);
      if (fresh_) cv::imshow(kWindow, latest_);
      fresh_ = false;
    }
    const int key = cv::waitKey(15);
    if (key == 'q' || key == 'Q' || key == 27 || cv::getWindowProperty(kWindow, cv::WND_PROP_VISIBLE) < 1) {
      quit = true;
    }
  }
}

}  // namespace matte::cli
