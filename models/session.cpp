// The public Session (engine/matte.h) over the network the weight file's architecture names
// (models/network.h). It lives with the models because it builds them; engine/ stays free of any
// architecture.
#include <tbb/info.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/error.h"
#include "engine/image_io.h"
#include "engine/matte.h"
#include "engine/profile.h"
#include "engine/weight_file.h"
#include "models/network.h"
#include "models/results.h"
#include "models/settings.h"

namespace matte {

float auto_downsample_ratio(int width, int height) {
  return std::min(1.0f, 512.0f / static_cast<float>(std::max({width, height, 1})));
}

struct Session::Impl {
  const Architecture& architecture;
  std::unique_ptr<Network> network;
  Capabilities capabilities;  // with this session's setting values
  tbb::task_arena arena;
  std::unique_ptr<Profiler> profiler;  // only with SessionOptions::profile
  Result results;
  // Size of the frames since the last reset; a frame of another size is an error until reset().
  std::optional<std::pair<int, int>> clip_size;

  Impl(const WeightFile& weights, const SessionOptions& options)
      : architecture(architecture_of(weights)),
        network(architecture.load(weights)),
        capabilities(architecture.capabilities),
        arena(options.threads > 0 ? options.threads : tbb::info::default_concurrency()),
        profiler(options.profile ? std::make_unique<Profiler>() : nullptr),
        results(options.results) {
    for (Setting& s : capabilities.settings) {
      if (s.value.empty()) s.value = network->weight_file_value(s.name);
      network->set(s.name, s.value);
    }
    set(options.settings);
    check_results(results);
    network->set_profiler(profiler.get());
  }

  // All checked before any applies.
  void set(const std::vector<std::pair<std::string, std::string>>& settings) {
    Capabilities next = capabilities;
    apply_settings(next, settings);
    for (const auto& [name, value] : settings) network->set(name, value);
    capabilities = std::move(next);
  }

  // A chunk of frames of one size, all checked before any runs; `plates` one per frame, or empty.
  template <class Frame>
  void process(std::span<const Frame> frames, std::span<const Image8> plates, std::span<Matte> mattes) {
    if (frames.empty()) return;
    if (capabilities.takes_plate && plates.empty()) {
      throw Error(capabilities.title + " needs a background plate with every frame");
    }
    if (!capabilities.takes_plate && !plates.empty()) {
      throw Error(capabilities.title + " takes no background plate");
    }
    const std::pair<int, int> size = clip_size.value_or(std::pair{frames[0].width, frames[0].height});
    for (const Frame& frame : frames) {
      check_frame(frame);
      if (std::pair{frame.width, frame.height} != size) {
        throw Error("frame " + size_text(frame.width, frame.height) + " differs from the clip's " +
                    size_text(size.first, size.second) + " (call reset() at a cut)");
      }
    }
    for (size_t i = 0; i < plates.size(); ++i) {
      check_frame(plates[i]);
      if (plates[i].width != frames[i].width || plates[i].height != frames[i].height) {
        throw Error("plate " + size_text(plates[i].width, plates[i].height) + " differs from the frame's " +
                    size_text(frames[i].width, frames[i].height));
      }
    }
    Chunk chunk;
    if constexpr (std::is_same_v<Frame, Image8>) chunk.frames = frames;
    else chunk.planar = frames;
    chunk.plates = plates;
    chunk.mattes = mattes;
    chunk.results = results & capabilities.results;
    arena.execute([&] { network->process(chunk); });
    // A network with a recurrent state holds the clip to its size.
    if (capabilities.recurrent_states > 0) clip_size = size;
  }
};

Session::Session(const std::string& weight_path, SessionOptions options)
    : impl_(std::make_unique<Impl>(WeightFile::open(weight_path), options)) {}
Session::Session(std::vector<uint8_t> weight_file_bytes, const std::string& origin, SessionOptions options)
    : impl_(std::make_unique<Impl>(WeightFile::from_bytes(std::move(weight_file_bytes), origin), options)) {}
Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

const Capabilities& Session::capabilities() const { return impl_->capabilities; }

void Session::reset() {
  impl_->network->reset();
  impl_->clip_size.reset();
}

void Session::set(const std::string& name, const std::string& value) {
  const Setting* s = impl_->capabilities.setting(name);
  if (s && !s->between_frames) throw Error(impl_->capabilities.title + ": " + name + " is set only when the session opens");
  impl_->set({{name, value}});
}

void Session::set_results(Result results) {
  check_results(results);
  impl_->results = results;
}

float Session::downsample_ratio_for(int width, int height) const {
  const Setting* s = impl_->capabilities.setting("downsample-ratio");
  if (!s) return 0.0f;
  return s->value == "auto" ? auto_downsample_ratio(width, height) : std::strtof(s->value.c_str(), nullptr);
}

Matte Session::process(const Image8& frame) {
  Matte m;
  process(frame, m);
  return m;
}

Matte Session::process(const PlanarImage& frame) {
  Matte m;
  impl_->process(std::span(&frame, 1), {}, std::span(&m, 1));
  return m;
}

void Session::process(const Image8& frame, Matte& out) { impl_->process(std::span(&frame, 1), {}, std::span(&out, 1)); }

std::vector<Matte> Session::process_chunk(std::span<const Image8> frames) {
  std::vector<Matte> mattes(frames.size());
  impl_->process(frames, {}, std::span(mattes));
  return mattes;
}

Matte Session::process(const Image8& frame, const Image8& plate) {
  Matte m;
  process(frame, plate, m);
  return m;
}

void Session::process(const Image8& frame, const Image8& plate, Matte& out) {
  impl_->process(std::span(&frame, 1), std::span(&plate, 1), std::span(&out, 1));
}

std::vector<ProfileEntry> Session::profile() const {
  return impl_->profiler ? impl_->profiler->entries() : std::vector<ProfileEntry>{};
}

void Session::clear_profile() {
  if (impl_->profiler) impl_->profiler->clear();
}

StateView Session::recurrent_state(int index) const { return impl_->network->state(index); }

}  // namespace matte
