#include "models/bgm.h"

#include <tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/image_io.h"
#include "engine/layers.h"
#include "kernels/coarse_up.h"
#include "kernels/pool.h"
#include "kernels/resize.h"
#include "models/bgm_layers.h"
#include "models/upsampled_rows.h"

namespace matte::bgm {

namespace {

constexpr int kBlocks = 18;  // features.0 (the stem) .. features.17
constexpr int kCoarse = 37;  // decoder output: alpha, foreground residual (3), error, hidden (32)
constexpr int kHidden = 32;
constexpr int kHalfIn = 42;  // refiner input: hidden, alpha, foreground residual, source, plate
constexpr int kFullIn = 22;  // conv3 input: upsampled conv2 (16), source, plate
// The refiner runs on rectangles of selected 4×4 patches, at most this many rows × columns: big
// enough that neighbouring patches share their overlapping intermediate pixels, small enough to
// stay in cache and give every thread work.
constexpr int kRectRows = 8, kRectCols = 16;

struct Loader {
  const WeightFile& file;

  std::span<const float> weights(const ConvLayer& l) const { return file.tensor(weight_name(l), weight_shape(l)); }
  std::span<const float> bias(const ConvLayer& l) const { return file.tensor(bias_name(l), {l.cout}); }
  PointwiseConv pointwise(std::string_view name) const {
    const ConvLayer& l = conv_layer(name);
    return PointwiseConv(l.cin, l.cout, weights(l), bias(l), l.act);
  }
  DepthwiseConv depthwise(std::string_view name) const {
    const ConvLayer& l = conv_layer(name);
    return DepthwiseConv(l.cin, l.kernel, l.stride, l.dilation, l.pad, weights(l), bias(l), l.act);
  }
  DenseConv dense(std::string_view name) const {
    const ConvLayer& l = conv_layer(name);
    return DenseConv(l.cin, l.cout, l.kernel, l.stride, l.dilation, l.pad, weights(l), bias(l), l.act);
  }
};

// An inverted residual block: expand 1×1 (absent in block 1), depthwise 3×3, linear project 1×1.
struct Block {
  bool expand = false, residual = false;
  PointwiseConv expand_conv, project;
  DepthwiseConv dw;
  int hidden = 0;
};

Block load_block(const Loader& w, int n) {
  Block b;
  const std::string prefix = "backbone.features." + std::to_string(n) + ".conv.";
  for (const ConvLayer& l : conv_layers()) {
    if (!l.name.starts_with(prefix)) continue;
    if (l.groups > 1) {
      b.dw = w.depthwise(l.name);
      b.hidden = l.cin;
    } else if (b.hidden == 0) {
      b.expand = true;
      b.expand_conv = w.pointwise(l.name);
    } else {
      b.project = w.pointwise(l.name);
    }
  }
  const int cin = b.expand ? b.expand_conv.cin() : b.dw.channels();
  b.residual = b.dw.stride() == 1 && cin == b.project.cout();
  return b;
}

// Bilinear resize to out's size (ONNX Resize half_pixel given sizes: the scale is out/in).
void resize_to(const View& in, const View& out) {
  const ResizeParams p = resize_to_size(size_t(in.h), size_t(in.w), size_t(in.channels), size_t(out.h), size_t(out.w));
  const auto& k = resize();
  parallel_ranges(p.out_h, grain_for(p.out_w * p.channels * 4),
                  [&](size_t b, size_t e) { k.f32_resize_bilinear(p, in.data, in.stride, out.data, out.stride, b, e); });
}

View vector_view(float* data, int channels) { return {data, 1, 1, channels, size_t(channels)}; }

std::vector<ResizeTap> taps(int out, int in) {
  std::vector<ResizeTap> t(static_cast<size_t>(out));
  const float scale = float(out) / float(in);
  for (int i = 0; i < out; ++i) t[size_t(i)] = resize_tap(size_t(i), size_t(out), size_t(in), scale);
  return t;
}

// The four source pixels and weights of one bilinear output pixel, in ONNX Runtime's order.
struct Bilinear {
  const float *a, *b, *c, *d;
  float w00, w01, w10, w11;

