// Where `matte` reads frames from: a video file or stream (FFmpeg), one image, a folder of images
// (name order, one sequence) or a camera ("camera:N"). Frames come out as 8-bit BGR of one size,
// each with its timestamp.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <opencv2/core.hpp>
#include <string>

namespace matte::cli {

class AudioTrack;

struct Rational {
  int num = 0, den = 1;
};

// In the source's time_base(): when the frame is shown and for how long.
struct FrameTime {
  int64_t pts = 0, duration = 1;
};

// "-" (standard input) or a URL: opened by FFmpeg, never checked as a path.
bool is_stream(const std::string& spec);

class FrameSource {
 public:
  // `spec` is a path, "-" (a video on standard input), a URL or "camera:N". Skips `start` frames,
  // then decodes the first frame so that the size is known. Throws Error naming the input when it
  // is missing, not a regular file or folder, cannot be decoded, has no frame left, or has frames of
  // more than `max_pixels` (0: no limit; checked from headers before decoding). `fps` > 0 replaces
  // the timestamps with a constant rate. `keep_audio`: a video's audio is collected for audio().
  // A video's reads that wait (standard input, a URL) give up once `*interrupt` is non-zero.
  static std::unique_ptr<FrameSource> open(const std::string& spec, int start, double fps, int64_t max_pixels = 0,
                                           bool keep_audio = false, const std::atomic<int>* interrupt = nullptr);
  virtual ~FrameSource() = default;

  int width() const { return width_; }
  int height() const { return height_; }
  // The unit of the frames' timestamps, and the nominal rate (a video's average rate, 30 when it
  // reports none, or the override).
  Rational time_base() const { return time_base_; }
  Rational frame_rate() const { return frame_rate_; }
  // Frames still to come, counting the one already decoded; -1 when unknown (camera, stream).
  virtual int64_t remaining() const = 0;
  // The next frame into `bgr`, whose buffer (one the caller no longer uses, or empty) may be reused
  // for a later frame; false at the end. Throws Error naming the file for a frame of another size.
  virtual bool read(cv::Mat& bgr, FrameTime& time) = 0;
  bool read(cv::Mat& bgr) {
    FrameTime time;
    return read(bgr, time);
  }
  // The paths this source reads (empty for a camera or standard input), to refuse them as outputs.
  virtual std::string path() const = 0;
  // A video's frames lost to damaged data so far.
  virtual int64_t lost_frames() const { return 0; }
  // After the last frame: one line when the input ended early (truncated), else "".
  virtual std::string ending_warning() const { return ""; }
  // The input's audio streams, when asked for at open; none otherwise.
  virtual std::vector<AudioTrack*> audio() const { return {}; }

 protected:
  // A constant rate: the time base is its inverse and frame k has pts k.
  void set_constant_rate(double fps);
  int width_ = 0, height_ = 0;
  Rational time_base_{1, 30}, frame_rate_{30, 1};
};

}  // namespace matte::cli
