#include "models/rvm.h"

#include <algorithm>
#include <optional>
#include <string>

#include "engine/error.h"
#include "engine/image_io.h"
#include "engine/profile.h"
#include "kernels/dgf_coeffs.h"
#include "kernels/guided.h"
#include "kernels/pool.h"
#include "kernels/resize.h"
#include "models/rvm_layers.h"
#include "models/upsampled_rows.h"

namespace matte::rvm {

namespace {

constexpr int kBlocks = 16;  // features.0 (stem) .. features.15; features.16 is the last 1×1
constexpr float kMean[3] = {0.485f, 0.456f, 0.406f};
constexpr float kStd[3] = {0.229f, 0.224f, 0.225f};

// Profiler stages (matte-bench --profile).
constexpr std::string_view kInput = "input", kBackbone = "backbone", kLraspp = "lraspp", kDecoder = "decoder",
                           kGru = "gru", kResize = "resize", kGuided = "guided filter", kOutput = "full-res output";

struct Loader {
  const WeightFile& file;

  const ConvLayer& layer(const std::string& name) const { return conv_layer(name); }
  std::span<const float> weights(const ConvLayer& l) const { return file.tensor(weight_name(l), weight_shape(l)); }
  std::span<const float> bias(const ConvLayer& l) const {
    if (!l.bias) return {};
    return file.tensor(bias_name(l), {l.cout});
  }
  PointwiseConv pointwise(const std::string& name) const {
    const ConvLayer& l = layer(name);
    return PointwiseConv(l.cin, l.cout, weights(l), bias(l), l.act);
  }
  DepthwiseConv depthwise(const std::string& name) const {
    const ConvLayer& l = layer(name);
    return DepthwiseConv(l.cin, l.kernel, l.stride, l.dilation, l.pad, weights(l), bias(l), l.act);
  }
  DenseConv dense(const std::string& name) const {
    const ConvLayer& l = layer(name);
    return DenseConv(l.cin, l.cout, l.kernel, l.stride, l.dilation, l.pad, weights(l), bias(l), l.act);
  }
};

// An inverted residual block: optional expand 1×1, depthwise, optional squeeze-excitation, project 1×1.
struct Block {
  bool expand = false, se = false, residual = false;
  PointwiseConv expand_conv, fc1, fc2, project;
  DepthwiseConv dw;
  int hidden = 0;
  std::string expand_name, dw_name, se_name, project_name;  // profiler steps
};

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

Block load_block(const Loader& w, int n) {
  Block b;
  const std::string prefix = "backbone.features." + std::to_string(n) + ".block.";
  for (const ConvLayer& l : conv_layers()) {
    if (!starts_with(l.name, prefix)) continue;
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
  for (int c = 0; c < 3; ++c) resize(one, frame.data + static_cast<size_t>(c) * plane, 1, out.slice(c, 1));
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

// Frame t of a view over `frames` frames stacked along its height.
View frame_of(const View& v, int frames, int t) {
  const int h = v.h / frames;
  return {v.data + static_cast<size_t>(t) * static_cast<size_t>(h) * static_cast<size_t>(v.w) * v.stride, h, v.w,
          v.channels, v.stride};
}

// ConvGRU over one buffer laid out [a | h | b | r·h] (C channels each): the block's output is
// [a | h'] = channels 0..2C, the gates read [h | b] (input channels of conv_ih reordered to match)
// and the candidate reads [b | r·h], so no concatenation is ever copied and h' is updated in place.
struct Gru {
  int c = 0;
  DenseConv ih, hh;
  Tensor p;
  std::string ih_name, hh_name, gates_name;  // profiler steps

  void load(const Loader& w, const std::string& prefix) {
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
  View a() const { return p.slice(0, c); }
  View h() const { return p.slice(c, c); }
  View b() const { return p.slice(2 * c, c); }
  View out() const { return p.slice(0, 2 * c); }

  // scratch: scratch_size() floats, free while the step runs.
  void step(float* scratch, Profiler* prof) {
    const View v = p.view();
    const size_t n = v.pixels(), cc = static_cast<size_t>(c);
    const View gates{scratch, v.h, v.w, 2 * c, 2 * cc}, cand{scratch + n * 2 * cc, v.h, v.w, c, cc};
    {
      const ProfileScope timed(prof, kGru, ih_name, ih.flops(gates));
      ih.run(p.slice(c, 2 * c), gates);
    }
    {
      const ProfileScope timed(prof, kGru, gates_name);
      for_pixels(n, cc, [&](size_t i) {
        const float* r = gates.pixel(i);
        float* px = p.data() + i * 4 * cc;
        for (size_t k = 0; k < cc; ++k) px[3 * cc + k] = r[k] * px[cc + k];
      });
    }
    {
      const ProfileScope timed(prof, kGru, hh_name, hh.flops(cand));
      hh.run(p.slice(2 * c, 2 * c), cand);
    }
    const ProfileScope timed(prof, kGru, gates_name);
    for_pixels(n, cc, [&](size_t i) {
      const float* z = gates.pixel(i) + cc;
      const float* cd = cand.pixel(i);
      float* hp = p.data() + i * 4 * cc + cc;
      for (size_t k = 0; k < cc; ++k) hp[k] = (1.0f - z[k]) * hp[k] + z[k] * cd[k];
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

  void load(const Loader& w, int k) {
    const std::string prefix = "decoder.decode" + std::to_string(k);
    const ConvLayer& l = w.layer(prefix + ".conv.0");
    const std::span<const float> wt = w.weights(l), bs = w.bias(l);
    const int half = l.cout / 2;
    const size_t per_out = wt.size() / static_cast<size_t>(l.cout);
    conv_a = DenseConv(l.cin, half, l.kernel, l.stride, l.dilation, l.pad, wt.first(per_out * half), bs.first(half),
                       l.act);
    conv_b = DenseConv(l.cin, half, l.kernel, l.stride, l.dilation, l.pad, wt.subspan(per_out * half),
                       bs.subspan(half), l.act);
    gru.load(w, prefix + ".gru");
    up_name = "decode" + std::to_string(k) + ".upsample2";
    conv_name = "decode" + std::to_string(k) + ".conv";
  }
  void plan(int h, int w, int frames) {
    cat.reshape(frames * h, w, up_ch + f_ch + 3);
    gru.plan(h, w);
  }
  View feature() const { return cat.slice(up_ch, f_ch); }
  View pooled() const { return cat.slice(up_ch + f_ch, 3); }

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

// The deep guided filter's full-resolution pass (kernels/guided.h): [A | b] to the frame's size
// and the formula in one go, straight from and to the frame's pixels.
struct GuidedOutput {
  UpsampledRows rows;
  size_t width = 0, height = 0;

  void plan(int ab_h, int ab_w, int h, int w) {
    width = static_cast<size_t>(w), height = static_cast<size_t>(h);
    rows.plan(static_cast<size_t>(ab_h), static_cast<size_t>(ab_w), height, width, guided_expanded_size);
  }

  void run(const View& ab, const Frame& f) {
    if (!f.alpha && !f.foreground && !f.alpha8 && !f.foreground8) return;
    const auto& k = guided();
    const size_t n = width * height;
    const Image8* image = std::get_if<Image8>(&f.pixels);
    const PlanarImage* planar = std::get_if<PlanarImage>(&f.pixels);
    GuidedRow r;
    r.width = width;
    r.plane = rows.plane();
    r.wx0 = rows.wx0();
    r.wx1 = rows.wx1();
    rows.run(
        height,
        [&](size_t row, float* dst) {
          k.f32_guided_expand(width, ab.pixel(row * static_cast<size_t>(ab.w)), rows.x0(), rows.x1(), dst, r.plane);
        },
        [&](size_t y, const float* top, const float* bottom, const ResizeTap& ty) {
          GuidedRow o = r;
          o.top = top;
          o.bottom = bottom;
          o.wy0 = ty.w0;
          o.wy1 = ty.w1;
          if (f.alpha) o.alpha = f.alpha + y * width;
          if (f.foreground)
            for (size_t c = 0; c < 3; ++c) o.foreground[c] = f.foreground + c * n + y * width;
          if (f.alpha8) o.alpha8 = f.alpha8 + y * width;
          if (f.foreground8) o.foreground8 = f.foreground8 + 3 * y * width;
          if (image) {
            k.u8_guided_row(o, image->data + y * image->row_stride, image->format == PixelFormat::bgr8);
          } else {
            const float* s = planar->data + y * width;
            k.f32_guided_row(o, s, s + n, s + 2 * n);
          }
        });
  }
};

}  // namespace

struct Network::Impl {
  // Layers.
  DenseConv stem;
  std::array<Block, kBlocks> blocks;  // index 0 unused: features.0 is the stem
  PointwiseConv last, aspp1, aspp2;
  Gru gru4;
  std::array<UpBlock, 4> up;  // index 1..3 used: decode1..3
  DenseConv dec0_conv0, dec0_conv3;
  PointwiseConv project_mat;
  std::vector<float> refiner;  // box filter and convolutions, packed for kernels/dgf_coeffs.h

  // Plan. What the encoder writes holds the whole chunk, frames stacked along the height, so each
  // layer runs over all of them while its weights are in cache; the rest holds one frame.
  int width = 0, height = 0, frames = 0;
  float ratio = 0.0f;
  std::array<int, 5> lh{}, lw{};  // downsampled size, then 1/2 .. 1/16 of it
  Tensor dec0_cat;                // [upsampled 32 | downsampled source 3]
  View norm, stem_out;
  Tensor se_pool, se_mid, se_scale;
  std::array<Tensor, kBlocks> block_out;  // blocks whose output has no slot in a decoder buffer
  std::array<View, kBlocks> out_view;
  Tensor f4, aspp_pool, aspp_gate, aspp_out;
  // Working memory, each buffer reused by steps that never overlap in time (the encoder runs
  // before every decoder step of the chunk, a frame's refiner after its decoder):
  //   stats_mem:  stem_out (the chunk's), then stats, whose channels 4..8 hold project_mat's output
  //   box_mem:    norm (the chunk's), then the encoder blocks' expand outputs, then the ConvGRUs'
  //               gates and candidates, then dec0_mid, then ab [A 4 | b 4] and refine_scratch
  //   ref_in_mem: the encoder blocks' depthwise outputs, then ref_in, whose channels 8..24 hold
  //               the decoder's hidden features
  Tensor stats_mem, box_mem, ref_in_mem;
  View stats, ab, dec0_mid, ref_in;
  float* refine_scratch = nullptr;  // one dgf_coeffs scratch per band of refine_bands()
  Profiler* profiler = nullptr;

  ProfileScope step(std::string_view stage, std::string_view name, double flops = 0.0) const {
    return ProfileScope(profiler, stage, name, flops);
  }
  GuidedOutput guided_out;

  explicit Impl(const WeightFile& file) {
    const auto arch = file.metadata().find("architecture");
    if (arch == file.metadata().end() || arch->second != kArchitecture) {
      throw Error(file.origin() + ": not an " + std::string(kArchitecture) + " weight file (architecture '" +
                  (arch == file.metadata().end() ? std::string("none") : arch->second) + "')");
    }
    const Loader w{file};
    stem = w.dense("backbone.features.0.0");
    for (int n = 1; n < kBlocks; ++n) blocks[n] = load_block(w, n);
    last = w.pointwise("backbone.features.16.0");
    aspp1 = w.pointwise("aspp.aspp1.0");
    aspp2 = w.pointwise("aspp.aspp2.1");
    gru4.load(w, "decoder.decode4.gru");
    for (int k = 1; k <= 3; ++k) up[k].load(w, k);
    up[3].up_ch = 128, up[3].f_ch = 40;
    up[2].up_ch = 80, up[2].f_ch = 24;
    up[1].up_ch = 40, up[1].f_ch = 16;
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

  View at(const View& v, int t) const { return frame_of(v, frames, t); }

  void plan(int W, int H, float r, int T) {
    const bool same = W == width && H == height && r == ratio;
    if (same && T == frames) return;
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
    dec0_cat.reshape(T * lh[0], lw[0], 35);
    for (int k = 1; k <= 3; ++k) up[k].plan(lh[k], lw[k], T);
    gru4.plan(lh[4], lw[4]);

    // Encoder: level of each block's output (the stride-2 blocks step down one level).
    size_t expand_max = 0, dw_max = 0;
    int level = 1;
    for (int n = 1; n < kBlocks; ++n) {
      Block& b = blocks[n];
      const size_t in_px = static_cast<size_t>(lh[level]) * static_cast<size_t>(lw[level]);
      if (b.dw.stride() == 2) ++level;
      const size_t out_px = static_cast<size_t>(lh[level]) * static_cast<size_t>(lw[level]);
      expand_max = std::max(expand_max, in_px * static_cast<size_t>(b.hidden));
      dw_max = std::max(dw_max, out_px * static_cast<size_t>(b.hidden));
      if (n == 1) {
        out_view[n] = up[1].feature();
      } else if (n == 3) {
        out_view[n] = up[2].feature();
      } else if (n == 6) {
        out_view[n] = up[3].feature();
      } else {
        block_out[n].reshape(T * lh[level], lw[level], b.project.cout());
        out_view[n] = block_out[n].view();
      }
    }
    se_pool.reshape(1, 1, 960);
    se_mid.reshape(1, 1, 240);
    se_scale.reshape(1, 1, 960);
    f4.reshape(T * lh[4], lw[4], 960);
    aspp_pool.reshape(1, 1, 960);
    aspp_gate.reshape(T, 1, 128);
    aspp_out.reshape(T * lh[4], lw[4], 128);
    const size_t px0 = static_cast<size_t>(lh[0]) * static_cast<size_t>(lw[0]);
    const size_t px1 = static_cast<size_t>(lh[1]) * static_cast<size_t>(lw[1]);
    size_t gru_max = gru4.scratch_size();
    for (int k = 1; k <= 3; ++k) gru_max = std::max(gru_max, up[k].gru.scratch_size());
    const size_t chunk = static_cast<size_t>(T);
    stats_mem.reshape(1, 1, static_cast<int>(std::max(16 * px0, chunk * 16 * px1)));
    // The refiner's scratch after ab, on a cache line (its planes are whole cache lines).
    const size_t ab_floats = (8 * px0 + 15) / 16 * 16;
    const size_t refine_floats = ab_floats + refine_bands() * dgf_coeffs_scratch_size(static_cast<size_t>(lw[0]));
    box_mem.reshape(1, 1, static_cast<int>(std::max({16 * px0, chunk * 3 * px0, expand_max, gru_max, refine_floats})));
    ref_in_mem.reshape(1, 1, static_cast<int>(std::max(24 * px0, dw_max)));
    norm = {box_mem.data(), T * lh[0], lw[0], 3, 3};
    stem_out = {stats_mem.data(), T * lh[1], lw[1], 16, 16};
    const auto at_low_res = [&](const Tensor& mem, int channels) {
      return View{mem.data(), lh[0], lw[0], channels, static_cast<size_t>(channels)};
    };
    stats = at_low_res(stats_mem, 16);
    ab = at_low_res(box_mem, 8);
    refine_scratch = box_mem.data() + ab_floats;
    dec0_mid = at_low_res(box_mem, 16);
    ref_in = at_low_res(ref_in_mem, 24);
    guided_out.plan(lh[0], lw[0], H, W);
    if (!same) reset_state();
  }

  void reset_state() {
    gru4.reset();
    for (int k = 1; k <= 3; ++k) up[k].gru.reset();
  }

  void encoder() {
    const View small = dec0_cat.slice(32, 3);
    {
      const auto timed = step(kInput, "normalise");
      // (x − mean) / std exactly as the graph's Sub and Div.
      for_pixels(small.pixels(), 3, [&](size_t i) {
        const float* s = small.pixel(i);
        float* d = norm.pixel(i);
        for (int c = 0; c < 3; ++c) d[c] = (s[c] - kMean[c]) / kStd[c];
      });
    }
    {
      const auto timed = step(kBackbone, "features.0.stem", frames * stem.flops(at(stem_out, 0)));
      for (int t = 0; t < frames; ++t) stem.run(at(norm, t), at(stem_out, t));
    }
    View x = stem_out;
    for (int n = 1; n < kBlocks; ++n) {
      const Block& b = blocks[n];
      for (int t = 0; t < frames; ++t) {
        const View xt = at(x, t), o = at(out_view[n], t);
        View e = xt;
        if (b.expand) {
          e = {box_mem.data(), xt.h, xt.w, b.hidden, static_cast<size_t>(b.hidden)};
          const auto timed = step(kBackbone, b.expand_name, b.expand_conv.flops(e));
          b.expand_conv.run(xt, e);
        }
        const View d{ref_in_mem.data(), o.h, o.w, b.hidden, static_cast<size_t>(b.hidden)};
        {
          const auto timed = step(kBackbone, b.dw_name, b.dw.flops(d));
          b.dw.run(e, d);
        }
        const float* scale = nullptr;
        if (b.se) {
          const auto timed = step(kBackbone, b.se_name);
          global_avgpool(d, se_pool.data());
          b.fc1.run(vector_view(se_pool.data(), b.hidden), vector_view(se_mid.data(), b.fc1.cout()));
          b.fc2.run(vector_view(se_mid.data(), b.fc1.cout()), vector_view(se_scale.data(), b.hidden));
          scale = se_scale.data();
        }
        const auto timed = step(kBackbone, b.project_name, b.project.flops(o));
        b.project.run(d, o, scale, b.residual ? &xt : nullptr);
      }
      x = out_view[n];
    }
    const auto timed = step(kBackbone, "features.16", frames * last.flops(at(f4.view(), 0)));
    for (int t = 0; t < frames; ++t) last.run(at(x, t), at(f4.view(), t));
  }

  void lraspp() {
    const auto timed = step(kLraspp, "aspp", frames * aspp1.flops(at(aspp_out.view(), 0)));
    for (int t = 0; t < frames; ++t) aspp1.run(at(f4.view(), t), at(aspp_out.view(), t));
    for (int t = 0; t < frames; ++t) {
      global_avgpool(at(f4.view(), t), aspp_pool.data());
      aspp2.run(vector_view(aspp_pool.data(), 960), vector_view(aspp_gate.data() + t * 128, 128));
    }
  }

  void decoder(int t) {
    // x4 = aspp1 · aspp2, its halves straight into decode4's ConvGRU buffer.
    const float* g = aspp_gate.data() + t * 128;
    const View x4 = at(aspp_out.view(), t);
    {
      const auto timed = step(kDecoder, "decode4.gate");
      for_pixels(x4.pixels(), 128, [&](size_t i) {
        const float* s = x4.pixel(i);
        float* a = gru4.p.data() + i * 256;
        for (int c = 0; c < 64; ++c) a[c] = s[c] * g[c];
        for (int c = 64; c < 128; ++c) a[64 + c] = s[c] * g[c];
      });
    }
    gru4.step(box_mem.data(), profiler);
    up[3].run(gru4.out(), at(up[3].cat.view(), t), box_mem.data(), profiler);
    up[2].run(up[3].gru.out(), at(up[2].cat.view(), t), box_mem.data(), profiler);
    up[1].run(up[2].gru.out(), at(up[1].cat.view(), t), box_mem.data(), profiler);
    const View cat = at(dec0_cat.view(), t);
    {
      const auto timed = step(kResize, "decode0.upsample2");
      upsample2_crop(up[1].gru.out(), cat.slice(0, 32));
    }
    {
      const auto timed = step(kDecoder, "decode0.conv", dec0_conv0.flops(dec0_mid) + dec0_conv3.flops(dec0_mid));
      dec0_conv0.run(cat, dec0_mid);
      dec0_conv3.run(dec0_mid, ref_in.slice(8, 16));
    }
    const auto timed = step(kDecoder, "project_mat", project_mat.flops(stats));
    project_mat.run(ref_in.slice(8, 16), stats.slice(4, 4));
  }

  // The refiner's bands of output rows: few enough that recomputing the statistics of the rows
  // around each band costs little, enough to balance the threads.
  size_t refine_bands() const { return (static_cast<size_t>(lh[0]) + 15) / 16; }

  // Deep guided filter: A, b from the low-resolution statistics, then out = A·fine_x + b at full size.
  void refine(int t, const Frame& frame) {
    const View small = at(dec0_cat.slice(32, 3), t), y = stats.slice(4, 4), hidden = ref_in.slice(8, 16);
    std::optional<ProfileScope> low;
    low.emplace(profiler, kGuided, "statistics, box filter, A and b",
                2.0 * kDgfMultiplyAdds * static_cast<double>(small.pixels()));
    const DgfCoeffsParams p{static_cast<size_t>(small.h), static_cast<size_t>(small.w), small.data, small.stride,
                            y.data, y.stride, hidden.data, hidden.stride, ab.data, ab.stride};
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

  void run(std::span<const Frame> in) {
    const ResizeParams ds = resize_by_scale(static_cast<size_t>(height), static_cast<size_t>(width), 3, ratio, ratio);
    for (int t = 0; t < frames; ++t) {
      const View small = at(dec0_cat.slice(32, 3), t);
      {
        const auto timed = step(kInput, "downsample from the frame's pixels");
        std::visit([&](const auto& pixels) { downsample(pixels, ds, small); }, in[static_cast<size_t>(t)].pixels);
      }
      const auto timed = step(kInput, "average pools");
      avgpool2(small, at(up[1].pooled(), t));
      avgpool2(at(up[1].pooled(), t), at(up[2].pooled(), t));
      avgpool2(at(up[2].pooled(), t), at(up[3].pooled(), t));
    }
    encoder();
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

Network::Network(const WeightFile& weights) : impl_(std::make_unique<Impl>(weights)) {}
Network::~Network() = default;

void Network::plan(int width, int height, float ratio, int frames) { impl_->plan(width, height, ratio, frames); }
void Network::run(std::span<const Frame> frames) { impl_->run(frames); }
void Network::reset_state() { impl_->reset_state(); }
void Network::set_profiler(Profiler* profiler) { impl_->profiler = profiler; }

StateView Network::state(int index) const {
  if (index < 0 || index > 3) throw Error("recurrent state index " + std::to_string(index) + " is not in 0..3");
  const Gru& g = impl_->gru(index);
  const View h = g.h();
  StateView s{h.channels, h.h, h.w, {}};
  s.values.resize(static_cast<size_t>(h.channels) * h.pixels());
  for (size_t i = 0; i < h.pixels(); ++i)
    for (int c = 0; c < h.channels; ++c) s.values[static_cast<size_t>(c) * h.pixels() + i] = h.pixel(i)[c];
  return s;
}

}  // namespace matte::rvm