  Bilinear(const View& v, const ResizeTap& ty, const ResizeTap& tx) {
    const float* r0 = v.pixel(ty.i0 * size_t(v.w));
    const float* r1 = v.pixel(ty.i1 * size_t(v.w));
    a = r0 + tx.i0 * v.stride, b = r0 + tx.i1 * v.stride;
    c = r1 + tx.i0 * v.stride, d = r1 + tx.i1 * v.stride;
    w00 = tx.w0 * ty.w0, w01 = tx.w1 * ty.w0, w10 = tx.w0 * ty.w1, w11 = tx.w1 * ty.w1;
  }
  float at(int k) const { return w00 * a[k] + w01 * b[k] + w10 * c[k] + w11 * d[k]; }
};

// src‖plate at full resolution for one run: the 8-bit frame and plate, read through edge
// replication past their size, or the float input (padded by the caller).
struct Pixels {
  const Image8* src8 = nullptr;
  const Image8* plate8 = nullptr;
  View f32;  // H×W×6, when there are no 8-bit images

  static void read8(const Image8& im, int y, int x, float* out) {
    const uint8_t* p =
        im.data + size_t(std::min(y, im.height - 1)) * im.row_stride + size_t(std::min(x, im.width - 1)) * 3;
    const bool bgr = im.format == PixelFormat::bgr8;
    for (int c = 0; c < 3; ++c) out[c] = kFromU8[p[bgr ? 2 - c : c]];
  }
  // The source's RGB at (y, x) of the padded frame.
  void source(int y, int x, float* out) const {
    if (src8) read8(*src8, y, x, out);
    else std::copy_n(f32.pixel(size_t(y) * size_t(f32.w) + size_t(x)), 3, out);
  }
  // src‖plate, six values.
  void both(int y, int x, float* out) const {
    if (!src8) {
      std::copy_n(f32.pixel(size_t(y) * size_t(f32.w) + size_t(x)), 6, out);
      return;
    }
    read8(*src8, y, x, out);
    read8(*plate8, y, x, out + 3);
  }
};

// A rectangle of selected patches in the quarter-resolution grid.
struct Rect {
  int y, x, rows, cols;
};

// One thread's refiner buffers, sized for the largest rectangle.
struct Scratch {
  Tensor half, c1, c2, full, c3, c4;

  void reserve() {
    half.reshape(2 * kRectRows + 6, 2 * kRectCols + 6, kHalfIn);
    c1.reshape(2 * kRectRows + 4, 2 * kRectCols + 4, 24);
    c2.reshape(2 * kRectRows + 2, 2 * kRectCols + 2, 16);
    full.reshape(4 * kRectRows + 4, 4 * kRectCols + 4, kFullIn);
    c3.reshape(4 * kRectRows + 2, 4 * kRectCols + 2, 12);
    c4.reshape(4 * kRectRows, 4 * kRectCols, 4);
  }
};

float clamp01(float v) { return std::clamp(v, 0.0f, 1.0f); }

}  // namespace

RefineMode parse_refine_mode(const std::string& text) {
  if (text == "sampling") return RefineMode::sampling;
  if (text == "thresholding") return RefineMode::thresholding;
  if (text == "full") return RefineMode::full;
  throw Error("refine mode '" + text + "' is not sampling, thresholding or full");
}

Settings settings_of(const WeightFile& weights) {
  const auto it = weights.metadata().find("settings");
  if (it == weights.metadata().end()) throw Error(weights.origin() + ": no model settings in the metadata");
  Settings s;
  try {
    const nlohmann::json j = nlohmann::json::parse(it->second);
    s.backbone_scale = j.at("backbone_scale").get<float>();
    s.sample_pixels = j.at("sample_pixels").get<int>();
    s.threshold = j.at("threshold").get<float>();
    s.mode = parse_refine_mode(j.at("refine_mode").get<std::string>());
  } catch (const nlohmann::json::exception& e) {
    throw Error(weights.origin() + ": bad model settings: " + e.what());
  } catch (const Error& e) {
    throw Error(weights.origin() + ": " + e.what());
  }
  if (!(s.backbone_scale > 0.0f && s.backbone_scale <= 1.0f) || s.sample_pixels < 0 || !std::isfinite(s.threshold)) {
    throw Error(weights.origin() + ": model settings out of range: " + it->second);
  }
  return s;
}

struct Network::Impl {
  // Layers.
  DenseConv stem;
  std::array<Block, kBlocks> blocks;  // index 0 unused: features.0 is the stem
  PointwiseConv aspp0, aspp_pool, aspp_project;
  std::array<DenseConv, 3> aspp_atrous;
  std::array<DenseConv, 4> decoder, refiner;

