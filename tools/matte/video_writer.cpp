#include "tools/matte/video_writer.h"

extern "C" {
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>

#include "engine/error.h"
#include "kernels/yuv.h"
#include "tools/common/args.h"
#include "tools/common/frames.h"
#include "tools/matte/audio_copy.h"
#include "tools/matte/thread_budget.h"

namespace matte::cli {

namespace {

struct Codec {
  const char* flag;     // --video-codec's name
  const char* encoder;  // FFmpeg's
  const char* title;
  bool alpha;           // carries an alpha channel
  int max_crf;          // 0: no --video-crf
  bool preset, bitrate;
};

constexpr std::array<Codec, 8> kCodecs = {{
    {"h264", "libx264", "H.264", false, 51, true, true},
    {"hevc", "libx265", "HEVC", false, 51, true, true},
    {"vp9", "libvpx-vp9", "VP9", true, 63, false, true},
    {"prores", "prores_ks", "ProRes", true, 0, false, false},
    {"qtrle", "qtrle", "QuickTime Animation", true, 0, false, false},
    {"ffv1", "ffv1", "FFV1", true, 0, false, false},
    {"png", "png", "PNG", true, 0, false, false},
    {"mjpeg", "mjpeg", "MJPEG", false, 0, false, true},
}};

// The frames as they are, for containers of raw video (y4m, rawvideo).
constexpr Codec kRaw = {"raw", "", "raw video", false, 0, false, false};

const char* const kPresets[] = {"ultrafast", "superfast", "veryfast", "faster", "fast",
                                "medium",    "slow",      "slower",   "veryslow", "placebo"};

// On 2 cores only ultrafast leaves inference its speed (veryfast takes ~3x the CPU); at CRF 18 its
// luma PSNR against a lossless composition is still above 46 dB, at ~3x the file size
// (bench/README.md).
constexpr const char* kDefaultPreset = "ultrafast";
constexpr int kDefaultCrf = 18, kDefaultVp9Crf = 24;

std::string output_name(const std::string& path) { return path == "-" ? "standard output" : path; }

// The muxer for a path's extension, or for --output-format on standard output.
const AVOutputFormat* container(const std::string& path, const VideoSettings& settings) {
  if (path == "-") {
    if (settings.format.empty()) throw UsageError("-: standard output needs --output-format (nut, matroska, ...)");
    const std::string name = settings.format == "y4m" ? "yuv4mpegpipe" : settings.format;
    const AVOutputFormat* format = av_guess_format(name.c_str(), nullptr, nullptr);
    if (!format) throw UsageError("--output-format " + settings.format + ": not a container FFmpeg writes");
    return format;
  }
  static const std::map<std::string, const char*> by_extension = {
      {".mp4", "mp4"}, {".m4v", "mp4"}, {".mov", "mov"}, {".mkv", "matroska"}, {".webm", "webm"}, {".avi", "avi"}};
  const auto known = by_extension.find(lower_extension(path));
  if (known == by_extension.end()) throw UsageError(path + ": not a video extension");
  return av_guess_format(known->second, nullptr, nullptr);
}

bool is_raw_container(const AVOutputFormat& format) {
  return format.video_codec == AV_CODEC_ID_RAWVIDEO || format.video_codec == AV_CODEC_ID_WRAPPED_AVFRAME;
}

const Codec& codec_for(const std::string& path, const AVOutputFormat& format, const VideoSettings& settings) {
  const std::string name = format.name;
  if (is_raw_container(format)) {
    if (!settings.codec.empty()) {
      throw UsageError(output_name(path) + ": the " + name + " container holds raw frames, not --video-codec " +
                       settings.codec);
    }
    return kRaw;
  }
  const std::string flag = !settings.codec.empty() ? settings.codec
                           : name == "webm"        ? "vp9"
                           : name == "avi"         ? "mjpeg"
                                                   : "h264";
  const auto codec = std::find_if(kCodecs.begin(), kCodecs.end(), [&](const Codec& c) { return flag == c.flag; });
  if (codec == kCodecs.end()) {
    throw UsageError("--video-codec " + flag + ": not h264, hevc, vp9, prores, qtrle, ffv1, png or mjpeg");
  }
  return *codec;
}

const AVCodec& encoder_for(const std::string& path, const Codec& codec, const AVOutputFormat& format) {
  const AVCodec* encoder = format.video_codec == AV_CODEC_ID_WRAPPED_AVFRAME
                               ? avcodec_find_encoder(AV_CODEC_ID_WRAPPED_AVFRAME)
                           : codec.encoder[0] ? avcodec_find_encoder_by_name(codec.encoder)
                                              : avcodec_find_encoder(AV_CODEC_ID_RAWVIDEO);
  if (!encoder) throw Error(output_name(path) + ": this FFmpeg has no " + codec.title + " encoder");
  return *encoder;
}

// The encoder's pixel format for frames of `channels`, and a line saying why when an odd size
// needs a format other than the usual one.
AVPixelFormat pixel_format(const Codec& codec, const AVOutputFormat& format, int channels, int width, int height,
                           bool& alpha, std::string& why) {
  const std::string flag = codec.flag;
  alpha = channels == 4 && codec.alpha;
  const bool gray = channels == 1;
  const bool odd = width % 2 || height % 2;
  if (flag == "raw") {
    if (format.video_codec == AV_CODEC_ID_RAWVIDEO) return gray ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_BGR24;
    if (gray) return AV_PIX_FMT_GRAY8;
    return odd ? AV_PIX_FMT_YUV444P : AV_PIX_FMT_YUV420P;
  }
  // QuickTime Animation's gray needs a width divisible by 4; RGB holds the same values.
  if (flag == "qtrle") return alpha ? AV_PIX_FMT_ARGB : gray && width % 4 == 0 ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_RGB24;
  if (flag == "png") return alpha ? AV_PIX_FMT_RGBA : gray ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_RGB24;
  if (flag == "ffv1") return alpha ? AV_PIX_FMT_BGRA : gray ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_0RGB32;
  if (flag == "prores") {
    if (alpha) return AV_PIX_FMT_YUVA444P10LE;
    if (width % 2 == 0) return AV_PIX_FMT_YUV422P10LE;
    why = "an odd width, which 4:2:2 cannot hold: ProRes written as 4444 (yuv444p10le)";
    return AV_PIX_FMT_YUV444P10LE;
  }
  if (flag == "vp9") return alpha ? AV_PIX_FMT_YUVA420P : AV_PIX_FMT_YUV420P;  // libvpx holds odd sizes
  if (flag == "mjpeg") return AV_PIX_FMT_YUVJ420P;                             // so does MJPEG
  if (odd) {
    why = std::string("an odd side, which 4:2:0 cannot hold: ") + codec.title +
          " written in 4:4:4 (yuv444p), which some players do not show";
    return AV_PIX_FMT_YUV444P;
  }
  return AV_PIX_FMT_YUV420P;
}

// Containers whose timestamps must count frames: frame k gets pts k at the nominal rate.
bool needs_constant_rate(const AVOutputFormat& format) {
  const std::string name = format.name;
  return name == "avi" || is_raw_container(format);
}

void set_option(AVCodecContext& encoder, const char* key, const std::string& value) {
  av_opt_set(encoder.priv_data, key, value.c_str(), 0);
}

// Quality, speed and profile options of each codec (checked by check_video_settings first).
void configure(AVCodecContext& encoder, const Codec& codec, const VideoSettings& settings, bool alpha) {
  const std::string flag = codec.flag;
  const int64_t bitrate = settings.mbps ? int64_t(*settings.mbps * 1e6) : 0;
  if (flag == "h264" || flag == "hevc") {
    set_option(encoder, "preset", settings.preset.empty() ? kDefaultPreset : settings.preset);
    if (bitrate) encoder.bit_rate = bitrate;
    else set_option(encoder, "crf", std::to_string(settings.crf.value_or(kDefaultCrf)));
    if (flag == "hevc") set_option(encoder, "x265-params", "log-level=error");
  } else if (flag == "vp9") {
    if (bitrate) {
      encoder.bit_rate = bitrate;
    } else {
      encoder.bit_rate = 0;  // constant quality
      set_option(encoder, "crf", std::to_string(settings.crf.value_or(kDefaultVp9Crf)));
    }
    set_option(encoder, "deadline", "good");
    set_option(encoder, "cpu-used", "4");
    set_option(encoder, "row-mt", "1");
  } else if (flag == "prores") {
    set_option(encoder, "profile", alpha ? "4444" : "hq");
    set_option(encoder, "vendor", "apl0");
  } else if (flag == "mjpeg") {
    if (bitrate) {
      encoder.bit_rate = bitrate;
    } else {
      encoder.flags |= AV_CODEC_FLAG_QSCALE;
      encoder.global_quality = FF_QP2LAMBDA * 2;
    }
  }
}

// Grey is luma alone (BT.601 as kernels/yuv.h, through a table) and neutral chroma: a quarter of
// libswscale's time for alpha videos.
void gray_to_yuv420(const cv::Mat& gray, AVFrame& out) {
  static const auto kLuma = [] {
    std::array<uint8_t, 256> t{};
    for (size_t g = 0; g < t.size(); ++g) {
      const float v = float(g);
      t[g] = yuv_sample(Bt601::yr, Bt601::yg, Bt601::yb, 16.0f, v, v, v);
    }
    return t;
  }();
  for (int y = 0; y < gray.rows; ++y) {
    const uint8_t* src = gray.ptr<uint8_t>(y);
    uint8_t* dst = out.data[0] + size_t(y) * out.linesize[0];
    for (int x = 0; x < gray.cols; ++x) dst[x] = kLuma[src[x]];
  }
  const size_t chroma_rows = yuv420_chroma_size(size_t(gray.rows)), chroma_width = yuv420_chroma_size(size_t(gray.cols));
  for (int plane = 1; plane <= 2; ++plane) {
    for (size_t y = 0; y < chroma_rows; ++y) std::fill_n(out.data[plane] + y * size_t(out.linesize[plane]), chroma_width, 128);
  }
}

}  // namespace

const std::vector<std::string>& video_extensions() {
  static const std::vector<std::string> extensions = {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi"};
  return extensions;
}

void check_video_settings(const std::string& path, const VideoSettings& settings) {
  const AVOutputFormat& format = *container(path, settings);
  const Codec& codec = codec_for(path, format, settings);
  const std::string name = output_name(path);
  if (!is_raw_container(format)) {
    const AVCodec& encoder = encoder_for(path, codec, format);
    // QuickTime's muxer lists VP9 but refuses it as experimental when the header is written.
    const bool experimental = encoder.id == AV_CODEC_ID_VP9 && std::string(format.name) == "mov";
    if (experimental || !container_takes(format, encoder.id)) {
      throw UsageError(name + ": the " + format.name + " container cannot hold " + codec.title +
                       " (ProRes: .mov or .mkv; QuickTime Animation and PNG: .mov; FFV1: .mkv; VP9: .webm or "
                       ".mkv)");
    }
  }
  const std::string on = std::string(" (") + codec.title + ")";
  if (settings.crf) {
    if (!codec.max_crf) throw UsageError("--video-crf: " + name + " is written with a codec that takes no CRF" + on);
    if (*settings.crf < 0 || *settings.crf > codec.max_crf) {
      throw UsageError("--video-crf " + std::to_string(*settings.crf) + ": must be in [0, " +
                       std::to_string(codec.max_crf) + "] for " + codec.title);
    }
  }
  if (!settings.preset.empty()) {
    if (!codec.preset) throw UsageError("--video-preset: " + name + " is written with a codec that takes none" + on);
    if (std::find(std::begin(kPresets), std::end(kPresets), settings.preset) == std::end(kPresets)) {
      throw UsageError("--video-preset " + settings.preset + ": not an x264/x265 preset (ultrafast ... placebo)");
    }
  }
  if (settings.mbps) {
    if (!codec.bitrate) {
      throw UsageError("--video-mbps: " + name + " is written with a codec that takes no bitrate" + on);
    }
    if (settings.crf) throw UsageError("--video-mbps and --video-crf: give one (a bitrate or a quality)");
  }
}

VideoWriter::VideoWriter(const std::string& path, const std::string& url, const VideoSettings& settings,
                         const VideoStream& stream, const std::vector<AudioTrack*>& audio, std::ostream& notices)
    : path_(output_name(path)), frame_(new_frame()), packet_(new_packet()),
      source_time_base_{stream.time_base.num, stream.time_base.den} {
  const AVOutputFormat& format = *container(path, settings);
  const Codec& codec = codec_for(path, format, settings);
  const AVCodec& encoder = encoder_for(path, codec, format);
  std::string why;
  const AVPixelFormat pix = pixel_format(codec, format, stream.channels, stream.width, stream.height, alpha_, why);
  if (!why.empty()) {
    notices << "matte: " << path_ << ": " << size_text(stream.width, stream.height) << " has " << why << "\n";
  }

  AVFormatContext* context = nullptr;
  if (avformat_alloc_output_context2(&context, &format, nullptr, url.c_str()) < 0) throw std::bad_alloc();
  muxer_.reset(context);
  constant_rate_ = needs_constant_rate(format);
  const AVRational rate = stream.frame_rate.num > 0 ? AVRational{stream.frame_rate.num, stream.frame_rate.den}
                                                     : AVRational{30, 1};

  encoder_.reset(avcodec_alloc_context3(&encoder));
  if (!encoder_) throw std::bad_alloc();
  encoder_->width = stream.width;
  encoder_->height = stream.height;
  encoder_->pix_fmt = pix;
  encoder_->framerate = rate;
  encoder_->time_base = constant_rate_ ? av_inv_q(rate) : source_time_base_;
  encoder_->sample_aspect_ratio = {1, 1};
  const bool yuv = !(av_pix_fmt_desc_get(pix)->flags & AV_PIX_FMT_FLAG_RGB) && pix != AV_PIX_FMT_GRAY8;
  if (yuv) {
    // BT.601, what kernels/yuv.h and libswscale's default coefficients produce.
    encoder_->colorspace = AVCOL_SPC_SMPTE170M;
    encoder_->color_range = pix == AV_PIX_FMT_YUVJ420P ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
  }
  encoder_->thread_count = encoder_threads();
  if (format.flags & AVFMT_GLOBALHEADER) encoder_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  configure(*encoder_, codec, settings, alpha_);
  if (const int r = avcodec_open2(encoder_.get(), &encoder, nullptr); r < 0) {
    throw Error(path_ + ": cannot encode " + size_text(stream.width, stream.height) + " " +
                av_get_pix_fmt_name(pix) + " with " + codec.title + " (" + av_error_text(r) + ")");
  }
  stream_ = avformat_new_stream(muxer_.get(), nullptr);
  if (!stream_ || avcodec_parameters_from_context(stream_->codecpar, encoder_.get()) < 0) throw std::bad_alloc();
  stream_->time_base = encoder_->time_base;
  stream_->avg_frame_rate = rate;
  // Apple's players open HEVC in MP4/QuickTime only under the hvc1 tag (FFmpeg's default is hev1).
  const std::string container_name = format.name;
  if (encoder.id == AV_CODEC_ID_HEVC && (container_name == "mp4" || container_name == "mov")) {
    stream_->codecpar->codec_tag = MKTAG('h', 'v', 'c', '1');
  }

  for (AudioTrack* track : audio) {
    std::string notice;
    audio_.push_back(std::make_unique<AudioOutput>(*track, *muxer_, path_, notice));
    if (!notice.empty()) notices << "matte: " << path_ << ": " << notice << "\n";
  }

  if (!(format.flags & AVFMT_NOFILE)) {
    if (const int r = avio_open(&muxer_->pb, url.c_str(), AVIO_FLAG_WRITE); r < 0) fail("cannot write", r);
  }
  AVDictionary* options = nullptr;
  // MP4 and QuickTime write their index at the end: on a pipe, in fragments instead.
  if (path == "-") av_dict_set(&options, "movflags", "frag_keyframe+empty_moov+default_base_moof", 0);
  const int header = avformat_write_header(muxer_.get(), &options);
  av_dict_free(&options);
  if (header < 0) fail("cannot write", header);

  frame_->format = pix;
  frame_->width = stream.width;
  frame_->height = stream.height;
  if (av_frame_get_buffer(frame_.get(), 0) < 0) throw std::bad_alloc();
}

VideoWriter::~VideoWriter() = default;

void VideoWriter::fail(const std::string& what, int code) const {
  throw Error(path_ + ": " + what + " (" + av_error_text(code) + ")");
}

void VideoWriter::convert(const cv::Mat& frame) {
  const AVPixelFormat from = frame.channels() == 1   ? AV_PIX_FMT_GRAY8
                             : frame.channels() == 4 ? AV_PIX_FMT_BGRA
                                                     : AV_PIX_FMT_BGR24;
  // The encoder may still hold the previous frame's buffer.
  if (av_frame_make_writable(frame_.get()) < 0) throw std::bad_alloc();
  if (from == AV_PIX_FMT_GRAY8 && frame_->format == AV_PIX_FMT_YUV420P) {  // alpha as H.264/H.265
    gray_to_yuv420(frame, *frame_);
    return;
  }
  if (from == AV_PIX_FMT_BGR24 && frame_->format == AV_PIX_FMT_YUV420P) {  // H.264/H.265 defaults: the hot path
    const RgbImage8 image{frame.data, frame.step, size_t(frame.rows), size_t(frame.cols), true};
    const Yuv420Planes planes{frame_->data[0],        frame_->data[1],        frame_->data[2],
                              size_t(frame_->linesize[0]), size_t(frame_->linesize[1]), size_t(frame_->linesize[2])};
    yuv().u8_rgb_to_yuv420(image, planes, 0, yuv420_chroma_size(size_t(frame.rows)));
    return;
  }
  scaler_.reset(sws_getCachedContext(scaler_.release(), frame.cols, frame.rows, from, frame.cols, frame.rows,
                                     AVPixelFormat(frame_->format), SWS_BICUBIC | SWS_ACCURATE_RND, nullptr, nullptr,
                                     nullptr));
  if (!scaler_) throw Error(path_ + ": cannot convert frames to " + av_get_pix_fmt_name(AVPixelFormat(frame_->format)));
  const uint8_t* planes[4] = {frame.data};
  const int strides[4] = {int(frame.step)};
  if (sws_scale(scaler_.get(), planes, strides, 0, frame.rows, frame_->data, frame_->linesize) != frame.rows) {
    throw Error(path_ + ": cannot convert a frame to " + av_get_pix_fmt_name(AVPixelFormat(frame_->format)));
  }
}

void VideoWriter::write(const cv::Mat& frame, const FrameTime& time) {
  convert(frame);
  if (first_pts_ == AV_NOPTS_VALUE) first_pts_ = time.pts;
  frame_->pts = constant_rate_ ? frames_ : time.pts - first_pts_;
  const int64_t duration = constant_rate_ ? 1 : time.duration;
  durations_[frame_->pts] = duration;
  ++frames_;
  end_ = time.pts + time.duration;
  send(frame_.get());
  write_audio(false);
}

void VideoWriter::write_audio(bool final) {
  for (const auto& a : audio_) {
    a->write_until(av_rescale_q(first_pts_, source_time_base_, a->track_time_base()),
                   av_rescale_q(end_, source_time_base_, a->track_time_base()), final);
  }
}

void VideoWriter::send(const AVFrame* frame) {
  if (const int r = avcodec_send_frame(encoder_.get(), frame); r < 0) fail("cannot encode", r);
  for (;;) {
    const int r = avcodec_receive_packet(encoder_.get(), packet_.get());
    if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return;
    if (r < 0) fail("cannot encode", r);
    if (const auto known = durations_.find(packet_->pts); known != durations_.end()) {
      if (packet_->duration == 0) packet_->duration = known->second;
      durations_.erase(known);
    }
    packet_->stream_index = stream_->index;
    av_packet_rescale_ts(packet_.get(), encoder_->time_base, stream_->time_base);
    if (const int w = av_interleaved_write_frame(muxer_.get(), packet_.get()); w < 0) fail("cannot write", w);
  }
}

void VideoWriter::close() {
  if (frames_ == 0) throw Error(path_ + ": no frame to write");
  send(nullptr);
  write_audio(true);
  if (const int r = av_write_trailer(muxer_.get()); r < 0) fail("cannot write", r);
  if (!(muxer_->oformat->flags & AVFMT_NOFILE)) {
    if (const int r = avio_closep(&muxer_->pb); r < 0) fail("cannot write", r);
  }
}

}  // namespace matte::cli
