#include "models/rvm_resnet50/backbone.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "kernels/eltwise.h"
#include "kernels/pool.h"
#include "models/common/atrous_conv.h"

namespace matte::rvm_resnet50 {

namespace {

using rvm::frame_of;
using rvm::kBackbone;

constexpr int kStages = 4;

// A bottleneck: 1×1 + ReLU, 3×3 + ReLU (the stride or dilation), 1×1, plus the shortcut (the
// input, or its 1×1 projection in a stage's first block), then ReLU.
struct Bottleneck {
  PointwiseConv conv1, conv3;
  DenseConv conv2;
  std::optional<AtrousConv> conv2_dilated;  // instead of conv2 at dilation > 1
  std::optional<PointwiseConv> project;     // stride-1 projection, a GEMM
  std::optional<DenseConv> project_s2;      // stride-2 projection
  int stride = 1;
  std::string conv1_name, conv2_name, conv3_name, project_name;  // profiler steps
};

bool has_layer(const LayerLoader& w, const std::string& name) {
  return std::any_of(w.table.begin(), w.table.end(), [&](const ConvLayer& l) { return l.name == name; });
}

Bottleneck load_block(const LayerLoader& w, const std::string& prefix) {
  Bottleneck b;
  b.conv1 = w.pointwise(prefix + ".conv1");
  const ConvLayer& c2 = w.layer(prefix + ".conv2");
  // Dilated: Winograd over the phase sub-images (2-3× the direct kernel at dilation 2).
  if (c2.dilation > 1 && c2.kernel == 3 && c2.pad == c2.dilation)
    b.conv2_dilated = AtrousConv(c2.cin, c2.cout, c2.dilation, w.weights(c2), w.bias(c2), c2.act, true);
  else
    b.conv2 = w.dense(prefix + ".conv2");
  b.conv3 = w.pointwise(prefix + ".conv3");
  b.stride = c2.stride;
  if (const std::string shortcut = prefix + ".downsample.0"; has_layer(w, shortcut)) {
    if (w.layer(shortcut).stride == 1)
      b.project = w.pointwise(shortcut);
    else
      b.project_s2 = w.dense(shortcut);
  }
  const std::string step = prefix.substr(prefix.find('.') + 1);  // layerL.B
  b.conv1_name = step + ".conv1";
  b.conv2_name = step + ".conv2";
  b.conv3_name = step + ".conv3";
  b.project_name = step + ".downsample";
  return b;
}

void relu_in_place(const View& v) {
  const auto& k = eltwise();
  const auto channels = static_cast<size_t>(v.channels);
  if (v.stride == channels) {
    parallel_ranges(v.pixels(), grain_for(channels), [&](size_t b, size_t e) {
      k.f32_vunary((e - b) * channels, v.pixel(b), v.pixel(b), Act::relu);
    });
    return;
  }
  for_pixels(v.pixels(), channels, [&](size_t i) { k.f32_vunary(channels, v.pixel(i), v.pixel(i), Act::relu); });
}

class ResNet50 final : public rvm::Backbone {
 public:
  explicit ResNet50(const LayerLoader& w) : stem_(w.dense("backbone.conv1")) {
    for (int stage = 1; stage <= kStages; ++stage) {
      const std::string layer = "backbone.layer" + std::to_string(stage) + ".";
      for (int n = 0; has_layer(w, layer + std::to_string(n) + ".conv1"); ++n)
        stages_[stage - 1].push_back(load_block(w, layer + std::to_string(n)));
    }
  }

  void plan(const rvm::RecurrentHead& head) override {
    const int T = head.frames();
    const auto pixels = [&](int level) {
      return static_cast<size_t>(head.height(level)) * static_cast<size_t>(head.width(level));
    };
    pooled_.reshape(T * head.height(2), head.width(2), stem_.cout());
    // Stages 1..3 step down to levels 2..4 (stage 1 through the max pool); stage 4 stays at 1/16.
    size_t mid_max = 0, out_max = 0;
    int level = 2;
    for (int s = 0; s < kStages; ++s) {
      for (Bottleneck& b : stages_[s]) {
        const size_t in_px = pixels(level);
        if (b.stride == 2) ++level;
        mid_max = std::max({mid_max, in_px * static_cast<size_t>(b.conv1.cout()),
                            pixels(level) * static_cast<size_t>(b.conv3.cout())});
        if (b.conv2_dilated) b.conv2_dilated->plan(head.height(level), head.width(level));
        out_max = std::max(out_max, static_cast<size_t>(T) * pixels(level) * static_cast<size_t>(b.conv3.cout()));
      }
      levels_[s] = level;
    }
    work_a_.reshape(1, 1, static_cast<int>(mid_max));
    work_b_.reshape(1, 1, static_cast<int>(mid_max));
    for (Tensor& t : ping_) t.reshape(1, 1, static_cast<int>(out_max));
  }