  // Plan. Level 0 is the backbone input (src‖plate at backbone_scale), 1..4 are 1/2 .. 1/16 of it.
  Settings settings;
  int frame_w = 0, frame_h = 0;
  int width = 0, height = 0;  // the frame padded to multiples of 4
  std::array<int, 5> lh{}, lw{};
  Tensor full;  // H×W×6 float input (source ‖ plate), only when given as floats
  // The decoder's concatenations [upsampled | skip feature]; the encoder writes the skip slices.
  Tensor cat1, cat2, cat3, cat4;  // 1/8: [256 | x3 32], 1/4: [128 | x2 24], 1/2: [64 | x1 16], 1/1: [48 | x0 6]
  Tensor stem_out, expand_buf, dw_buf;
  std::array<Tensor, kBlocks> block_out;  // blocks whose output is no skip feature
  std::array<View, kBlocks> out_view;
  Tensor pooled, pool_feature, aspp_cat, aspp_out;
  Tensor d1, d2, d3, coarse;
  // Refiner.
  Tensor err_q;                             // H/4×W/4 error
  std::vector<uint8_t> selected, pending;   // H/4×W/4 patch flags
  std::vector<int32_t> candidates;
  std::vector<Rect> rects;
  UpsampledRows up_rows;                    // coarse -> H×W
  std::vector<uint8_t> error8_sm;           // the coarse error as 8-bit
  std::vector<size_t> error_y, error_x;     // its pixel under each full-resolution row, column
  std::vector<ResizeTap> half_y, half_x;    // coarse -> H/2×W/2
  std::vector<ResizeTap> halfs_y, halfs_x;  // H×W -> H/2×W/2
  std::vector<Scratch> scratch;             // one per thread of the arena

  explicit Impl(const WeightFile& file) {
    const auto arch = file.metadata().find("architecture");
    if (arch == file.metadata().end() || arch->second != kArchitecture) {
      throw Error(file.origin() + ": not a " + std::string(kArchitecture) + " weight file (architecture '" +
                  (arch == file.metadata().end() ? std::string("none") : arch->second) + "')");
    }
    const Loader w{file};
    stem = w.dense("backbone.features.0.0");
    for (int n = 1; n < kBlocks; ++n) blocks[size_t(n)] = load_block(w, n);
    aspp0 = w.pointwise("aspp.convs.0.0");
    for (int i = 0; i < 3; ++i) aspp_atrous[size_t(i)] = w.dense("aspp.convs." + std::to_string(i + 1) + ".0");
    aspp_pool = w.pointwise("aspp.convs.4.1");
    aspp_project = w.pointwise("aspp.project.0");
    for (int i = 0; i < 4; ++i) {
      decoder[size_t(i)] = w.dense("decoder.conv" + std::to_string(i + 1));
      refiner[size_t(i)] = w.dense("refiner.conv" + std::to_string(i + 1));
    }
  }

