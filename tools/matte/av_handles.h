// Owning handles for FFmpeg's C objects, and FFmpeg's error codes as text.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libswscale/swscale.h>
}

#include <memory>
#include <string>

namespace matte::cli {

struct InputFormatCloser {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
// An output context that still owns its file: freed on an error path, where a failed close no
// longer matters (the temporary is removed).
struct OutputFormatCloser {
  void operator()(AVFormatContext* c) const {
    if (!(c->oformat->flags & AVFMT_NOFILE)) avio_closep(&c->pb);
    avformat_free_context(c);
  }
};
struct CodecCloser {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameFreer {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketFreer {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct ScalerFreer {
  void operator()(SwsContext* s) const { sws_freeContext(s); }
};

using InputFormat = std::unique_ptr<AVFormatContext, InputFormatCloser>;
using OutputFormat = std::unique_ptr<AVFormatContext, OutputFormatCloser>;
using CodecContext = std::unique_ptr<AVCodecContext, CodecCloser>;
using FramePtr = std::unique_ptr<AVFrame, FrameFreer>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFreer>;
using ScalerPtr = std::unique_ptr<SwsContext, ScalerFreer>;

// Allocations that fail only when memory is exhausted: std::bad_alloc then.
FramePtr new_frame();
PacketPtr new_packet();

// Whether the container takes the codec. Muxers that keep no list (MPEG-TS) are trusted: only a
// definite "no" from avformat_query_codec is a no.
bool container_takes(const AVOutputFormat& format, AVCodecID codec);

// "No space left on device", "Invalid data found when processing input", ...
std::string av_error_text(int code);

}  // namespace matte::cli
