#include "models/bgm_mobilenetv2/bgm.h"

#include <tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/image_io.h"
#include "engine/layers.h"
#include "engine/profile.h"
#include "kernels/pool.h"
#include "kernels/resize.h"
#include "kernels/u8_pixels.h"
#include "models/bgm_mobilenetv2/layers.h"
#include "models/bgm_mobilenetv2/refiner.h"
#include "models/bgm_mobilenetv2/sparse_conv.h"
#include "models/common/atrous_conv.h"
#include "models/common/layer_loader.h"
#include "models/common/upsampled_rows.h"

namespace matte::bgm {

namespace {

constexpr int kBlocks = 18;  // features.0 (the stem) .. features.17
constexpr int kCoarse = 37;  // decoder output: alpha, foreground residual (3), error, hidden (32)
constexpr int kHidden = 32;
// conv4 in two parts. Its first kHead channels at every pixel: alpha, foreground residual, error
// and three hidden ones, unused but cheaper than none (Winograd runs 8 output channels faster than
// 5). Then the hidden channels (5..36), which only the refiner reads, where it reads them.
constexpr int kHead = 8;
// Per pixel, the hidden channels cost about this many times more at listed pixels than at all.
constexpr size_t kSparseCost = 4;
constexpr int kHalfIn = 42;  // refiner input: hidden, alpha, foreground residual, source, plate
constexpr int kFullIn = 6;  // conv3's full-resolution input: source, plate (conv2's output read upsampled)
// The refiner works a tile of this many rows × columns of 4×4 patches at a time: big enough that
// little is computed twice at tile borders, small enough that a tile's buffers stay in cache and
// every thread gets tiles.
constexpr int kTileRows = 16, kTileCols = 32;

// Profiler stages (matte-bench --profile).
constexpr std::string_view kInput = "input", kBackbone = "backbone", kAspp = "aspp", kDecoder = "decoder",
                           kOutput = "full-res output", kRefiner = "refiner";
constexpr std::array<std::string_view, 3> kAtrousNames = {"atrous3", "atrous6", "atrous9"};
// The one ASPP dilation the phase grid speeds up (models/common/atrous_conv.h).
constexpr int kGridDilation = 3;
struct DecoderSteps {
  std::string_view upsample, conv;
};
constexpr std::array<DecoderSteps, 4> kDecoderSteps = {
    {{"upsample1", "conv1"}, {"upsample2", "conv2"}, {"upsample3", "conv3"}, {"upsample4", "conv4"}}};

// An inverted residual block: expand 1×1 (absent in block 1), depthwise 3×3, linear project 1×1.
struct Block {
  bool expand = false, residual = false;
  PointwiseConv expand_conv, project;
  DepthwiseConv dw;
  int hidden = 0;
  std::string expand_name, dw_name, project_name;  // profiler steps
};

Block load_block(const LayerLoader& w, int n) {
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
  const std::string step = "features." + std::to_string(n);
  b.expand_name = step + ".expand";
  b.dw_name = step + ".dw3x3s" + std::to_string(b.dw.stride());
  b.project_name = step + ".project";
  return b;
}

// Bilinear resize to out's size (ONNX Resize half_pixel given sizes: the scale is out/in).
void resize_to(const View& in, const View& out) {
  const ResizeParams p = resize_to_size(size_t(in.h), size_t(in.w), size_t(in.channels), size_t(out.h), size_t(out.w));
  const auto& k = resize();
  parallel_ranges(p.out_h, grain_for(p.out_w * p.channels * 4),
                  [&](size_t b, size_t e) { k.f32_resize_bilinear(p, in.data, in.stride, out.data, out.stride, b, e); });
}

// The same, copying `skip` into `skip_out` (out's size) band by band after it, so that a
// concatenation's pixels are written in one pass.
void resize_to(const View& in, const View& out, const View& skip, const View& skip_out) {
  const ResizeParams p = resize_to_size(size_t(in.h), size_t(in.w), size_t(in.channels), size_t(out.h), size_t(out.w));
  const auto& k = resize();
  const size_t w = size_t(out.w);
  parallel_ranges(p.out_h, grain_for(p.out_w * p.channels * 4), [&](size_t b, size_t e) {
    k.f32_resize_bilinear(p, in.data, in.stride, out.data, out.stride, b, e);
    for (size_t i = b * w; i < e * w; ++i) std::copy_n(skip.pixel(i), skip.channels, skip_out.pixel(i));
  });
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

// One thread's refiner buffers for a tile: the half-resolution layers share one geometry, with a
// margin of 3 pixels around the tile's patches, the full-resolution ones another with 2.
struct Scratch {
  Tensor half, c1, c2, full, c3, c3_up, c4;
  std::vector<PixelRun> runs;

  void reserve() {
    const int hh = 2 * kTileRows + 6, hw = 2 * kTileCols + 6, fh = 4 * kTileRows + 4, fw = 4 * kTileCols + 4;
    half.reshape(hh, hw, kHalfIn);
    c1.reshape(hh, hw, 24);
    c2.reshape(hh, hw, 16);
    full.reshape(fh, fw, kFullIn);
    c3.reshape(fh, fw, 12);
    c3_up.reshape(fh, fw, 12);
    c4.reshape(fh, fw, 4);
  }
};

// row[begin, end) = v, cut at `width`; runs of 4, the common case, as one store.
void fill_run(uint8_t* row, size_t begin, size_t end, size_t width, uint8_t v) {
  if (end - begin == 4 && end <= width) {
    const uint32_t four = 0x01010101u * v;
    std::memcpy(row + begin, &four, 4);
    return;
  }
  for (size_t x = begin; x < std::min(end, width); ++x) row[x] = v;
}

}  // namespace

RefineMode parse_refine_mode(const std::string& text) {
  if (text == "sampling") return RefineMode::sampling;
  if (text == "thresholding") return RefineMode::thresholding;
  if (text == "full") return RefineMode::full;
  throw Error("refine mode '" + text + "' is not sampling, thresholding or full");
}

std::string refine_mode_name(RefineMode mode) {
  constexpr const char* kNames[] = {"sampling", "thresholding", "full"};
  return kNames[static_cast<int>(mode)];
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
  std::array<AtrousConv, 3> aspp_atrous;
  std::array<DenseConv, 4> decoder;  // decoder[3]: conv4's first kHead channels
  RunConv refiner1, refiner2, refiner4;
  RefinerConv3 refiner3;
  DenseConv hidden_dense;                     // conv4's other channels at every pixel, or
  SparseConv3x3 hidden_sparse;                // at hidden_pixels only

  // Plan. Level 0 is the backbone input (src‖plate at backbone_scale), 1..4 are 1/2 .. 1/16 of it.
  Settings settings;
  int frame_w = 0, frame_h = 0;
  int width = 0, height = 0;  // the frame padded to multiples of 4
  std::array<int, 5> lh{}, lw{};
  Tensor full;  // H×W×6 float input (source ‖ plate), only when given as floats
  // The decoder's concatenations [upsampled | skip feature]; the encoder writes the skip slices.
  Tensor cat1, cat2, cat3, cat4;  // 1/8: [256 | x3 32], 1/4: [128 | x2 24], 1/2: [64 | x1 16], 1/1: [48 | x0 6]
  Tensor x0;                      // src‖plate at level 0, dense: the stem reads it 3× faster than cat4's slice
  Tensor stem_out, expand_buf, dw_buf;
  std::array<Tensor, kBlocks> block_out;  // blocks whose output is no skip feature
  std::array<View, kBlocks> out_view;
  Tensor pooled, pool_feature, aspp_cat, aspp_out;
  Tensor d1, d2, d3, coarse;
  // Refiner.
  Tensor err_c, err_q;                      // the error, coarse (dense: the resize reads 1 channel) and H/4×W/4
  std::vector<uint8_t> selected;            // H/4×W/4 patch flags
  PatchRuns patch_runs;                     // the same as runs
  std::vector<std::array<int, 2>> tiles;    // the tiles with selected patches (first patch row, column)
  std::vector<int32_t> candidates;
  std::vector<uint8_t> hidden_mask;         // coarse pixels whose hidden channels the refiner reads
  std::vector<int32_t> hidden_pixels;       // their indices
  UpsampledRows up_rows;                    // coarse -> H×W
  std::vector<uint8_t> error8_sm;           // the coarse error as 8-bit
  std::vector<size_t> error_y;              // its row under each full-resolution row
  std::vector<size_t> error_x0;             // its column c spans frame columns [error_x0[c], error_x0[c + 1])
  std::vector<ResizeTap> half_y, half_x;    // coarse -> H/2×W/2
  std::vector<ResizeTap> halfs_y, halfs_x;  // H×W -> H/2×W/2
  std::vector<Scratch> scratch;             // one per thread of the arena
  Profiler* profiler = nullptr;

  ProfileScope step(std::string_view stage, std::string_view name, double flops = 0.0) const {
    return ProfileScope(profiler, stage, name, flops);
  }

  explicit Impl(const WeightFile& file) {
    const auto arch = file.metadata().find("architecture");
    if (arch == file.metadata().end() || arch->second != kArchitecture) {
      throw Error(file.origin() + ": not a " + std::string(kArchitecture) + " weight file (architecture '" +
                  (arch == file.metadata().end() ? std::string("none") : arch->second) + "')");
    }
    const LayerLoader w{file, conv_layers(), kArchitecture};
    stem = w.dense("backbone.features.0.0");
    for (int n = 1; n < kBlocks; ++n) blocks[size_t(n)] = load_block(w, n);
    aspp0 = w.pointwise("aspp.convs.0.0");
    for (int i = 0; i < 3; ++i) {
      const ConvLayer& l = conv_layer("aspp.convs." + std::to_string(i + 1) + ".0");
      aspp_atrous[size_t(i)] = AtrousConv(l.cin, l.cout, l.dilation, w.weights(l), w.bias(l), l.act,
                                          l.dilation == kGridDilation);
    }
    aspp_pool = w.pointwise("aspp.convs.4.1");
    aspp_project = w.pointwise("aspp.project.0");
    for (int i = 0; i < 3; ++i) decoder[size_t(i)] = w.dense("decoder.conv" + std::to_string(i + 1));
    const ConvLayer& c4 = conv_layer("decoder.conv4");
    const std::span<const float> c4w = w.weights(c4), c4b = w.bias(c4);
    const size_t per_out = c4w.size() / size_t(c4.cout);
    decoder[3] = DenseConv(c4.cin, kHead, 3, 1, 1, 1, c4w.first(kHead * per_out), c4b.first(kHead), Act::none);
    // The graph's ReLU on the hidden channels, fused.
    const std::span<const float> hw = c4w.subspan(5 * per_out), hb = c4b.subspan(5);
    hidden_dense = DenseConv(c4.cin, kHidden, 3, 1, 1, 1, hw, hb, Act::relu);
    hidden_sparse = SparseConv3x3(c4.cin, kHidden, hw, hb, Act::relu);
    const auto run_conv = [&](const char* name) {
      const ConvLayer& l = conv_layer(name);
      return RunConv(3, l.cin, l.cout, w.weights(l), w.bias(l), l.act);
    };
    refiner1 = run_conv("refiner.conv1");
    refiner2 = run_conv("refiner.conv2");
    refiner4 = run_conv("refiner.conv4");
    const ConvLayer& r3 = conv_layer("refiner.conv3");
    refiner3 = RefinerConv3(r3.cin - kFullIn, kFullIn, r3.cout, w.weights(r3), w.bias(r3), r3.act);
  }

  // The decoder input that block n's output ends as a skip feature (x1, x2, x3), or null.
  Tensor* skip_cat(int n) {
    switch (n) {
      case 1: return &cat3;
      case 3: return &cat2;
      case 6: return &cat1;
      default: return nullptr;
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
    cat1.reshape(lh[3], lw[3], decoder[0].cin());
    cat2.reshape(lh[2], lw[2], decoder[1].cin());
    cat3.reshape(lh[1], lw[1], decoder[2].cin());
    cat4.reshape(lh[0], lw[0], decoder[3].cin());
    x0.reshape(lh[0], lw[0], stem.cin());
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
      const int c = b.project.cout();
      if (Tensor* cat = skip_cat(n)) {
        o = cat->slice(cat->channels() - c, c);  // after the upsampled input
      } else {
        block_out[size_t(n)].reshape(lh[level], lw[level], c);
        o = block_out[size_t(n)].view();
      }
    }
    expand_buf.reshape(1, 1, int(expand_max));
    dw_buf.reshape(1, 1, int(dw_max));
    pooled.reshape(1, 1, aspp_pool.cin());
    pool_feature.reshape(1, 1, aspp_pool.cout());
    aspp_cat.reshape(lh[4], lw[4], aspp_project.cin());
    for (AtrousConv& a : aspp_atrous) a.plan(lh[4], lw[4]);
    aspp_out.reshape(lh[4], lw[4], aspp_project.cout());
    d1.reshape(lh[3], lw[3], decoder[0].cout());
    d2.reshape(lh[2], lw[2], decoder[1].cout());
    d3.reshape(lh[1], lw[1], decoder[2].cout());
    coarse.reshape(lh[0], lw[0], kCoarse);

    const int hq = H / 4, wq = W / 4, hh = H / 2, wh = W / 2;
    const size_t cells = size_t(hq) * size_t(wq);
    err_c.reshape(lh[0], lw[0], 1);
    err_q.reshape(hq, wq, 1);
    selected.assign(cells, 0);
    candidates.reserve(cells);
    tiles.reserve(size_t((hq + kTileRows - 1) / kTileRows) * size_t((wq + kTileCols - 1) / kTileCols));
    up_rows.plan(size_t(lh[0]), size_t(lw[0]), size_t(H), size_t(W), Epilogue::coarse);
    error8_sm.resize(size_t(lh[0]) * size_t(lw[0]));
    hidden_mask.assign(size_t(lh[0]) * size_t(lw[0]), 0);
    hidden_pixels.reserve(hidden_mask.size());
    error_y.resize(size_t(H));
    error_x0.assign(size_t(lw[0]) + 1, size_t(W));
    // As a nearest upscale picks them.
    for (size_t y = 0; y < size_t(H); ++y) error_y[y] = std::min(y * size_t(lh[0]) / size_t(H), size_t(lh[0]) - 1);
    for (size_t x = size_t(W); x-- > 0;) error_x0[std::min(x * size_t(lw[0]) / size_t(W), size_t(lw[0]) - 1)] = x;
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
    {
      const auto timed = step(kInput, "downsample source and plate");
      if (px.src8) {
        const ResizeParams p = resize_to_size(size_t(height), size_t(width), 3, size_t(lh[0]), size_t(lw[0]));
        resize_frame(*px.src8, p, x0.slice(0, 3));
        resize_frame(*px.plate8, p, x0.slice(3, 3));
      } else {
        resize_to(px.f32, x0.view());
      }
    }
    {
      const auto timed = step(kBackbone, "features.0.stem", stem.flops(stem_out.view()));
      stem.run(x0.view(), stem_out.view());
    }
    View x = stem_out.view();
    for (int n = 1; n < kBlocks; ++n) {
      const Block& b = blocks[size_t(n)];
      const View o = out_view[size_t(n)];
      View e = x;
      if (b.expand) {
        e = {expand_buf.data(), x.h, x.w, b.hidden, size_t(b.hidden)};
        const auto timed = step(kBackbone, b.expand_name, b.expand_conv.flops(e));
        b.expand_conv.run(x, e);
      }
      const View d{dw_buf.data(), o.h, o.w, b.hidden, size_t(b.hidden)};
      {
        const auto timed = step(kBackbone, b.dw_name, b.dw.flops(d));
        b.dw.run(e, d);
      }
      const auto timed = step(kBackbone, b.project_name, b.project.flops(o));
      b.project.run(d, o, nullptr, b.residual ? &x : nullptr);
      x = o;
    }
  }

  void aspp() {
    const View x4 = out_view[kBlocks - 1];
    // The branches side by side in aspp_cat: 1x1, the three atrous ones, image pooling.
    int at = 0;
    {
      const View o = aspp_cat.slice(at, aspp0.cout());
      const auto timed = step(kAspp, "conv1x1", aspp0.flops(o));
      aspp0.run(x4, o);
      at += o.channels;
    }
    for (size_t i = 0; i < 3; ++i) {
      const View o = aspp_cat.slice(at, aspp_atrous[i].cout());
      const auto timed = step(kAspp, kAtrousNames[i], aspp_atrous[i].flops(o));
      aspp_atrous[i].run(x4, o);
      at += o.channels;
    }
    {
      const auto timed = step(kAspp, "image pooling");
      pool().f32_global_avgpool({size_t(x4.h), size_t(x4.w), size_t(x4.channels)}, x4.data, x4.stride,
                                pooled.data());
      const int c = aspp_pool.cout();
      aspp_pool.run(vector_view(pooled.data(), aspp_pool.cin()), vector_view(pool_feature.data(), c));
      // Resizing the 1×1 pooled branch back is a broadcast.
      const View branch = aspp_cat.slice(at, c);
      for_pixels(branch.pixels(), size_t(c), [&](size_t i) { std::copy_n(pool_feature.data(), c, branch.pixel(i)); });
    }
    const auto timed = step(kAspp, "project", aspp_project.flops(aspp_out.view()));
    aspp_project.run(aspp_cat.view(), aspp_out.view());
  }

  void decode() {
    const std::array<View, 4> in{aspp_out.view(), d1.view(), d2.view(), d3.view()};
    const std::array<View, 4> cat{cat1.view(), cat2.view(), cat3.view(), cat4.view()};
    const std::array<View, 4> conv_out{d1.view(), d2.view(), d3.view(), coarse.slice(0, kHead)};
    for (size_t i = 0; i < 4; ++i) {
      {
        const auto timed = step(kDecoder, kDecoderSteps[i].upsample);
        if (i < 3) resize_to(in[i], cat[i].slice(0, in[i].channels));
        else resize_to(in[i], cat[i].slice(0, in[i].channels), x0.view(), cat[i].slice(in[i].channels, x0.channels()));
      }
      const auto timed = step(kDecoder, kDecoderSteps[i].conv, decoder[i].flops(conv_out[i]));
      decoder[i].run(cat[i], conv_out[i]);
    }
  }

  // Alpha and error clamped in place as the graph does; the coarse outputs.
  void finish_coarse(const FrameOutput& out) {
    const auto timed = step(kDecoder, "coarse outputs");
    const size_t n = coarse.view().pixels();
    for_pixels(n, 8, [&](size_t i) {
      float* c = coarse.data() + i * kCoarse;
      c[0] = clamp01(c[0]);
      c[4] = clamp01(c[4]);
      err_c.data()[i] = c[4];
      error8_sm[i] = to_u8(c[4]);
      if (out.alpha_sm) out.alpha_sm[i] = c[0];
      if (out.error_sm) out.error_sm[i] = c[4];
      if (out.foreground_sm) {
        const float* src = x0.data() + i * x0.channels();
        for (size_t k = 0; k < 3; ++k) out.foreground_sm[k * n + i] = clamp01(src[k] + c[1 + k]);
      }
    });
  }

  // The coarse alpha and foreground bilinearly upsampled to every pixel of the frame and applied
  // to the source, straight into the outputs, with the 8-bit error and refine maps: the one pass
  // over the full resolution.
  void upsample(const Pixels& px, const FrameOutput& out) {
    const auto timed = step(kOutput, "coarse upsampled to the frame");
    const size_t w = size_t(frame_w), wq = size_t(width / 4);
    FullResSource src;
    if (px.src8) {
      src.image = px.src8;
    } else {
      const float* s = px.f32.pixel(0);
      src.f32 = {{s, s + 1, s + 2}, px.f32.stride};
      src.f32_row_stride = size_t(width) * px.f32.stride;
    }
    const FullResOutputs to{out.alpha, out.foreground, out.alpha8, out.foreground8};
    up_rows.apply(coarse.view(), w, size_t(frame_h), to, src, [&](size_t y) {
      // Both maps as runs of equal bytes: a lookup per pixel would cost half the pass.
      if (out.error8) {
        const uint8_t* e = error8_sm.data() + error_y[y] * size_t(lw[0]);
        uint8_t* d = out.error8 + y * w;
        for (size_t c = 0; c < size_t(lw[0]); ++c) fill_run(d, error_x0[c], error_x0[c + 1], w, e[c]);
      }
      if (out.refined8) {
        const uint8_t* sel = selected.data() + (y / 4) * wq;
        uint8_t* d = out.refined8 + y * w;
        for (size_t q = 0; q < wq; ++q) fill_run(d, 4 * q, 4 * q + 4, w, sel[q] ? 255 : 0);
      }
    });
  }

  // Marks the patches to refine; returns how many.
  int64_t select() {
    const auto timed = step(kRefiner, "select patches");
    const size_t cells = selected.size();
    if (settings.mode == RefineMode::full) {
      std::fill(selected.begin(), selected.end(), 1);
      return int64_t(cells);
    }
    resize_to(err_c.view(), err_q.view());
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

  // conv4's hidden channels where half_input reads them, the bilinear taps of the half-resolution
  // pixels around the selected patches; at every pixel when that is cheaper.
  void hidden() {
    find_hidden_pixels();
    const View out = coarse.slice(5, kHidden);
    if (hidden_pixels.size() * kSparseCost < hidden_mask.size()) {
      const auto timed = step(kDecoder, "conv4 hidden, around patches", hidden_sparse.flops(hidden_pixels.size()));
      hidden_sparse.run(cat4.view(), hidden_pixels, out);
    } else {
      const auto timed = step(kDecoder, "conv4 hidden", hidden_dense.flops(out));
      hidden_dense.run(cat4.view(), out);
    }
  }

  void find_hidden_pixels() {
    const auto timed = step(kRefiner, "pixels the patches read");
    const int hq = height / 4, wq = width / 4, hh = height / 2, wh = width / 2;
    const size_t cw = size_t(lw[0]);
    std::fill(hidden_mask.begin(), hidden_mask.end(), 0);
    for (int qy = 0; qy < hq; ++qy) {
      const size_t ya = half_y[size_t(std::max(0, 2 * qy - 3))].i0;
      const size_t yb = half_y[size_t(std::min(hh - 1, 2 * qy + 4))].i1;
      for (int qx = 0; qx < wq; ++qx) {
        if (!selected[size_t(qy) * size_t(wq) + size_t(qx)]) continue;
        const size_t xa = half_x[size_t(std::max(0, 2 * qx - 3))].i0;
        const size_t xb = half_x[size_t(std::min(wh - 1, 2 * qx + 4))].i1;
        for (size_t y = ya; y <= yb; ++y) std::fill(&hidden_mask[y * cw + xa], &hidden_mask[y * cw + xb] + 1, 1);
      }
    }
    hidden_pixels.clear();
    for (size_t i = 0; i < hidden_mask.size(); ++i)
      if (hidden_mask[i]) hidden_pixels.push_back(int32_t(i));
  }

  // The tiles with selected patches, and those patches as runs.
  void find_tiles() {
    const int hq = height / 4, wq = width / 4;
    patch_runs.build(selected.data(), hq, wq);
    tiles.clear();
    for (int y = 0; y < hq; y += kTileRows)
      for (int x = 0; x < wq; x += kTileCols)
        if (patch_runs.any(y, std::min(y + kTileRows, hq), x, std::min(x + kTileCols, wq))) tiles.push_back({y, x});
  }

  // Half-resolution refiner input at (gy, gx .. gx + n) to dst (n pixels): [hidden | alpha |
  // foreground residual] from the coarse output and src‖plate from full resolution, both resized
  // to H/2×W/2; zero outside the frame (the graph pads by 3 before cropping).
  void half_input(const Pixels& px, int gy, int gx, int n, float* dst) const {
    const int hh = height / 2, wh = width / 2;
    const View c = coarse.view();
    for (int j = 0; j < n; ++j, dst += kHalfIn) {
      const int x = gx + j;
      if (gy < 0 || gy >= hh || x < 0 || x >= wh) {
        std::fill_n(dst, kHalfIn, 0.0f);
        continue;
      }
      const Bilinear b(c, half_y[size_t(gy)], half_x[size_t(x)]);
      for (int k = 0; k < kHidden; ++k) dst[k] = b.at(5 + k);
      for (int k = 0; k < 4; ++k) dst[kHidden + k] = b.at(k);
      // src‖plate bilinearly from full resolution, with Bilinear's arithmetic.
      const ResizeTap &ty = halfs_y[size_t(gy)], &tx = halfs_x[size_t(x)];
      float p00[6], p01[6], p10[6], p11[6];
      px.both(int(ty.i0), int(tx.i0), p00);
      px.both(int(ty.i0), int(tx.i1), p01);
      px.both(int(ty.i1), int(tx.i0), p10);
      px.both(int(ty.i1), int(tx.i1), p11);
      const float w00 = tx.w0 * ty.w0, w01 = tx.w1 * ty.w0, w10 = tx.w0 * ty.w1, w11 = tx.w1 * ty.w1;
      for (int k = 0; k < 6; ++k) dst[kHidden + 4 + k] = w00 * p00[k] + w01 * p01[k] + w10 * p10[k] + w11 * p11[k];
    }
  }

  // conv3's full-resolution input at (gy, gx .. gx + n) to dst (n pixels): src‖plate, zero
  // outside the frame (the graph pads by 2).
  void full_input(const Pixels& px, int gy, int gx, int n, float* dst) const {
    for (int j = 0; j < n; ++j, dst += kFullIn) {
      const int x = gx + j;
      if (gy < 0 || gy >= height || x < 0 || x >= width) std::fill_n(dst, kFullIn, 0.0f);
      else px.both(gy, x, dst);
    }
  }

  // The refiner over one tile: each layer once over what the tile's patches need, whose pixels in
  // the frame then overwrite the upsampled ones.
  void refine(const Pixels& px, int ty, int tx, Scratch& s, const FrameOutput& out) const {
    const int ty1 = std::min(ty + kTileRows, height / 4), tx1 = std::min(tx + kTileCols, width / 4);
    const int hp = s.half.w(), fp = s.full.w();  // row pitches
    // Local (0, 0) of each geometry in frame coordinates.
    const int hy0 = 2 * ty - 3, hx0 = 2 * tx - 3, fy0 = 4 * ty - 2, fx0 = 4 * tx - 2;
    std::vector<PixelRun>& runs = s.runs;
    const auto at = [](const Tensor& t, int pitch, int y, int x) {
      return t.data() + (size_t(y) * size_t(pitch) + size_t(x)) * size_t(t.channels());
    };
    patch_runs.runs(ty, ty1, tx, tx1, 2, 3, 3, runs);
    for (const PixelRun& r : runs) half_input(px, hy0 + r.y, hx0 + r.x0, r.x1 - r.x0, at(s.half, hp, r.y, r.x0));
    patch_runs.runs(ty, ty1, tx, tx1, 2, 2, 3, runs);
    for (const PixelRun& r : runs) refiner1.run(s.half.data(), s.c1.data(), hp, r);
    patch_runs.runs(ty, ty1, tx, tx1, 2, 1, 3, runs);
    for (const PixelRun& r : runs) refiner2.run(s.c1.data(), s.c2.data(), hp, r);
    patch_runs.runs(ty, ty1, tx, tx1, 4, 2, 2, runs);
    for (const PixelRun& r : runs) full_input(px, fy0 + r.y, fx0 + r.x0, r.x1 - r.x0, at(s.full, fp, r.y, r.x0));
    patch_runs.runs(ty, ty1, tx, tx1, 4, 1, 2, runs);
    // Full-resolution pixel (y, x) lies on conv2's (y / 2 + 2, x / 2 + 2) in local coordinates.
    for (const PixelRun& r : runs) refiner3.run(s.full.data(), fp, s.c2.data(), hp, s.c3_up.data(), s.c3.data(), r);
    patch_runs.runs(ty, ty1, tx, tx1, 4, 0, 2, runs);
    for (const PixelRun& r : runs) refiner4.run(s.c3.data(), s.c4.data(), fp, r);
    const size_t n = size_t(frame_w) * size_t(frame_h);
    const bool bgr8 = px.src8 && px.src8->format == PixelFormat::bgr8;
    for (const PixelRun& r : runs) {
      const int gy = fy0 + r.y;
      if (gy >= frame_h) continue;
      const int x_end = std::min(r.x1, frame_w - fx0);
      for (int x = r.x0; x < x_end; ++x) {
        const float* p = at(s.c4, fp, r.y, x);
        const size_t g = size_t(gy) * size_t(frame_w) + size_t(fx0 + x);
        const float alpha = clamp01(p[0]);
        if (out.alpha) out.alpha[g] = alpha;
        if (out.alpha8) out.alpha8[g] = to_u8(alpha);
        if (!out.foreground && !out.foreground8) continue;
        float src[3], fg[3];
        px.source(gy, fx0 + x, src);
        for (size_t k = 0; k < 3; ++k) fg[k] = clamp01(p[1 + k] + src[k]);
        if (out.foreground)
          for (size_t k = 0; k < 3; ++k) out.foreground[k * n + g] = fg[k];
        if (out.foreground8)
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
    // The refiner only changes the full-resolution alpha and foreground.
    const bool refine_wanted = out.alpha || out.foreground || out.alpha8 || out.foreground8;
    if (refine_wanted) hidden();
    if (out.refine_sm) std::copy(selected.begin(), selected.end(), out.refine_sm);
    upsample(px, out);
    if (!refine_wanted) return count;
    {
      const auto timed = step(kRefiner, "patch tiles");
      find_tiles();
    }
    reserve_scratch();
    const auto timed = step(kRefiner, "refine patches");
    parallel_ranges(tiles.size(), 1, [&](size_t b, size_t e) {
      Scratch& s = scratch[size_t(std::max(0, tbb::this_task_arena::current_thread_index()))];
      for (size_t i = b; i < e; ++i) refine(px, tiles[i][0], tiles[i][1], s, out);
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
void Network::set_profiler(Profiler* profiler) { impl_->profiler = profiler; }
int64_t Network::run(const Image8& src, const Image8& plate, const FrameOutput& out) {
  return impl_->run({&src, &plate, {}}, out);
}
View Network::source() { return impl_->float_input().slice(0, 3); }
View Network::plate() { return impl_->float_input().slice(3, 3); }
int64_t Network::run(const FrameOutput& out) { return impl_->run({nullptr, nullptr, impl_->full.view()}, out); }
int Network::coarse_width() const { return impl_->lw[0]; }
int Network::coarse_height() const { return impl_->lh[0]; }

}  // namespace matte::bgm
