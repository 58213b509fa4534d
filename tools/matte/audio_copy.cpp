#include "tools/matte/audio_copy.h"

#include <new>

#include "engine/error.h"
#include "tools/matte/audio_encoder.h"
#include "tools/matte/audio_track.h"

namespace matte::cli {

AudioOutput::AudioOutput(AudioTrack& track, AVFormatContext& muxer, const std::string& name, std::string& notice)
    : track_(track), name_(name), muxer_(muxer), consumer_(track.subscribe()), packet_(new_packet()) {
  const AVOutputFormat& format = *muxer.oformat;
  const AVCodecID input_codec = track.parameters().codec_id;
  const std::string input_name = avcodec_get_name(input_codec);
  const bool copy = container_takes(format, input_codec);
  if (!copy && (format.audio_codec == AV_CODEC_ID_NONE || format.video_codec == AV_CODEC_ID_WRAPPED_AVFRAME ||
                format.video_codec == AV_CODEC_ID_RAWVIDEO)) {
    notice = std::string("the ") + format.name + " container holds no audio: the input's audio is left out";
    return;
  }
  stream_ = avformat_new_stream(&muxer, nullptr);
  if (!stream_) throw std::bad_alloc();
  if (copy) {
    if (avcodec_parameters_copy(stream_->codecpar, &track.parameters()) < 0) throw std::bad_alloc();
    stream_->codecpar->codec_tag = 0;  // the container's own tag
    stream_->time_base = track.time_base();
    return;
  }
  encoder_ = std::make_unique<AudioEncoder>(track.parameters(), track.time_base(), format, name_);
  if (avcodec_parameters_from_context(stream_->codecpar, &encoder_->context()) < 0) throw std::bad_alloc();
  stream_->time_base = encoder_->context().time_base;
  notice = std::string("the ") + format.name + " container cannot hold the input's " + input_name + " audio: " +
           "re-encoded as " + encoder_->context().codec->name;
}

AudioOutput::~AudioOutput() = default;

AVRational AudioOutput::track_time_base() const { return track_.time_base(); }

void AudioOutput::write_until(int64_t start, int64_t end, bool final) {
  if (!stream_) return;
  const auto out = [&](AVPacket& packet) { write(packet, encoder_->context().time_base); };
  while (track_.next(consumer_, end, final, *packet_)) {
    // Packets ending before the video's first frame are cut. The one ending just there is kept: it
    // primes the decoder (AAC's first packet), and the container places it before time 0.
    if (packet_->pts + std::max<int64_t>(packet_->duration, 0) < start) {
      av_packet_unref(packet_.get());
      continue;
    }
    if (encoder_) {
      encoder_->encode(packet_.get(), start, out);
      av_packet_unref(packet_.get());
    } else {
      packet_->pts -= start;
      if (packet_->dts != AV_NOPTS_VALUE) packet_->dts -= start;
      write(*packet_, track_.time_base());
    }
  }
  if (final && encoder_) encoder_->encode(nullptr, start, out);
}

void AudioOutput::write(AVPacket& packet, AVRational from) {
  packet.stream_index = stream_->index;
  packet.pos = -1;
  av_packet_rescale_ts(&packet, from, stream_->time_base);
  // Takes the packet's reference (and leaves it blank) even when it fails.
  if (const int r = av_interleaved_write_frame(&muxer_, &packet); r < 0) {
    throw Error(name_ + ": cannot write (" + av_error_text(r) + ")");
  }
}

}  // namespace matte::cli
