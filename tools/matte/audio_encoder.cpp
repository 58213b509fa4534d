#include "tools/matte/audio_encoder.h"

#include <new>

#include "engine/error.h"

namespace matte::cli {

namespace {

const AVCodec* pick_encoder(const AVOutputFormat& format) {
  if (std::string(format.name) == "webm") {
    if (const AVCodec* opus = avcodec_find_encoder_by_name("libopus")) return opus;
  }
  if (container_takes(format, AV_CODEC_ID_AAC)) {
    return avcodec_find_encoder(AV_CODEC_ID_AAC);
  }
  return format.audio_codec == AV_CODEC_ID_NONE ? nullptr : avcodec_find_encoder(format.audio_codec);
}

}  // namespace

AudioEncoder::AudioEncoder(const AVCodecParameters& input, AVRational input_time_base, const AVOutputFormat& format,
                           const std::string& name)
    : name_(name), input_time_base_(input_time_base), decoded_(new_frame()), resampled_(new_frame()),
      chunk_(new_frame()), packet_(new_packet()) {
  const AVCodec* decoder = avcodec_find_decoder(input.codec_id);
  if (!decoder) throw Error(name_ + ": no decoder for the input's " + avcodec_get_name(input.codec_id) + " audio");
  decoder_.reset(avcodec_alloc_context3(decoder));
  if (!decoder_ || avcodec_parameters_to_context(decoder_.get(), &input) < 0) throw std::bad_alloc();
  decoder_->pkt_timebase = input_time_base;
  if (const int r = avcodec_open2(decoder_.get(), decoder, nullptr); r < 0) {
    throw Error(name_ + ": cannot decode the input's audio (" + av_error_text(r) + ")");
  }
  if (decoder_->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
    av_channel_layout_default(&decoder_->ch_layout, decoder_->ch_layout.nb_channels);
  }

  const AVCodec* encoder = pick_encoder(format);
  if (!encoder) throw Error(name_ + ": no audio encoder for the " + format.name + " container");
  encoder_.reset(avcodec_alloc_context3(encoder));
  if (!encoder_) throw std::bad_alloc();
  const bool opus = encoder->id == AV_CODEC_ID_OPUS;
  encoder_->sample_rate = opus ? 48000 : decoder_->sample_rate;
  encoder_->sample_fmt = encoder->sample_fmts ? encoder->sample_fmts[0] : AV_SAMPLE_FMT_FLTP;
  if (av_channel_layout_copy(&encoder_->ch_layout, &decoder_->ch_layout) < 0) throw std::bad_alloc();
  encoder_->bit_rate = 64000 * std::max(2, decoder_->ch_layout.nb_channels);
  encoder_->time_base = {1, encoder_->sample_rate};
  if (format.flags & AVFMT_GLOBALHEADER) encoder_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  if (const int r = avcodec_open2(encoder_.get(), encoder, nullptr); r < 0) {
    throw Error(name_ + ": cannot encode the audio as " + encoder->name + " (" + av_error_text(r) + ")");
  }

  SwrContext* resampler = nullptr;
  if (swr_alloc_set_opts2(&resampler, &encoder_->ch_layout, encoder_->sample_fmt, encoder_->sample_rate,
                          &decoder_->ch_layout, decoder_->sample_fmt, decoder_->sample_rate, 0, nullptr) < 0) {
    throw std::bad_alloc();
  }
  resampler_.reset(resampler);
  if (const int r = swr_init(resampler_.get()); r < 0) {
    throw Error(name_ + ": cannot convert the input's audio (" + av_error_text(r) + ")");
  }
  fifo_.reset(av_audio_fifo_alloc(encoder_->sample_fmt, encoder_->ch_layout.nb_channels, 1));
  if (!fifo_) throw std::bad_alloc();
}

AudioEncoder::~AudioEncoder() = default;

void AudioEncoder::encode(const AVPacket* packet, int64_t start, const std::function<void(AVPacket&)>& out) {
  if (packet && next_pts_ == AV_NOPTS_VALUE) {
    next_pts_ = av_rescale_q(packet->pts - start, input_time_base_, encoder_->time_base);
  }
  // A damaged packet is dropped, as a decoder would.
  if (avcodec_send_packet(decoder_.get(), packet) < 0 && packet) return;
  for (;;) {
    const int r = avcodec_receive_frame(decoder_.get(), decoded_.get());
    if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) break;
    if (r < 0) continue;
    av_frame_unref(resampled_.get());
    resampled_->format = encoder_->sample_fmt;
    resampled_->sample_rate = encoder_->sample_rate;
    if (av_channel_layout_copy(&resampled_->ch_layout, &encoder_->ch_layout) < 0) throw std::bad_alloc();
    if (const int c = swr_convert_frame(resampler_.get(), resampled_.get(), decoded_.get()); c < 0) {
      throw Error(name_ + ": cannot convert the input's audio (" + av_error_text(c) + ")");
    }
    av_frame_unref(decoded_.get());
    if (av_audio_fifo_write(fifo_.get(), reinterpret_cast<void**>(resampled_->data), resampled_->nb_samples) < 0) {
      throw std::bad_alloc();
    }
  }
  if (packet) {
    encode_fifo(false, out);
    return;
  }
  // The end: what the resampler holds, the last short frame, then the encoder's delay.
  av_frame_unref(resampled_.get());
  resampled_->format = encoder_->sample_fmt;
  resampled_->sample_rate = encoder_->sample_rate;
  if (av_channel_layout_copy(&resampled_->ch_layout, &encoder_->ch_layout) < 0) throw std::bad_alloc();
  resampled_->nb_samples = 4096;
  if (av_frame_get_buffer(resampled_.get(), 0) < 0) throw std::bad_alloc();
  const int rest = swr_convert(resampler_.get(), resampled_->data, resampled_->nb_samples, nullptr, 0);
  if (rest > 0 && av_audio_fifo_write(fifo_.get(), reinterpret_cast<void**>(resampled_->data), rest) < 0) {
    throw std::bad_alloc();
  }
  encode_fifo(true, out);
  send(nullptr, out);
}