  void plan(int w, int h, const Settings& s) {
    if (w <= 0 || h <= 0)
      throw Error("BGMv2 needs a frame with pixels, not " + std::to_string(w) + "x" + std::to_string(h));
    const int W = (w + 3) / 4 * 4, H = (h + 3) / 4 * 4;
    const size_t h0 = resize_output_size(size_t(H), s.backbone_scale);
    const size_t w0 = resize_output_size(size_t(W), s.backbone_scale);
    if (h0 == 0 || w0 == 0) {
      throw Error("frame " + std::to_string(W) + "x" + std::to_string(H) + " at backbone scale " +
                  std::to_string(s.backbone_scale) + " leaves no pixels for the backbone");
    }
    settings = s;
    frame_w = w, frame_h = h;
    width = W, height = H;
    lh[0] = int(h0), lw[0] = int(w0);
    for (size_t i = 1; i < 5; ++i) {
      lh[i] = conv_output_size(lh[i - 1], 3, 2, 1, 1);
      lw[i] = conv_output_size(lw[i - 1], 3, 2, 1, 1);
    }
    cat1.reshape(lh[3], lw[3], 288);
    cat2.reshape(lh[2], lw[2], 152);
    cat3.reshape(lh[1], lw[1], 80);
    cat4.reshape(lh[0], lw[0], 54);
    stem_out.reshape(lh[1], lw[1], stem.cout());

    size_t expand_max = 0, dw_max = 0;
    size_t level = 1;
    for (int n = 1; n < kBlocks; ++n) {
      const Block& b = blocks[size_t(n)];
      const size_t in_px = size_t(lh[level]) * size_t(lw[level]);
      if (b.dw.stride() == 2) ++level;
      const size_t out_px = size_t(lh[level]) * size_t(lw[level]);
      expand_max = std::max(expand_max, in_px * size_t(b.hidden));
      dw_max = std::max(dw_max, out_px * size_t(b.hidden));
      View& o = out_view[size_t(n)];
      if (n == 1) {
        o = cat3.slice(64, 16);
      } else if (n == 3) {
        o = cat2.slice(128, 24);
      } else if (n == 6) {
        o = cat1.slice(256, 32);
      } else {
        block_out[size_t(n)].reshape(lh[level], lw[level], b.project.cout());
        o = block_out[size_t(n)].view();
      }
    }
    expand_buf.reshape(1, 1, int(expand_max));
    dw_buf.reshape(1, 1, int(dw_max));
    pooled.reshape(1, 1, 320);
    pool_feature.reshape(1, 1, 256);
    aspp_cat.reshape(lh[4], lw[4], 1280);
    aspp_out.reshape(lh[4], lw[4], 256);
    d1.reshape(lh[3], lw[3], 128);
    d2.reshape(lh[2], lw[2], 64);
    d3.reshape(lh[1], lw[1], 48);
    coarse.reshape(lh[0], lw[0], kCoarse);

    const int hq = H / 4, wq = W / 4, hh = H / 2, wh = W / 2;
    const size_t cells = size_t(hq) * size_t(wq);
    err_q.reshape(hq, wq, 1);
    selected.assign(cells, 0);
    pending.assign(cells, 0);
    candidates.reserve(cells);
    rects.reserve(cells);
    up_rows.plan(size_t(lh[0]), size_t(lw[0]), size_t(H), size_t(W), coarse_up_expanded_size);
    error8_sm.resize(size_t(lh[0]) * size_t(lw[0]));
    error_y.resize(size_t(H));
    error_x.resize(size_t(W));
    // As a nearest upscale picks them.
    for (size_t y = 0; y < size_t(H); ++y) error_y[y] = std::min(y * size_t(lh[0]) / size_t(H), size_t(lh[0]) - 1);
    for (size_t x = 0; x < size_t(W); ++x) error_x[x] = std::min(x * size_t(lw[0]) / size_t(W), size_t(lw[0]) - 1);
    half_y = taps(hh, lh[0]), half_x = taps(wh, lw[0]);
    halfs_y = taps(hh, H), halfs_x = taps(wh, W);
    reserve_scratch();
  }

