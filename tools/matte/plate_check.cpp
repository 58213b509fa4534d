#include "tools/matte/plate_check.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace matte::cli {

PlateCheck::PlateCheck(Session& session, Result results, std::string plate)
    : session_(session), results_(results), plate_(std::move(plate)) {
  session_.set_results(results_ | Result::error8);
}

void PlateCheck::add(const Matte& m) {
  if (frames_ == kFrames) return;
  pixels_ += int64_t(m.error8.size());
  unsure_ += std::count_if(m.error8.begin(), m.error8.end(), [](uint8_t e) { return e >= kUnsure; });
  if (++frames_ < kFrames) return;
  session_.set_results(results_);
  counted_.store(true, std::memory_order_release);
}

std::string PlateCheck::take_warning(bool run_ended) {
  if (taken_ || (!run_ended && !counted_.load(std::memory_order_acquire))) return "";
  taken_ = true;
  const double share = pixels_ > 0 ? double(unsure_) / double(pixels_) : 0.0;
  if (share <= kMaxShare) return "";
  const auto percent = [](double x) { return std::to_string(std::lround(x * 100)) + "%"; };
  return plate_ + ": the plate does not look like this scene's background (the network is unsure on " +
         percent(share) + " of " + (frames_ == 1 ? "the frame" : "the first " + std::to_string(frames_) + " frames") +
         ", above " + percent(kMaxShare) +
         "); --background-plate takes the clean background shot from the same camera, not a new background";
}

}  // namespace matte::cli
