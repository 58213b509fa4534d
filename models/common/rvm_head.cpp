#include "models/common/rvm_head.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/image_io.h"
#include "kernels/dgf_coeffs.h"
#include "kernels/eltwise.h"
#include "kernels/pool.h"
#include "kernels/resize.h"
#include "models/common/rvm_head_layers.h"
#include "models/common/upsampled_rows.h"

namespace matte::rvm {

namespace {

void resize(const ResizeParams& p, const float* in, size_t in_stride, const View& out) {
  const auto& k = matte::resize();
  parallel_ranges(p.out_h, grain_for(p.out_w * p.channels * 4),
                  [&](size_t b, size_t e) { k.f32_resize_bilinear(p, in, in_stride, out.data, out.stride, b, e); });
}

void resize(const ResizeParams& p, const View& in, const View& out) { resize(p, in.data, in.stride, out); }

// The frame at the network's input size (out: 3 channels), straight from its pixels.
void downsample(const Image8& frame, const ResizeParams& p, const View& out) { resize_frame(frame, p, out); }

void downsample(const PlanarImage& frame, const ResizeParams& p, const View& out) {
  const size_t plane = static_cast<size_t>(frame.width) * static_cast<size_t>(frame.height);
  ResizeParams one = p;
  one.channels = 1;
  for (int c = 0; c < kSourceChannels; ++c)
    resize(one, frame.data + static_cast<size_t>(c) * plane, 1, out.slice(c, 1));
}

// ×2 bilinear upsample (half_pixel with scale 2) cropped to out's size, which is at most 2× in's.
void upsample2_crop(const View& in, const View& out) {
  const ResizeParams p{static_cast<size_t>(in.h),  static_cast<size_t>(in.w), static_cast<size_t>(out.h),
                       static_cast<size_t>(out.w), static_cast<size_t>(in.channels), 2.0f, 2.0f};
  resize(p, in, out);
}

void avgpool2(const View& in, const View& out) {
  const PoolParams p{static_cast<size_t>(in.h), static_cast<size_t>(in.w), static_cast<size_t>(in.channels)};
  const auto& k = pool();
  parallel_ranges(static_cast<size_t>(out.h), grain_for(static_cast<size_t>(out.w) * 4 * p.channels),
                  [&](size_t b, size_t e) { k.f32_avgpool_2x2s2(p, in.data, in.stride, out.data, out.stride, b, e); });
}

void global_avgpool(const View& in, float* out) {
  pool().f32_global_avgpool({static_cast<size_t>(in.h), static_cast<size_t>(in.w), static_cast<size_t>(in.channels)},
                            in.data, in.stride, out);
}

View vector_view(float* data, int channels) { return {data, 1, 1, channels, static_cast<size_t>(channels)}; }

std::string decode_name(int k) { return "decoder.decode" + std::to_string(k); }

// ConvGRU over one buffer laid out [a | h | b | r·h] (C channels each): the block's output is
// [a | h'] = channels 0..2C, the gates read [h | b] (input channels of conv_ih reordered to match)
// and the candidate reads [b | r·h], so no concatenation is ever copied and h' is updated in place.
struct Gru {
  int c = 0;
  DenseConv ih, hh;
  Tensor p;
  std::string ih_name, hh_name, gates_name;  // profiler steps

  void load(const LayerLoader& w, const std::string& prefix) {
    const ConvLayer& li = w.layer(prefix + ".ih.0");
    c = li.cout / 2;
    const std::span<const float> wi = w.weights(li);
    const size_t taps = static_cast<size_t>(li.kernel * li.kernel), cin = static_cast<size_t>(li.cin);
    const size_t half = static_cast<size_t>(c) * taps;
    // [cout][x, h][k][k] -> [cout][h, x][k][k]
    std::vector<float> swapped(wi.size());
    for (size_t co = 0; co < static_cast<size_t>(li.cout); ++co) {
      const float* src = wi.data() + co * cin * taps;
      float* dst = swapped.data() + co * cin * taps;
      std::copy(src + half, src + 2 * half, dst);
      std::copy(src, src + half, dst + half);
    }
    ih = DenseConv(li.cin, li.cout, li.kernel, li.stride, li.dilation, li.pad, swapped, w.bias(li), li.act);
    hh = w.dense(prefix + ".hh.0");
    const std::string step = prefix.substr(prefix.find('.') + 1);  // decodeN.gru
    ih_name = step + ".ih";
    hh_name = step + ".hh";
    gates_name = step + ".gates";
  }
  void plan(int h, int w) { p.reshape(h, w, 4 * c); }
  // Floats step() needs for the gates and the candidate.
  size_t scratch_size() const { return p.view().pixels() * 3 * static_cast<size_t>(c); }
  void reset() {
    for_pixels(p.view().pixels(), static_cast<size_t>(c),
               [&](size_t i) { std::fill_n(p.data() + i * 4 * c + c, c, 0.0f); });
  }
  View h() const { return p.slice(c, c); }
  View out() const { return p.slice(0, 2 * c); }
  View a() const { return p.slice(0, c); }
  View b() const { return p.slice(2 * c, c); }