  void reserve_scratch() {
    const size_t slots = size_t(std::max(1, tbb::this_task_arena::max_concurrency()));
    if (scratch.size() >= slots) return;
    scratch.resize(slots);
    for (Scratch& s : scratch) s.reserve();
  }

  void encoder(const Pixels& px) {
    const View x0 = cat4.slice(48, 6);
    if (px.src8) {
      const ResizeParams p = resize_to_size(size_t(height), size_t(width), 3, size_t(lh[0]), size_t(lw[0]));
      resize_frame(*px.src8, p, x0.slice(0, 3));
      resize_frame(*px.plate8, p, x0.slice(3, 3));
    } else {
      resize_to(px.f32, x0);
    }
    stem.run(x0, stem_out.view());
    View x = stem_out.view();
    for (int n = 1; n < kBlocks; ++n) {
      const Block& b = blocks[size_t(n)];
      const View o = out_view[size_t(n)];
      View e = x;
      if (b.expand) {
        e = {expand_buf.data(), x.h, x.w, b.hidden, size_t(b.hidden)};
        b.expand_conv.run(x, e);
      }
      const View d{dw_buf.data(), o.h, o.w, b.hidden, size_t(b.hidden)};
      b.dw.run(e, d);
      b.project.run(d, o, nullptr, b.residual ? &x : nullptr);
      x = o;
    }
  }

  void aspp() {
    const View x4 = out_view[kBlocks - 1];
    aspp0.run(x4, aspp_cat.slice(0, 256));
    for (int i = 0; i < 3; ++i) aspp_atrous[size_t(i)].run(x4, aspp_cat.slice(256 * (i + 1), 256));
    pool().f32_global_avgpool({size_t(x4.h), size_t(x4.w), size_t(x4.channels)}, x4.data, x4.stride, pooled.data());
    aspp_pool.run(vector_view(pooled.data(), 320), vector_view(pool_feature.data(), 256));
    // Resizing the 1×1 pooled branch back is a broadcast.
    const View branch = aspp_cat.slice(1024, 256);
    for_pixels(branch.pixels(), 256,
               [&](size_t i) { std::copy_n(pool_feature.data(), 256, branch.pixel(i)); });
    aspp_project.run(aspp_cat.view(), aspp_out.view());
  }

  void decode() {
    resize_to(aspp_out.view(), cat1.slice(0, 256));
    decoder[0].run(cat1.view(), d1.view());
    resize_to(d1.view(), cat2.slice(0, 128));
    decoder[1].run(cat2.view(), d2.view());
    resize_to(d2.view(), cat3.slice(0, 64));
    decoder[2].run(cat3.view(), d3.view());
    resize_to(d3.view(), cat4.slice(0, 48));
    decoder[3].run(cat4.view(), coarse.view());
  }

  // Alpha and error clamped, hidden through ReLU, in place as the graph does; the coarse outputs.
  void finish_coarse(const FrameOutput& out) {
    const size_t n = coarse.view().pixels();
    for_pixels(n, kCoarse, [&](size_t i) {
      float* c = coarse.data() + i * kCoarse;
      c[0] = clamp01(c[0]);
      c[4] = clamp01(c[4]);
      error8_sm[i] = to_u8(c[4]);
      for (int k = 5; k < kCoarse; ++k) c[k] = std::max(c[k], 0.0f);
      if (out.alpha_sm) out.alpha_sm[i] = c[0];
      if (out.error_sm) out.error_sm[i] = c[4];
      if (out.foreground_sm) {
        const float* src = cat4.data() + i * 54 + 48;
        for (size_t k = 0; k < 3; ++k) out.foreground_sm[k * n + i] = clamp01(src[k] + c[1 + k]);
      }
    });
  }

