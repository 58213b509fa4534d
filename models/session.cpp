// The public Session (engine/matte.h) over the RVM or the BGMv2 network, picked by the weight
// file's architecture. It lives with the models because it builds them; engine/ stays free of any
// architecture.
#include <tbb/info.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/error.h"
#include "engine/image_io.h"
#include "engine/matte.h"
#include "engine/profile.h"
#include "engine/weight_file.h"
#include "models/bgm_frame.h"
#include "models/bgm_layers.h"
#include "models/results.h"
#include "models/rvm.h"
#include "models/rvm_layers.h"
#include "models/rvm_resnet50/layers.h"

namespace matte {

namespace {

void check_ratio(float ratio) {
  // Written to reject NaN too.
  if (!(ratio >= 0.0f && ratio <= 1.0f))
    throw Error("downsample ratio " + std::to_string(ratio) + " is not in (0, 1] (or 0 for automatic)");
}

}  // namespace

float auto_downsample_ratio(int width, int height) {
  return std::min(1.0f, 512.0f / static_cast<float>(std::max({width, height, 1})));
}

struct Session::Impl {
  std::string architecture;
  std::optional<rvm::Network> rvm_network;
  std::optional<bgm::FrameRunner> bgm_runner;
  tbb::task_arena arena;
  std::unique_ptr<Profiler> profiler;  // only with SessionOptions::profile
  float ratio;
  Result results;
  // Size of the frames since the last reset; a frame of another size is an error until reset().
  std::optional<std::pair<int, int>> clip_size;
  std::vector<rvm::Frame> rvm_frames;  // the chunk being run, kept for its capacity

  Impl(const WeightFile& weights, const SessionOptions& options)
      : architecture(weights.meta("architecture")),
        arena(options.threads > 0 ? options.threads : tbb::info::default_concurrency()),
        profiler(options.profile ? std::make_unique<Profiler>() : nullptr),
        ratio(options.downsample_ratio),
        results(options.results) {
    check_ratio(ratio);
    check_results(results);
    if (architecture == bgm::kArchitecture) {
      bgm_runner.emplace(weights, options);
      bgm_runner->set_profiler(profiler.get());
    } else if (rvm::is_rvm_architecture(architecture)) {
      rvm_network.emplace(weights);
      rvm_network->set_profiler(profiler.get());
    } else {
      throw Error(weights.origin() + ": architecture '" + architecture + "' is none of " +
                  std::string(rvm::kArchitecture) + ", " + std::string(rvm_resnet50::kArchitecture) + ", " +
                  std::string(bgm::kArchitecture));
    }
  }

  rvm::Network& rvm() {
    if (!rvm_network) throw Error("a " + architecture + " model needs a background plate with every frame");
    return *rvm_network;
  }

  // A chunk of frames of one size, all checked before any runs.
  template <class Frame>
  void process(std::span<const Frame> frames, std::span<Matte> mattes) {
    if (frames.empty()) return;
    const std::pair<int, int> size = clip_size.value_or(std::pair{frames[0].width, frames[0].height});
    for (const Frame& frame : frames) {
      check_frame(frame);
      if (std::pair{frame.width, frame.height} != size) {
        throw Error("frame " + std::to_string(frame.width) + "x" + std::to_string(frame.height) +
                    " differs from the clip's " + std::to_string(size.first) + "x" + std::to_string(size.second) +
                    " (call reset() at a cut)");
      }
    }
    const auto [width, height] = size;
    const float r = ratio > 0.0f ? ratio : auto_downsample_ratio(width, height);
    // RVM has no error or refine map.
    const Result wanted = results & (Result::alpha | Result::foreground | Result::alpha8 | Result::foreground8);
    rvm_frames.clear();
    for (size_t i = 0; i < frames.size(); ++i) {
      Matte& m = mattes[i];
      size_results(m, wanted, width, height);
      rvm_frames.push_back({frames[i], data_or_null(m.alpha), data_or_null(m.foreground), data_or_null(m.alpha8),
                            data_or_null(m.foreground8)});
    }
    rvm::Network& network = rvm();
    arena.execute([&] {
      network.plan(width, height, r, static_cast<int>(frames.size()));
      network.run(rvm_frames);
    });
    clip_size = size;
  }
};

Session::Session(const std::string& weight_path, SessionOptions options)
    : impl_(std::make_unique<Impl>(WeightFile::open(weight_path), options)) {}
Session::Session(std::vector<uint8_t> weight_file_bytes, const std::string& origin, SessionOptions options)
    : impl_(std::make_unique<Impl>(WeightFile::from_bytes(std::move(weight_file_bytes), origin), options)) {}
Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

const std::string& Session::architecture() const { return impl_->architecture; }
bool Session::needs_plate() const { return impl_->bgm_runner.has_value(); }

void Session::reset() {
  if (impl_->rvm_network) impl_->rvm_network->reset_state();
  impl_->clip_size.reset();
}

void Session::set_downsample_ratio(float ratio) {
  check_ratio(ratio);
  impl_->ratio = ratio;
}

void Session::set_results(Result results) {
  check_results(results);
  impl_->results = results;
}

float Session::downsample_ratio_for(int width, int height) const {
  return impl_->ratio > 0.0f ? impl_->ratio : auto_downsample_ratio(width, height);
}

Matte Session::process(const Image8& frame) {
  Matte m;
  process(frame, m);
  return m;
}

Matte Session::process(const PlanarImage& frame) {
  Matte m;
  impl_->process(std::span(&frame, 1), std::span(&m, 1));
  return m;
}

void Session::process(const Image8& frame, Matte& out) { impl_->process(std::span(&frame, 1), std::span(&out, 1)); }

std::vector<Matte> Session::process_chunk(std::span<const Image8> frames) {
  std::vector<Matte> mattes(frames.size());
  impl_->process(frames, std::span(mattes));
  return mattes;
}

Matte Session::process(const Image8& frame, const Image8& plate) {
  Matte m;
  process(frame, plate, m);
  return m;
}

void Session::process(const Image8& frame, const Image8& plate, Matte& out) {
  if (!impl_->bgm_runner) throw Error("an " + impl_->architecture + " model takes no background plate");
  impl_->arena.execute([&] { impl_->bgm_runner->process(frame, plate, impl_->results, out); });
}

std::vector<ProfileEntry> Session::profile() const {
  return impl_->profiler ? impl_->profiler->entries() : std::vector<ProfileEntry>{};
}

void Session::clear_profile() {
  if (impl_->profiler) impl_->profiler->clear();
}

StateView Session::recurrent_state(int index) const { return impl_->rvm().state(index); }

}  // namespace matte
