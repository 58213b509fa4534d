#include "engine/profile.h"

namespace matte {

void Profiler::add(std::string_view stage, std::string_view step, double seconds, double flops) {
  std::string key;
  key.reserve(stage.size() + step.size() + 1);
  key.append(stage).append("/").append(step);
  auto [it, added] = index_.try_emplace(std::move(key), entries_.size());
  if (added) entries_.push_back({std::string(stage), std::string(step)});
  ProfileEntry& e = entries_[it->second];
  e.seconds += seconds;
  e.flops += flops;
  ++e.calls;
}

void Profiler::clear() {
  entries_.clear();
  index_.clear();
}

}  // namespace matte
