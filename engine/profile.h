// Wall time per named step of the forward pass, collected when a Session is created with
// `profile` on (matte-bench --profile): where the time goes, layer by layer.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/matte.h"

namespace matte {

class Profiler {
 public:
  // Adds one call of `step` (within `stage`); steps keep their first-seen order.
  void add(std::string_view stage, std::string_view step, double seconds, double flops);
  const std::vector<ProfileEntry>& entries() const { return entries_; }
  void clear();

 private:
  std::vector<ProfileEntry> entries_;
  std::unordered_map<std::string, size_t> index_;  // "stage/step" -> entry
};

// Times its scope into `profiler`; with a null profiler it costs one branch.
class ProfileScope {
 public:
  ProfileScope(Profiler* profiler, std::string_view stage, std::string_view step, double flops = 0.0)
      : profiler_(profiler), stage_(stage), step_(step), flops_(flops) {
    if (profiler_) start_ = std::chrono::steady_clock::now();
  }
  ~ProfileScope() {
    if (profiler_) {
      const std::chrono::duration<double> d = std::chrono::steady_clock::now() - start_;
      profiler_->add(stage_, step_, d.count(), flops_);
    }
  }
  ProfileScope(const ProfileScope&) = delete;
  ProfileScope& operator=(const ProfileScope&) = delete;

 private:
  Profiler* profiler_;
  std::string_view stage_, step_;
  double flops_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace matte
