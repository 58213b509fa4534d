// --plate-median: one still plate from a plate video, the per-pixel median of its frames, which
// removes noise and anything passing through (a person crossing the empty set).
//
// Memory stays bounded for long videos: of N frames, the kept ones are frames 0, s, 2s, ... where
// s is the smallest power of two that keeps their count at most the cap (every frame when N fits),
// so they spread over the whole video without knowing N ahead. The cap is 32 frames and 256 MiB of
// them, but at least 3: 32 frames at 1080p, 10 at 4K, 3 at 8K.
#pragma once

#include <cstddef>
#include <cstdint>
#include <opencv2/core.hpp>
#include <vector>

#include "tools/matte/source.h"

namespace matte::cli {

// How many width×height BGR frames the median keeps at most.
size_t median_frame_cap(int width, int height);

// Frames 0, s, 2s, ... of a video of unknown length, s doubling whenever a frame more than `cap`
// would be kept (then every other kept frame is dropped).
class SpreadSample {
 public:
  explicit SpreadSample(size_t cap) : cap_(cap) {}
  // The video's next frame (kept or dropped).
  void add(cv::Mat frame);
  const std::vector<cv::Mat>& frames() const { return kept_; }
  int64_t stride() const { return stride_; }

 private:
  size_t cap_;
  int64_t next_ = 0, stride_ = 1;
  std::vector<cv::Mat> kept_;
};

// Each pixel and channel: the middle value of the frames', the lower middle one for an even count
// (sorted values v[0..n-1]: v[(n-1)/2]), so the result is always one of the frames' values.
// Frames: 8-bit BGR of one size, at least one.
cv::Mat median_of(const std::vector<cv::Mat>& frames);

// The median over the sample of every frame left in `video` (at least one, as FrameSource::open
// leaves it).
cv::Mat median_plate(FrameSource& video);

}  // namespace matte::cli
