// Audio decoded and encoded again for a container that cannot hold the input's codec.
#pragma once

#include <functional>
#include <memory>
#include <string>

extern "C" {
#include <libavutil/audio_fifo.h>
#include <libswresample/swresample.h>
}

#include "tools/matte/av_handles.h"

namespace matte::cli {

class AudioEncoder {
 public:
  // AAC, or Opus for WebM; the container's own audio codec when it takes neither. Throws Error
  // naming `name` when there is no such encoder or it cannot take the input's layout.
  AudioEncoder(const AVCodecParameters& input, AVRational input_time_base, const AVOutputFormat& format,
               const std::string& name);
  ~AudioEncoder();

  const AVCodecContext& context() const { return *encoder_; }
  // Decodes `packet` (nullptr: the end, which drains everything) and hands each encoded packet to
  // `out`, timed in context().time_base. `start` (in the input's time base) is the input time that
  // becomes time 0; the first packet fixes where the output begins.
  void encode(const AVPacket* packet, int64_t start, const std::function<void(AVPacket&)>& out);

 private:
  void encode_fifo(bool all, const std::function<void(AVPacket&)>& out);
  void send(const AVFrame* frame, const std::function<void(AVPacket&)>& out);

  struct ResamplerFreer {
    void operator()(SwrContext* s) const { swr_free(&s); }
  };
  struct FifoFreer {
    void operator()(AVAudioFifo* f) const { av_audio_fifo_free(f); }
  };
  std::string name_;
  AVRational input_time_base_;
  CodecContext decoder_, encoder_;
  std::unique_ptr<SwrContext, ResamplerFreer> resampler_;
  std::unique_ptr<AVAudioFifo, FifoFreer> fifo_;
  FramePtr decoded_, resampled_, chunk_;
  PacketPtr packet_;
  int64_t next_pts_ = AV_NOPTS_VALUE;
};

}  // namespace matte::cli