  // The coarse alpha and foreground bilinearly upsampled to every pixel of the frame and applied
  // to the source, straight into the outputs, with the 8-bit error and refine maps: the one pass
  // over the full resolution.
  void upsample(const Pixels& px, const FrameOutput& out) {
    const auto& k = coarse_up();
    const size_t w = size_t(frame_w), n = w * size_t(frame_h), wq = size_t(width / 4);
    const View c = coarse.view();
    const bool bgr8 = px.src8 && px.src8->format == PixelFormat::bgr8;
    CoarseUpRow r;
    r.width = w;
    r.plane = up_rows.plane();
    r.wx0 = up_rows.wx0();
    r.wx1 = up_rows.wx1();
    up_rows.run(
        size_t(frame_h),
        [&](size_t row, float* dst) {
          k.f32_coarse_up_expand(w, c.pixel(row * size_t(c.w)), kCoarse, up_rows.x0(), up_rows.x1(), dst, r.plane);
        },
        [&](size_t y, const float* top, const float* bottom, const ResizeTap& ty) {
          CoarseUpRow o = r;
          o.top = top;
          o.bottom = bottom;
          o.wy0 = ty.w0;
          o.wy1 = ty.w1;
          o.alpha = out.alpha + y * w;
          for (size_t ch = 0; ch < 3; ++ch) o.foreground[ch] = out.foreground + ch * n + y * w;
          if (out.alpha8) {
            o.alpha8 = out.alpha8 + y * w;
            o.foreground8 = out.foreground8 + 3 * y * w;
          }
          if (px.src8) k.u8_coarse_up_row(o, px.src8->data + y * px.src8->row_stride, bgr8);
          else k.f32_coarse_up_row(o, px.f32.pixel(y * size_t(width)), px.f32.stride);
          if (out.error8) {
            const uint8_t* e = error8_sm.data() + error_y[y] * size_t(lw[0]);
            for (size_t x = 0; x < w; ++x) out.error8[y * w + x] = e[error_x[x]];
          }
          if (out.refined8) {
            const uint8_t* sel = selected.data() + (y / 4) * wq;
            for (size_t x = 0; x < w; ++x) out.refined8[y * w + x] = sel[x / 4] ? 255 : 0;
          }
        });
  }

  // Marks the patches to refine; returns how many.
  int64_t select() {
    const size_t cells = selected.size();
    if (settings.mode == RefineMode::full) {
      std::fill(selected.begin(), selected.end(), 1);
      return int64_t(cells);
    }
    resize_to(coarse.slice(4, 1), err_q.view());
    const float* err = err_q.data();
    if (settings.mode == RefineMode::thresholding) {
      int64_t count = 0;
      for (size_t i = 0; i < cells; ++i) {
        selected[i] = err[i] > settings.threshold;
        count += selected[i];
      }
      return count;
    }
    // The k largest errors (TopK; ties to the smaller index, as ONNX Runtime orders them), of
    // which only those above zero count.
    std::fill(selected.begin(), selected.end(), 0);
    candidates.clear();
    for (size_t i = 0; i < cells; ++i) {
      if (err[i] > 0.0f) candidates.push_back(int32_t(i));
    }
    const size_t k = size_t(std::max(0, settings.sample_pixels) / 16);
    if (candidates.size() > k) {
      std::nth_element(candidates.begin(), candidates.begin() + std::ptrdiff_t(k), candidates.end(),
                       [&](int32_t a, int32_t b) { return err[a] > err[b] || (err[a] == err[b] && a < b); });
      candidates.resize(k);
    }
    for (int32_t i : candidates) selected[size_t(i)] = 1;
    return int64_t(candidates.size());
  }