  // scratch: scratch_size() floats, free while the step runs.
  void step(float* scratch, Profiler* prof) {
    const View v = p.view();
    const size_t n = v.pixels(), cc = static_cast<size_t>(c);
    const View gates{scratch, v.h, v.w, 2 * c, 2 * cc}, cand{scratch + n * 2 * cc, v.h, v.w, c, cc};
    const auto& k = eltwise();
    {
      const ProfileScope timed(prof, kGru, ih_name, ih.flops(gates));
      ih.run(p.slice(c, 2 * c), gates);
    }
    {
      const ProfileScope timed(prof, kGru, gates_name);
      for_pixels(n, cc, [&](size_t i) {
        float* px = p.data() + i * 4 * cc;
        k.f32_vmul(cc, gates.pixel(i), px + cc, px + 3 * cc);  // r·h
      });
    }
    {
      const ProfileScope timed(prof, kGru, hh_name, hh.flops(cand));
      hh.run(p.slice(2 * c, 2 * c), cand);
    }
    const ProfileScope timed(prof, kGru, gates_name);
    for_pixels(n, cc, [&](size_t i) {
      float* hidden = p.data() + i * 4 * cc + cc;  // updated in place
      k.f32_vgru_update(cc, gates.pixel(i) + cc, hidden, cand.pixel(i), hidden);
    });
  }
};

// decode3..1: ×2 upsample of the previous output, cat with the encoder feature and the pooled
// source, 3×3 conv + ReLU whose two output halves go straight into the ConvGRU buffer.
struct UpBlock {
  int up_ch = 0, f_ch = 0;
  DenseConv conv_a, conv_b;
  Tensor cat;  // [upsampled | feature | pooled source] for each frame of the chunk
  Gru gru;
  std::string up_name, conv_name;  // profiler steps

  // up_channels: the previous block's output channels.
  void load(const LayerLoader& w, int k, int up_channels) {
    const std::string prefix = decode_name(k);
    const ConvLayer& l = w.layer(prefix + ".conv.0");
    const std::span<const float> wt = w.weights(l), bs = w.bias(l);
    const int half = l.cout / 2;
    const size_t per_out = wt.size() / static_cast<size_t>(l.cout);
    conv_a = DenseConv(l.cin, half, l.kernel, l.stride, l.dilation, l.pad, wt.first(per_out * half), bs.first(half),
                       l.act);
    conv_b = DenseConv(l.cin, half, l.kernel, l.stride, l.dilation, l.pad, wt.subspan(per_out * half),
                       bs.subspan(half), l.act);
    gru.load(w, prefix + ".gru");
    up_ch = up_channels;
    f_ch = l.cin - up_ch - kSourceChannels;
    up_name = "decode" + std::to_string(k) + ".upsample2";
    conv_name = "decode" + std::to_string(k) + ".conv";
  }
  void plan(int h, int w, int frames) {
    cat.reshape(frames * h, w, up_ch + f_ch + kSourceChannels);
    gru.plan(h, w);
  }
  View feature() const { return cat.slice(up_ch, f_ch); }
  View pooled() const { return cat.slice(up_ch + f_ch, kSourceChannels); }

  void run(const View& prev, const View& frame_cat, float* gru_scratch, Profiler* prof) {
    {
      const ProfileScope timed(prof, kResize, up_name);
      upsample2_crop(prev, frame_cat.slice(0, up_ch));
    }
    {
      const ProfileScope timed(prof, kDecoder, conv_name, conv_a.flops(gru.a()) + conv_b.flops(gru.b()));
      conv_a.run(frame_cat, gru.a());
      conv_b.run(frame_cat, gru.b());
    }
    gru.step(gru_scratch, prof);
  }
};

// The deep guided filter's full-resolution pass (kernels/upsample_apply.h, guided epilogue):
// [A | b] to the frame's size and the formula in one go, straight from and to the frame's pixels.
struct GuidedOutput {
  UpsampledRows rows;
  size_t width = 0, height = 0;