void AudioEncoder::encode_fifo(bool all, const std::function<void(AVPacket&)>& out) {
  const int frame_size = encoder_->frame_size > 0 ? encoder_->frame_size : 1024;
  while (av_audio_fifo_size(fifo_.get()) >= frame_size || (all && av_audio_fifo_size(fifo_.get()) > 0)) {
    av_frame_unref(chunk_.get());
    chunk_->nb_samples = std::min(frame_size, av_audio_fifo_size(fifo_.get()));
    chunk_->format = encoder_->sample_fmt;
    chunk_->sample_rate = encoder_->sample_rate;
    if (av_channel_layout_copy(&chunk_->ch_layout, &encoder_->ch_layout) < 0) throw std::bad_alloc();
    if (av_frame_get_buffer(chunk_.get(), 0) < 0) throw std::bad_alloc();
    av_audio_fifo_read(fifo_.get(), reinterpret_cast<void**>(chunk_->data), chunk_->nb_samples);
    chunk_->pts = next_pts_ == AV_NOPTS_VALUE ? 0 : next_pts_;
    next_pts_ = chunk_->pts + chunk_->nb_samples;
    send(chunk_.get(), out);
  }
}

void AudioEncoder::send(const AVFrame* frame, const std::function<void(AVPacket&)>& out) {
  if (const int r = avcodec_send_frame(encoder_.get(), frame); r < 0) {
    throw Error(name_ + ": cannot encode the audio (" + av_error_text(r) + ")");
  }
  for (;;) {
    const int r = avcodec_receive_packet(encoder_.get(), packet_.get());
    if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return;
    if (r < 0) throw Error(name_ + ": cannot encode the audio (" + av_error_text(r) + ")");
    out(*packet_);
    av_packet_unref(packet_.get());
  }
}

}  // namespace matte::cli
