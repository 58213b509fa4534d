#include "models/rvm_mobilenetv3/backbone.h"

#include <algorithm>
#include <string>
#include <vector>

#include "kernels/pool.h"

namespace matte::rvm {

namespace {

constexpr float kMean[3] = {0.485f, 0.456f, 0.406f};
constexpr float kStd[3] = {0.229f, 0.224f, 0.225f};

// An inverted residual block: optional expand 1×1, depthwise, optional squeeze-excitation, project 1×1.
struct Block {
  bool expand = false, se = false, residual = false;
  PointwiseConv expand_conv, fc1, fc2, project;
  DepthwiseConv dw;
  int hidden = 0;
  std::string expand_name, dw_name, se_name, project_name;  // profiler steps
};

Block load_block(const LayerLoader& w, int n) {
  Block b;
  const std::string prefix = "backbone.features." + std::to_string(n) + ".block.";
  for (const ConvLayer& l : w.table) {
    if (!l.name.starts_with(prefix)) continue;
    const std::string name(l.name);
    if (name.ends_with(".fc1")) {
      b.se = true;
      b.fc1 = w.pointwise(name);
    } else if (name.ends_with(".fc2")) {
      b.fc2 = w.pointwise(name);
    } else if (l.groups > 1) {
      b.dw = w.depthwise(name);
      b.hidden = l.cin;
    } else if (b.hidden == 0) {
      b.expand = true;
      b.expand_conv = w.pointwise(name);
    } else {
      b.project = w.pointwise(name);
    }
  }
  const int cin = b.expand ? b.expand_conv.cin() : b.dw.channels();
  b.residual = b.dw.stride() == 1 && cin == b.project.cout();
  const std::string step = "features." + std::to_string(n);
  b.expand_name = step + ".expand";
  b.dw_name = step + ".dw" + std::to_string(b.dw.kernel()) + "x" + std::to_string(b.dw.kernel()) + "s" +
              std::to_string(b.dw.stride());
  b.se_name = step + ".se";
  b.project_name = step + ".project";
  return b;
}

void global_avgpool(const View& in, float* out) {
  pool().f32_global_avgpool({static_cast<size_t>(in.h), static_cast<size_t>(in.w), static_cast<size_t>(in.channels)},
                            in.data, in.stride, out);
}

View vector_view(float* data, int channels) { return {data, 1, 1, channels, static_cast<size_t>(channels)}; }

// features.0 (stem), inverted residual blocks features.1 .. features.N, then the last 1×1 conv.
class MobileNetV3 final : public Backbone {
 public:
  explicit MobileNetV3(const LayerLoader& w) : stem_(w.dense("backbone.features.0.0")) {
    for (int n = 1; w.table.end() != std::find_if(w.table.begin(), w.table.end(), [&](const ConvLayer& l) {
                      return l.name.starts_with("backbone.features." + std::to_string(n) + ".block.");
                    });
         ++n)
      blocks_.push_back(load_block(w, n));
    last_name_ = "features." + std::to_string(blocks_.size() + 1);
    last_ = w.pointwise("backbone." + last_name_ + ".0");
  }

  void plan(const RecurrentHead& head) override {
    const int T = head.frames();
    const auto pixels = [&](int level) {
      return static_cast<size_t>(head.height(level)) * static_cast<size_t>(head.width(level));
    };
    norm_.reshape(T * head.height(0), head.width(0), 3);
    stem_out_.reshape(T * head.height(1), head.width(1), stem_.cout());
    // Level of each block's output (the stride-2 blocks step down one level); a block followed
    // by a stride-2 one gives the decoder its feature at that level.
    size_t expand_max = 0, dw_max = 0, se_max = 0;
    int level = 1;
    block_out_.resize(blocks_.size());
    out_view_.resize(blocks_.size());
    for (size_t i = 0; i < blocks_.size(); ++i) {
      const Block& b = blocks_[i];
      const size_t in_px = pixels(level);
      if (b.dw.stride() == 2) ++level;
      expand_max = std::max(expand_max, in_px * static_cast<size_t>(b.hidden));
      dw_max = std::max(dw_max, pixels(level) * static_cast<size_t>(b.hidden));
      se_max = std::max(se_max, static_cast<size_t>(b.hidden));
      const bool last_of_level = i + 1 < blocks_.size() && blocks_[i + 1].dw.stride() == 2;
      if (last_of_level) {
        out_view_[i] = head.feature(level);
      } else {
        block_out_[i].reshape(T * head.height(level), head.width(level), b.project.cout());
        out_view_[i] = block_out_[i].view();
      }
    }
    expand_.reshape(1, 1, static_cast<int>(expand_max));
    dw_.reshape(1, 1, static_cast<int>(dw_max));
    se_pool_.reshape(1, 1, static_cast<int>(se_max));
    se_mid_.reshape(1, 1, static_cast<int>(se_max));
    se_scale_.reshape(1, 1, static_cast<int>(se_max));
  }