  void plan(int ab_h, int ab_w, int h, int w) {
    width = static_cast<size_t>(w), height = static_cast<size_t>(h);
    rows.plan(static_cast<size_t>(ab_h), static_cast<size_t>(ab_w), height, width, Epilogue::guided);
  }

  void run(const View& ab, const Frame& f) {
    if (!f.alpha && !f.foreground && !f.alpha8 && !f.foreground8) return;
    FullResSource src;
    if (const Image8* image = std::get_if<Image8>(&f.pixels)) {
      src.image = image;
    } else {
      const float* s = std::get<PlanarImage>(f.pixels).data;
      const size_t n = width * height;
      src.f32 = {{s, s + n, s + 2 * n}, 1};
      src.f32_row_stride = width;
    }
    rows.apply(ab, width, height, {f.alpha, f.foreground, f.alpha8, f.foreground8}, src, [](size_t) {});
  }
};

}  // namespace

View frame_of(const View& v, int frames, int t) {
  const int h = v.h / frames;
  return {v.data + static_cast<size_t>(t) * static_cast<size_t>(h) * static_cast<size_t>(v.w) * v.stride, h, v.w,
          v.channels, v.stride};
}

struct RecurrentHead::Impl {
  // Layers.
  PointwiseConv aspp1, aspp2;
  Gru gru4;
  std::array<UpBlock, 4> up;  // index 1..3 used: decode1..3
  DenseConv dec0_conv0, dec0_conv3;
  PointwiseConv project_mat;
  std::vector<float> refiner;  // box filter and convolutions, packed for kernels/dgf_coeffs.h

  // Plan. What the backbone and LRASPP write holds the whole chunk, frames stacked along the
  // height; the rest holds one frame.
  int width = 0, height = 0, frames = 0;
  float ratio = 0.0f;
  std::array<int, 5> lh{}, lw{};  // downsampled size, then 1/2 .. 1/16 of it
  Tensor dec0_cat;                // [upsampled | downsampled source]
  Tensor f4, aspp_pool, aspp_gate, aspp_out;
  Tensor coarse, hidden;  // project_mat's output and the decoder's features, the refiner's inputs
  // The ConvGRUs' gates and candidates, then dec0_mid, then ab [A 4 | b 4] and refine_scratch:
  // the steps never overlap in time.
  Tensor box_mem;
  View ab, dec0_mid;
  float* refine_scratch = nullptr;  // one dgf_coeffs scratch per band of refine_bands()
  Profiler* profiler = nullptr;
  GuidedOutput guided_out;

  ProfileScope step(std::string_view stage, std::string_view name, double flops = 0.0) const {
    return ProfileScope(profiler, stage, name, flops);
  }

  explicit Impl(const LayerLoader& w) {
    aspp1 = w.pointwise("aspp.aspp1.0");
    aspp2 = w.pointwise("aspp.aspp2.1");
    gru4.load(w, decode_name(4) + ".gru");
    int previous = 2 * gru4.c;
    for (int k = 3; k >= 1; --k) {
      up[k].load(w, k, previous);
      previous = 2 * up[k].gru.c;
    }
    dec0_conv0 = w.dense("decoder.decode0.conv.0");
    dec0_conv3 = w.dense("decoder.decode0.conv.3");
    project_mat = w.pointwise("project_mat.conv");
    const auto weights = [&](const char* name) { return w.weights(w.layer(name)).data(); };
    const auto bias = [&](const char* name) { return w.bias(w.layer(name)).data(); };
    refiner.resize(kDgfPackedSize);
    dgf_coeffs_pack({weights("refiner.box_filter"), weights("refiner.conv.0"), bias("refiner.conv.0"),
                     weights("refiner.conv.3"), bias("refiner.conv.3"), weights("refiner.conv.6"),
                     bias("refiner.conv.6")},
                    refiner.data());
  }

  int up0_channels() const { return 2 * up[1].gru.c; }
  View at(const View& v, int t) const { return frame_of(v, frames, t); }
  View source() const { return dec0_cat.slice(up0_channels(), kSourceChannels); }

