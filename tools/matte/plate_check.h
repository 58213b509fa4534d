// Whether the background plate is this scene's: users often pass the new background instead of the
// clean plate (BackgroundMattingV2 issues #11, #15, #66, #150, #151) and get a broken matte with no
// hint why.
//
// With the right plate the base network is unsure only along the subject's outline; with another
// picture it is unsure over much of the frame. The statistic is the share of pixels of the first
// kFrames frames whose error (Matte::error8, which the network computes anyway) is at least
// kUnsure/255; above kMaxShare the plate is warned about. Measured with the shared model (README.md,
// "BackgroundMattingV2"): right pairs 0.026-0.142, wrong plates 0.233-0.639.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "engine/matte.h"

namespace matte::cli {

class PlateCheck {
 public:
  static constexpr int kFrames = 5;
  static constexpr uint8_t kUnsure = 3;
  static constexpr double kMaxShare = 0.18;

  // `session` (BGMv2) fills `results`; the error map is added to them for the first kFrames frames.
  PlateCheck(Session& session, Result results, std::string plate);
  // On the inference thread after each frame: counts its error map; after the kFrames-th the
  // session's results are `results` again, so the rest of the run pays nothing.
  void add(const Matte& m);
  // The warning (without "matte: warning: "), given once: when kFrames frames are counted, or at
  // `run_ended` (a shorter run) from what was counted; "" otherwise or when the plate fits.
  std::string take_warning(bool run_ended);

 private:
  Session& session_;
  Result results_;
  std::string plate_;
  int64_t frames_ = 0, pixels_ = 0, unsure_ = 0;
  std::atomic<bool> counted_{false};
  bool taken_ = false;
};

}  // namespace matte::cli
