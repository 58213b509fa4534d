// matte: mattes a video, an image, a folder of images or a camera; see `matte --help`.
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <opencv2/core/utils/logger.hpp>

extern "C" {
#include <libavutil/log.h>
}

#include "tools/matte/matte_cli.h"

namespace {

std::atomic<int> g_signal{0};

// With outputs being written, only records the signal: the pipeline notices, stops and removes its
// temporaries. A second Ctrl-C falls back to the default action. Before that, nothing needs
// removing and the run ends at once.
extern "C" void on_signal(int sig) {
  if (!matte::cli::outputs_in_progress()) _exit(128 + sig);
  g_signal = sig;
  std::signal(sig, SIG_DFL);
}

}  // namespace

int main(int argc, char** argv) {
  static_assert(std::atomic<int>::is_always_lock_free, "set from a signal handler");
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  // Over a file size limit, writes fail (EFBIG) and the run cleans up, instead of being killed.
  std::signal(SIGXFSZ, SIG_IGN);
  // The tool reports its own errors in one line; OpenCV's and FFmpeg's warnings would only add noise.
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
  setenv("OPENCV_FFMPEG_LOGLEVEL", "-8", 0);
  av_log_set_level(AV_LOG_QUIET);
  return matte::cli::run_matte(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr,
                               isatty(STDERR_FILENO), g_signal);
}
