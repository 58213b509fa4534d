// The public Session (engine/matte.h) over the RVM network. It lives with the models because it
// builds one; engine/ stays free of any architecture.
#include <tbb/info.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <optional>
#include <string>

#include "engine/error.h"
#include "engine/image_io.h"
#include "engine/matte.h"
#include "engine/weight_file.h"
#include "models/rvm.h"

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
  rvm::Network network;
  tbb::task_arena arena;
  float ratio;
  // Size of the frames since the last reset; a frame of another size is an error until reset().
  std::optional<std::pair<int, int>> clip_size;

  Impl(const std::string& path, const SessionOptions& options)
      : network(WeightFile::open(path)),
        arena(options.threads > 0 ? options.threads : tbb::info::default_concurrency()),
        ratio(options.downsample_ratio) {
    check_ratio(ratio);
  }

  template <class Frame>
  Matte process(const Frame& frame, bool bgr) {
    check_frame(frame);
    const std::pair<int, int> size{frame.width, frame.height};
    if (clip_size && *clip_size != size) {
      throw Error("frame " + std::to_string(frame.width) + "x" + std::to_string(frame.height) +
                  " differs from the clip's " + std::to_string(clip_size->first) + "x" +
                  std::to_string(clip_size->second) + " (call reset() at a cut)");
    }
    const float r = ratio > 0.0f ? ratio : auto_downsample_ratio(frame.width, frame.height);
    Matte m;
    m.width = frame.width;
    m.height = frame.height;
    const size_t n = static_cast<size_t>(frame.width) * static_cast<size_t>(frame.height);
    m.alpha.resize(n);
    m.foreground.resize(3 * n);
    m.alpha8.resize(n);
    m.foreground8.resize(3 * n);
    arena.execute([&] {
      network.plan(frame.width, frame.height, r);
      to_rgb_float(frame, network.input());
      network.run({m.alpha.data(), m.foreground.data(), m.alpha8.data(), m.foreground8.data(), bgr});
    });
    clip_size = size;
    return m;
  }
};

Session::Session(const std::string& weight_path, SessionOptions options)
    : impl_(std::make_unique<Impl>(weight_path, options)) {}
Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

void Session::reset() {
  impl_->network.reset_state();
  impl_->clip_size.reset();
}

void Session::set_downsample_ratio(float ratio) {
  check_ratio(ratio);
  impl_->ratio = ratio;
}

float Session::downsample_ratio_for(int width, int height) const {
  return impl_->ratio > 0.0f ? impl_->ratio : auto_downsample_ratio(width, height);
}

Matte Session::process(const Image8& frame) { return impl_->process(frame, frame.format == PixelFormat::bgr8); }
Matte Session::process(const PlanarImage& frame) { return impl_->process(frame, false); }

std::vector<Matte> Session::process_chunk(std::span<const Image8> frames) {
  std::vector<Matte> out;
  out.reserve(frames.size());
  for (const Image8& f : frames) out.push_back(process(f));
  return out;
}

StateView Session::recurrent_state(int index) const { return impl_->network.state(index); }

}  // namespace matte
