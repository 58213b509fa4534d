#include "tools/matte/plate.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/error.h"
#include "tools/common/args.h"
#include "tools/common/frames.h"
#include "tools/matte/median_plate.h"

namespace matte::cli {

Plate::Plate(const std::string& path, int width, int height, bool resize, int64_t max_pixels, bool median)
    : path_(path), width_(width), height_(height), resize_(resize) {
  require_path(path, "--background-plate");
  int plate_width = 0, plate_height = 0;
  if (cv::haveImageReader(path)) {
    if (median) throw UsageError("--plate-median: " + path + " is an image; it takes a plate video or a folder of images");
    still_ = read_image_bgr(path, max_pixels);
    plate_width = still_.cols;
    plate_height = still_.rows;
  } else {
    video_ = FrameSource::open(path, 0, 0.0, max_pixels);
    plate_width = video_->width();
    plate_height = video_->height();
  }
  if ((plate_width != width || plate_height != height) && !resize) {
    throw Error(path + ": plate " + size_text(plate_width, plate_height) + " differs from the input's " +
                size_text(width, height) + " (use --resize-plate to scale it)");
  }
  if (median) {
    still_ = median_plate(*video_);
    video_.reset();
  }
  if (!still_.empty()) still_ = fit(still_);
}

cv::Mat Plate::fit(const cv::Mat& bgr) const {
  if (bgr.cols == width_ && bgr.rows == height_) return bgr;
  cv::Mat out;
  const bool shrink = width_ < bgr.cols && height_ < bgr.rows;
  cv::resize(bgr, out, cv::Size(width_, height_), 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
  return out;
}

cv::Mat Plate::next() {
  if (!video_) return still_;  // shared, never written
  cv::Mat frame;
  if (!video_->read(frame)) throw Error(path_ + ": plate video ended after " + std::to_string(read_) + " frames");
  ++read_;
  return fit(frame);  // a fresh buffer per frame: batches in flight keep theirs
}

}  // namespace matte::cli