  void run(const RecurrentHead& head) override {
    Profiler* prof = head.profiler();
    const int frames = head.frames();
    const auto at = [&](const View& v, int t) { return frame_of(v, frames, t); };
    const View small = head.source(), norm = norm_.view(), stem_out = stem_out_.view();
    {
      const ProfileScope timed(prof, kInput, "normalise");
      // (x − mean) / std exactly as the graph's Sub and Div.
      for_pixels(small.pixels(), 3, [&](size_t i) {
        const float* s = small.pixel(i);
        float* d = norm.pixel(i);
        for (int c = 0; c < 3; ++c) d[c] = (s[c] - kMean[c]) / kStd[c];
      });
    }
    {
      const ProfileScope timed(prof, kBackbone, "features.0.stem", frames * stem_.flops(at(stem_out, 0)));
      for (int t = 0; t < frames; ++t) stem_.run(at(norm, t), at(stem_out, t));
    }
    View x = stem_out;
    for (size_t i = 0; i < blocks_.size(); ++i) {
      const Block& b = blocks_[i];
      for (int t = 0; t < frames; ++t) {
        const View xt = at(x, t), o = at(out_view_[i], t);
        View e = xt;
        if (b.expand) {
          e = {expand_.data(), xt.h, xt.w, b.hidden, static_cast<size_t>(b.hidden)};
          const ProfileScope timed(prof, kBackbone, b.expand_name, b.expand_conv.flops(e));
          b.expand_conv.run(xt, e);
        }
        const View d{dw_.data(), o.h, o.w, b.hidden, static_cast<size_t>(b.hidden)};
        {
          const ProfileScope timed(prof, kBackbone, b.dw_name, b.dw.flops(d));
          b.dw.run(e, d);
        }
        const float* scale = nullptr;
        if (b.se) {
          const ProfileScope timed(prof, kBackbone, b.se_name);
          global_avgpool(d, se_pool_.data());
          b.fc1.run(vector_view(se_pool_.data(), b.hidden), vector_view(se_mid_.data(), b.fc1.cout()));
          b.fc2.run(vector_view(se_mid_.data(), b.fc1.cout()), vector_view(se_scale_.data(), b.hidden));
          scale = se_scale_.data();
        }
        const ProfileScope timed(prof, kBackbone, b.project_name, b.project.flops(o));
        b.project.run(d, o, scale, b.residual ? &xt : nullptr);
      }
      x = out_view_[i];
    }
    const View f4 = head.feature(4);
    const ProfileScope timed(prof, kBackbone, last_name_, frames * last_.flops(at(f4, 0)));
    for (int t = 0; t < frames; ++t) last_.run(at(x, t), at(f4, t));
  }

 private:
  DenseConv stem_;
  std::vector<Block> blocks_;
  PointwiseConv last_;
  std::string last_name_;
  Tensor norm_, stem_out_, expand_, dw_, se_pool_, se_mid_, se_scale_;
  std::vector<Tensor> block_out_;  // blocks whose output is not one of the decoder's features
  std::vector<View> out_view_;
};

}  // namespace

std::unique_ptr<Backbone> make_mobilenetv3_backbone(const LayerLoader& w) { return std::make_unique<MobileNetV3>(w); }

}  // namespace matte::rvm