  bool plan(int W, int H, float r, int T) {
    const bool same = W == width && H == height && r == ratio;
    if (same && T == frames) return false;
    const ResizeParams ds = resize_by_scale(static_cast<size_t>(H), static_cast<size_t>(W), 3, r, r);
    if (ds.out_h == 0 || ds.out_w == 0) {
      throw Error("frame " + std::to_string(W) + "x" + std::to_string(H) + " at downsample ratio " +
                  std::to_string(r) + " leaves no pixels to run the network on");
    }
    width = W, height = H, ratio = r, frames = T;
    lh[0] = static_cast<int>(ds.out_h);
    lw[0] = static_cast<int>(ds.out_w);
    for (int i = 1; i < 5; ++i) {
      lh[i] = static_cast<int>(avgpool_2x2s2_output_size(static_cast<size_t>(lh[i - 1])));
      lw[i] = static_cast<int>(avgpool_2x2s2_output_size(static_cast<size_t>(lw[i - 1])));
    }
    dec0_cat.reshape(T * lh[0], lw[0], dec0_conv0.cin());
    for (int k = 1; k <= 3; ++k) up[k].plan(lh[k], lw[k], T);
    gru4.plan(lh[4], lw[4]);
    f4.reshape(T * lh[4], lw[4], aspp1.cin());
    aspp_pool.reshape(1, 1, aspp1.cin());
    aspp_gate.reshape(T, 1, aspp2.cout());
    aspp_out.reshape(T * lh[4], lw[4], aspp1.cout());
    coarse.reshape(lh[0], lw[0], project_mat.cout());
    const size_t px0 = static_cast<size_t>(lh[0]) * static_cast<size_t>(lw[0]);
    size_t gru_max = gru4.scratch_size();
    for (int k = 1; k <= 3; ++k) gru_max = std::max(gru_max, up[k].gru.scratch_size());
    // The refiner's scratch after ab, on a cache line (its planes are whole cache lines).
    const size_t ab_floats = (8 * px0 + 15) / 16 * 16;
    const size_t refine_floats = ab_floats + refine_bands() * dgf_coeffs_scratch_size(static_cast<size_t>(lw[0]));
    const size_t mid_floats = static_cast<size_t>(dec0_conv0.cout()) * px0;
    box_mem.reshape(1, 1, static_cast<int>(std::max({mid_floats, gru_max, refine_floats})));
    hidden.reshape(lh[0], lw[0], dec0_conv3.cout());
    const auto at_low_res = [&](const Tensor& mem, int channels) {
      return View{mem.data(), lh[0], lw[0], channels, static_cast<size_t>(channels)};
    };
    ab = at_low_res(box_mem, 8);
    refine_scratch = box_mem.data() + ab_floats;
    dec0_mid = at_low_res(box_mem, dec0_conv0.cout());
    guided_out.plan(lh[0], lw[0], H, W);
    if (!same) reset_state();
    return true;
  }

  void reset_state() {
    gru4.reset();
    for (int k = 1; k <= 3; ++k) up[k].gru.reset();
  }

  void read_input(std::span<const Frame> in) {
    const ResizeParams ds = resize_by_scale(static_cast<size_t>(height), static_cast<size_t>(width), 3, ratio, ratio);
    for (int t = 0; t < frames; ++t) {
      const View small = at(source(), t);
      {
        const auto timed = step(kInput, "downsample from the frame's pixels");
        std::visit([&](const auto& pixels) { downsample(pixels, ds, small); }, in[static_cast<size_t>(t)].pixels);
      }
      const auto timed = step(kInput, "average pools");
      avgpool2(small, at(up[1].pooled(), t));
      avgpool2(at(up[1].pooled(), t), at(up[2].pooled(), t));
      avgpool2(at(up[2].pooled(), t), at(up[3].pooled(), t));
    }
  }

  void lraspp() {
    const auto timed = step(kLraspp, "aspp", frames * aspp1.flops(at(aspp_out.view(), 0)));
    for (int t = 0; t < frames; ++t) aspp1.run(at(f4.view(), t), at(aspp_out.view(), t));
    const int gate = aspp2.cout();
    for (int t = 0; t < frames; ++t) {
      global_avgpool(at(f4.view(), t), aspp_pool.data());
      aspp2.run(vector_view(aspp_pool.data(), aspp1.cin()), vector_view(aspp_gate.data() + t * gate, gate));
    }
  }