  // Covers the selected patches with rectangles of selected patches only, greedily in row order.
  void make_rects() {
    const int hq = height / 4, wq = width / 4;
    pending = selected;
    rects.clear();
    auto at = [&](int y, int x) -> uint8_t& { return pending[size_t(y) * size_t(wq) + size_t(x)]; };
    for (int y = 0; y < hq; ++y) {
      for (int x = 0; x < wq; ++x) {
        if (!at(y, x)) continue;
        int x1 = x + 1;
        while (x1 < wq && x1 - x < kRectCols && at(y, x1)) ++x1;
        int y1 = y + 1;
        while (y1 < hq && y1 - y < kRectRows && std::all_of(&at(y1, x), &at(y1, x) + (x1 - x), [](uint8_t v) { return v; }))
          ++y1;
        for (int r = y; r < y1; ++r) std::fill(&at(r, x), &at(r, x) + (x1 - x), 0);
        rects.push_back({y, x, y1 - y, x1 - x});
      }
    }
  }

  // Half resolution refiner input at (hy0 + i, hx0 + j): [hidden | alpha | foreground residual]
  // from the coarse output and src‖plate from full resolution, both resized to H/2×W/2; zero
  // outside the frame (the graph pads by 3 before cropping).
  void half_input(const Pixels& px, int hy0, int hx0, const View& dst) const {
    const int hh = height / 2, wh = width / 2;
    const View c = coarse.view();
    for (int i = 0; i < dst.h; ++i) {
      const int gy = hy0 + i;
      for (int j = 0; j < dst.w; ++j) {
        const int gx = hx0 + j;
        float* d = dst.pixel(size_t(i) * size_t(dst.w) + size_t(j));
        if (gy < 0 || gy >= hh || gx < 0 || gx >= wh) {
          std::fill_n(d, kHalfIn, 0.0f);
          continue;
        }
        const Bilinear b(c, half_y[size_t(gy)], half_x[size_t(gx)]);
        for (int k = 0; k < kHidden; ++k) d[k] = b.at(5 + k);
        for (int k = 0; k < 4; ++k) d[kHidden + k] = b.at(k);
        // src‖plate bilinearly from full resolution, with Bilinear's arithmetic.
        const ResizeTap &ty = halfs_y[size_t(gy)], &tx = halfs_x[size_t(gx)];
        float p00[6], p01[6], p10[6], p11[6];
        px.both(int(ty.i0), int(tx.i0), p00);
        px.both(int(ty.i0), int(tx.i1), p01);
        px.both(int(ty.i1), int(tx.i0), p10);
        px.both(int(ty.i1), int(tx.i1), p11);
        const float w00 = tx.w0 * ty.w0, w01 = tx.w1 * ty.w0, w10 = tx.w0 * ty.w1, w11 = tx.w1 * ty.w1;
        for (int k = 0; k < 6; ++k) d[kHidden + 4 + k] = w00 * p00[k] + w01 * p01[k] + w10 * p10[k] + w11 * p11[k];
      }
    }
  }

  // conv3's input at full-resolution (fy0 + i, fx0 + j): conv2's output nearest-upsampled ×2 and
  // src‖plate, zero outside the frame (the graph pads by 2).
  void full_input(const Pixels& px, int fy0, int fx0, const View& c2, const View& dst) const {
    for (int i = 0; i < dst.h; ++i) {
      const int gy = fy0 + i;
      for (int j = 0; j < dst.w; ++j) {
        const int gx = fx0 + j;
        float* d = dst.pixel(size_t(i) * size_t(dst.w) + size_t(j));
        std::copy_n(c2.pixel(size_t(i / 2) * size_t(c2.w) + size_t(j / 2)), 16, d);
        if (gy < 0 || gy >= height || gx < 0 || gx >= width) {
          std::fill_n(d + 16, 6, 0.0f);
        } else {
          px.both(gy, gx, d + 16);
        }
      }
    }
  }

