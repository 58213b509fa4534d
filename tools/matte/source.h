// Where `matte` reads frames from: a video file, one image, a folder of images (name order, one
// sequence) or a camera ("camera:N"). Frames come out as 8-bit BGR of one size.
#pragma once

#include <cstdint>
#include <memory>
#include <opencv2/core.hpp>
#include <string>

namespace matte::cli {

class FrameSource {
 public:
  // `spec` is a path or "camera:N". Skips `start` frames, then decodes the first frame so that the
  // size is known. Throws Error naming the input when it is missing, not a regular file or folder,
  // cannot be decoded, has no frame left, or has frames of more than `max_pixels` (0: no limit;
  // checked from headers before decoding). `fps` > 0 overrides the rate reported by fps().
  static std::unique_ptr<FrameSource> open(const std::string& spec, int start, double fps, int64_t max_pixels = 0);
  virtual ~FrameSource() = default;

  int width() const { return width_; }
  int height() const { return height_; }
  // A video's or a camera's own rate (exactly as reported; 30 when none is), 30 for images; or
  // the override.
  double fps() const { return fps_; }
  // Frames still to come, counting the one already decoded; -1 when unknown (camera).
  virtual int64_t remaining() const = 0;
  // The next frame; false at the end. Throws Error naming the file for a frame of another size.
  virtual bool read(cv::Mat& bgr) = 0;
  // The paths this source reads (empty for a camera), to refuse them as outputs.
  virtual std::string path() const = 0;

 protected:
  int width_ = 0, height_ = 0;
  double fps_ = 30.0;
};

}  // namespace matte::cli
