#include "tools/matte/median_plate.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>

namespace matte::cli {

size_t median_frame_cap(int width, int height) {
  constexpr size_t kMaxFrames = 32, kMinFrames = 3, kMaxBytes = size_t(256) << 20;
  const size_t frame_bytes = std::max<size_t>(1, size_t(width) * size_t(height) * 3);
  return std::clamp(kMaxBytes / frame_bytes, kMinFrames, kMaxFrames);
}

void SpreadSample::add(cv::Mat frame) {
  const int64_t index = next_++;
  if (index % stride_ != 0) return;
  if (kept_.size() == cap_) {
    // Thin to the multiples of twice the stride: the even positions.
    size_t n = 0;
    for (size_t i = 0; i < kept_.size(); i += 2) kept_[n++] = std::move(kept_[i]);
    kept_.resize(n);
    stride_ *= 2;
    if (index % stride_ != 0) return;
  }
  kept_.push_back(std::move(frame));
}

cv::Mat median_of(const std::vector<cv::Mat>& frames) {
  const cv::Mat& first = frames.front();
  cv::Mat out(first.size(), CV_8UC3);
  const size_t n = frames.size(), middle = (n - 1) / 2, row_values = size_t(first.cols) * 3;
  tbb::parallel_for(tbb::blocked_range<int>(0, first.rows), [&](const tbb::blocked_range<int>& rows) {
    std::vector<const uint8_t*> in(n);
    std::vector<uint8_t> values(n);
    for (int y = rows.begin(); y < rows.end(); ++y) {
      for (size_t k = 0; k < n; ++k) in[k] = frames[k].ptr<uint8_t>(y);
      uint8_t* dst = out.ptr<uint8_t>(y);
      for (size_t i = 0; i < row_values; ++i) {
        for (size_t k = 0; k < n; ++k) values[k] = in[k][i];
        std::nth_element(values.begin(), values.begin() + std::ptrdiff_t(middle), values.end());
        dst[i] = values[middle];
      }
    }
  });
  return out;
}

cv::Mat median_plate(FrameSource& video) {
  SpreadSample sample(median_frame_cap(video.width(), video.height()));
  // Moved out, so each read decodes into a fresh buffer and kept frames stay intact.
  for (cv::Mat frame; video.read(frame);) sample.add(std::move(frame));
  return median_of(sample.frames());
}

}  // namespace matte::cli