  // The refiner over one rectangle: every intermediate pixel its patches need, once; its pixels in
  // the frame overwrite the upsampled ones.
  void refine(const Pixels& px, const Rect& r, Scratch& s, const FrameOutput& out) const {
    s.half.reshape(2 * r.rows + 6, 2 * r.cols + 6, kHalfIn);
    s.c1.reshape(2 * r.rows + 4, 2 * r.cols + 4, 24);
    s.c2.reshape(2 * r.rows + 2, 2 * r.cols + 2, 16);
    s.full.reshape(4 * r.rows + 4, 4 * r.cols + 4, kFullIn);
    s.c3.reshape(4 * r.rows + 2, 4 * r.cols + 2, 12);
    s.c4.reshape(4 * r.rows, 4 * r.cols, 4);
    half_input(px, 2 * r.y - 3, 2 * r.x - 3, s.half.view());
    refiner[0].run_serial(s.half.view(), s.c1.view());
    refiner[1].run_serial(s.c1.view(), s.c2.view());
    full_input(px, 4 * r.y - 2, 4 * r.x - 2, s.c2.view(), s.full.view());
    refiner[2].run_serial(s.full.view(), s.c3.view());
    refiner[3].run_serial(s.c3.view(), s.c4.view());
    const size_t n = size_t(frame_w) * size_t(frame_h);
    const bool bgr8 = px.src8 && px.src8->format == PixelFormat::bgr8;
    for (int i = 0; i < s.c4.h(); ++i) {
      const int gy = 4 * r.y + i;
      for (int j = 0; j < s.c4.w(); ++j) {
        const int gx = 4 * r.x + j;
        if (gy >= frame_h || gx >= frame_w) continue;
        const float* p = s.c4.data() + (size_t(i) * size_t(s.c4.w()) + size_t(j)) * 4;
        const size_t g = size_t(gy) * size_t(frame_w) + size_t(gx);
        float src[3], fg[3];
        px.source(gy, gx, src);
        const float alpha = clamp01(p[0]);
        for (size_t k = 0; k < 3; ++k) fg[k] = clamp01(p[1 + k] + src[k]);
        out.alpha[g] = alpha;
        for (size_t k = 0; k < 3; ++k) out.foreground[k * n + g] = fg[k];
        if (!out.alpha8) continue;
        out.alpha8[g] = to_u8(alpha);
        for (size_t k = 0; k < 3; ++k) out.foreground8[3 * g + (bgr8 ? 2 - k : k)] = to_u8(fg[k]);
      }
    }
  }

  int64_t run(const Pixels& px, const FrameOutput& out) {
    encoder(px);
    aspp();
    decode();
    finish_coarse(out);
    const int64_t count = select();
    if (out.refine_sm) std::copy(selected.begin(), selected.end(), out.refine_sm);
    upsample(px, out);
    make_rects();
    reserve_scratch();
    parallel_ranges(rects.size(), 1, [&](size_t b, size_t e) {
      Scratch& s = scratch[size_t(std::max(0, tbb::this_task_arena::current_thread_index()))];
      for (size_t i = b; i < e; ++i) refine(px, rects[i], s, out);
    });
    return count;
  }

  View float_input() {
    full.reshape(height, width, 6);
    return full.view();
  }
};

Network::Network(const WeightFile& weights) : impl_(std::make_unique<Impl>(weights)) {}
Network::~Network() = default;

void Network::plan(int width, int height, const Settings& settings) { impl_->plan(width, height, settings); }
int64_t Network::run(const Image8& src, const Image8& plate, const FrameOutput& out) {
  return impl_->run({&src, &plate, {}}, out);
}
View Network::source() { return impl_->float_input().slice(0, 3); }
View Network::plate() { return impl_->float_input().slice(3, 3); }
int64_t Network::run(const FrameOutput& out) { return impl_->run({nullptr, nullptr, impl_->full.view()}, out); }
int Network::coarse_width() const { return impl_->lw[0]; }
int Network::coarse_height() const { return impl_->lh[0]; }

}  // namespace matte::bgm