  void decoder(int t) {
    // x4 = aspp1 · aspp2, its halves straight into decode4's ConvGRU buffer ([a | h | b | r·h]).
    const size_t c = static_cast<size_t>(gru4.c);
    const float* g = aspp_gate.data() + static_cast<size_t>(t) * 2 * c;
    const View x4 = at(aspp_out.view(), t);
    {
      const auto timed = step(kDecoder, "decode4.gate");
      for_pixels(x4.pixels(), 2 * c, [&](size_t i) {
        const float* s = x4.pixel(i);
        float* a = gru4.p.data() + i * 4 * c;
        for (size_t k = 0; k < c; ++k) a[k] = s[k] * g[k];
        for (size_t k = c; k < 2 * c; ++k) a[c + k] = s[k] * g[k];
      });
    }
    gru4.step(box_mem.data(), profiler);
    up[3].run(gru4.out(), at(up[3].cat.view(), t), box_mem.data(), profiler);
    up[2].run(up[3].gru.out(), at(up[2].cat.view(), t), box_mem.data(), profiler);
    up[1].run(up[2].gru.out(), at(up[1].cat.view(), t), box_mem.data(), profiler);
    const View cat = at(dec0_cat.view(), t);
    {
      const auto timed = step(kResize, "decode0.upsample2");
      upsample2_crop(up[1].gru.out(), cat.slice(0, up0_channels()));
    }
    {
      const auto timed = step(kDecoder, "decode0.conv", dec0_conv0.flops(dec0_mid) + dec0_conv3.flops(dec0_mid));
      dec0_conv0.run(cat, dec0_mid);
      dec0_conv3.run(dec0_mid, hidden.view());
    }
    const auto timed = step(kDecoder, "project_mat", project_mat.flops(coarse.view()));
    project_mat.run(hidden.view(), coarse.view());
  }

  // The refiner's bands of output rows: few enough that recomputing the statistics of the rows
  // around each band costs little, enough to balance the threads.
  size_t refine_bands() const { return (static_cast<size_t>(lh[0]) + 15) / 16; }

  // Deep guided filter: A, b from the low-resolution statistics, then out = A·fine_x + b at full size.
  void refine(int t, const Frame& frame) {
    const View small = at(source(), t), y = coarse.view(), features = hidden.view();
    std::optional<ProfileScope> low;
    low.emplace(profiler, kGuided, "statistics, box filter, A and b",
                2.0 * kDgfMultiplyAdds * static_cast<double>(small.pixels()));
    const DgfCoeffsParams p{static_cast<size_t>(small.h), static_cast<size_t>(small.w), small.data, small.stride,
                            y.data, y.stride, features.data, features.stride, ab.data, ab.stride};
    const auto& k = dgf_coeffs();
    const size_t bands = refine_bands(), scratch = dgf_coeffs_scratch_size(p.w);
    parallel_ranges(bands, 1, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i)
        k.f32_dgf_coeffs(p, refiner.data(), refine_scratch + i * scratch, i * p.h / bands, (i + 1) * p.h / bands);
    });
    low.reset();
    const auto timed = step(kOutput, "upsample A, b and apply to 8-bit + float");
    guided_out.run(ab, frame);
  }

  void decode(std::span<const Frame> in) {
    lraspp();
    for (int t = 0; t < frames; ++t) {
      decoder(t);
      refine(t, in[static_cast<size_t>(t)]);
    }
  }

  const Gru& gru(int index) const {
    if (index == 3) return gru4;
    return up[index + 1].gru;
  }
};

RecurrentHead::RecurrentHead(const LayerLoader& w) : impl_(std::make_unique<Impl>(w)) {}
RecurrentHead::~RecurrentHead() = default;

int RecurrentHead::feature_channels(int level) const {
  return level == 4 ? impl_->aspp1.cin() : impl_->up[level].f_ch;
}

bool RecurrentHead::plan(int width, int height, float ratio, int frames) {
  return impl_->plan(width, height, ratio, frames);
}
int RecurrentHead::frames() const { return impl_->frames; }
int RecurrentHead::height(int level) const { return impl_->lh[level]; }
int RecurrentHead::width(int level) const { return impl_->lw[level]; }
View RecurrentHead::source() const { return impl_->source(); }
View RecurrentHead::feature(int level) const { return level == 4 ? impl_->f4.view() : impl_->up[level].feature(); }
void RecurrentHead::read_input(std::span<const Frame> frames) { impl_->read_input(frames); }
void RecurrentHead::decode(std::span<const Frame> frames) { impl_->decode(frames); }
void RecurrentHead::reset_state() { impl_->reset_state(); }
void RecurrentHead::set_profiler(Profiler* profiler) { impl_->profiler = profiler; }
Profiler* RecurrentHead::profiler() const { return impl_->profiler; }

StateView RecurrentHead::state(int index) const {
  if (index < 0 || index > 3) throw Error("recurrent state index " + std::to_string(index) + " is not in 0..3");
  const View h = impl_->gru(index).h();
  StateView s{h.channels, h.h, h.w, {}};
  s.values.resize(static_cast<size_t>(h.channels) * h.pixels());
  for (size_t i = 0; i < h.pixels(); ++i)
    for (int c = 0; c < h.channels; ++c) s.values[static_cast<size_t>(c) * h.pixels() + i] = h.pixel(i)[c];
  return s;
}

}  // namespace matte::rvm