  void run(const rvm::RecurrentHead& head) override {
    Profiler* prof = head.profiler();
    const int frames = head.frames();
    const auto at = [&](const View& v, int t) { return frame_of(v, frames, t); };
    const View f1 = head.feature(1);
    {
      const ProfileScope timed(prof, kBackbone, "conv1.stem7x7s2", frames * stem_.flops(at(f1, 0)));
      for (int t = 0; t < frames; ++t) stem_.run(at(head.source(), t), at(f1, t));
    }
    {
      const ProfileScope timed(prof, kBackbone, "maxpool3x3s2");
      const PoolParams p{static_cast<size_t>(f1.h / frames), static_cast<size_t>(f1.w),
                         static_cast<size_t>(f1.channels)};
      const auto& k = pool();
      for (int t = 0; t < frames; ++t) {
        const View in = at(f1, t), out = at(pooled_.view(), t);
        parallel_ranges(
            static_cast<size_t>(out.h), grain_for(static_cast<size_t>(out.w) * 9 * p.channels),
            [&](size_t b, size_t e) { k.f32_maxpool_3x3s2(p, in.data, in.stride, out.data, out.stride, b, e); });
      }
    }
    // The stages' last outputs are the decoder's features at 1/4, 1/8 and (after stage 4) 1/16.
    const int feature_of_stage[kStages] = {2, 3, 0, 4};
    View x = pooled_.view();
    for (int s = 0; s < kStages; ++s) {
      const int level = levels_[s];
      for (size_t i = 0; i < stages_[s].size(); ++i) {
        Bottleneck& b = stages_[s][i];
        View o;
        if (i + 1 == stages_[s].size() && feature_of_stage[s] > 0) {
          o = head.feature(feature_of_stage[s]);
        } else {
          float* free = x.data == ping_[0].data() ? ping_[1].data() : ping_[0].data();
          o = {free, frames * head.height(level), head.width(level), b.conv3.cout(),
               static_cast<size_t>(b.conv3.cout())};
        }
        run_block(b, x, o, frames, prof);
        x = o;
      }
    }
  }

 private:
  void run_block(Bottleneck& b, const View& x, const View& o, int frames, Profiler* prof) {
    const auto at = [&](const View& v, int t) { return frame_of(v, frames, t); };
    for (int t = 0; t < frames; ++t) {
      const View xt = at(x, t), ot = at(o, t);
      const int mid = b.conv1.cout();
      const View m1{work_a_.data(), xt.h, xt.w, mid, static_cast<size_t>(mid)};
      const View m2{work_b_.data(), ot.h, ot.w, mid, static_cast<size_t>(mid)};
      {
        const ProfileScope timed(prof, kBackbone, b.conv1_name, b.conv1.flops(m1));
        b.conv1.run(xt, m1);
      }
      {
        const ProfileScope timed(prof, kBackbone, b.conv2_name,
                                 b.conv2_dilated ? b.conv2_dilated->flops(m2) : b.conv2.flops(m2));
        b.conv2_dilated ? b.conv2_dilated->run(m1, m2) : b.conv2.run(m1, m2);
      }
      // m1 is free again: the projected shortcut goes there.
      View shortcut = xt;
      if (b.project || b.project_s2) {
        shortcut = {work_a_.data(), ot.h, ot.w, ot.channels, static_cast<size_t>(ot.channels)};
        const double flops = b.project ? b.project->flops(shortcut) : b.project_s2->flops(shortcut);
        const ProfileScope timed(prof, kBackbone, b.project_name, flops);
        b.project ? b.project->run(xt, shortcut) : b.project_s2->run(xt, shortcut);
      }
      const ProfileScope timed(prof, kBackbone, b.conv3_name, b.conv3.flops(ot));
      b.conv3.run(m2, ot, nullptr, &shortcut);
      relu_in_place(ot);
    }
  }

  DenseConv stem_;
  std::vector<Bottleneck> stages_[kStages];
  int levels_[kStages] = {};
  Tensor pooled_, work_a_, work_b_;  // work: a block's intermediates, per frame
  Tensor ping_[2];
};

}  // namespace

std::unique_ptr<rvm::Backbone> make_backbone(const LayerLoader& w) { return std::make_unique<ResNet50>(w); }

}  // namespace matte::rvm_resnet50
