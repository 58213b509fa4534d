// Reading back what `matte` wrote, and making test inputs, with FFmpeg's libraries (never with the
// ffmpeg program, which the machine may not have).
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <doctest/doctest.h>

#include <algorithm>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace matte::test {

enum class Pixels { none, bgr, gray, alpha };  // what read_av keeps of each frame

struct AvAudio {
  std::string codec;
  AVRational time_base{0, 1};
  std::vector<std::string> packets;  // data
  std::vector<int64_t> pts, durations;
  // End of the last packet, in seconds.
  double end() const { return pts.empty() ? 0.0 : double(pts.back() + durations.back()) * av_q2d(time_base); }
  double start() const { return pts.empty() ? 0.0 : double(pts.front()) * av_q2d(time_base); }
};

struct AvVideo {
  bool opened = false;
  std::string codec, pix_fmt;  // the stream's codec; the decoded frames' pixel format
  int width = 0, height = 0, frames = 0;
  double fps = 0.0;  // the stream's average rate (its base rate when it has none)
  AVRational time_base{0, 1};
  std::vector<int64_t> pts;  // each decoded frame's
  std::vector<int64_t> packet_pos, packet_size;  // the video packets' places in the file
  std::vector<std::string> packet_heads;         // and their first bytes (up to 32)
  std::vector<cv::Mat> images;
  bool has_audio = false;
  AvAudio audio;                      // the best audio stream
  std::vector<AvAudio> audio_streams;  // every audio stream, in the file's order
};

// Decodes every frame of the best video stream (VP9 with libvpx, which reads its alpha) and lists
// every audio stream's packets.
inline AvVideo read_av(const std::string& path, Pixels pixels = Pixels::none) {
  AvVideo v;
  AVFormatContext* in = nullptr;
  if (avformat_open_input(&in, path.c_str(), nullptr, nullptr) < 0) return v;
  avformat_find_stream_info(in, nullptr);
  const int vi = av_find_best_stream(in, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  const int ai = av_find_best_stream(in, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  if (vi < 0) {
    avformat_close_input(&in);
    return v;
  }
  const AVStream* vs = in->streams[vi];
  v.opened = true;
  v.codec = avcodec_get_name(vs->codecpar->codec_id);
  v.time_base = vs->time_base;
  v.fps = av_q2d(vs->avg_frame_rate.num > 0 ? vs->avg_frame_rate : vs->r_frame_rate);
  const AVCodec* codec = vs->codecpar->codec_id == AV_CODEC_ID_VP9 ? avcodec_find_decoder_by_name("libvpx-vp9")
                                                                  : avcodec_find_decoder(vs->codecpar->codec_id);
  AVCodecContext* dec = avcodec_alloc_context3(codec);
  avcodec_parameters_to_context(dec, vs->codecpar);
  dec->pkt_timebase = vs->time_base;
  REQUIRE(avcodec_open2(dec, codec, nullptr) == 0);
  std::vector<int> audio_of_stream(in->nb_streams, -1);
  for (unsigned i = 0; i < in->nb_streams; ++i) {
    if (in->streams[i]->codecpar->codec_type != AVMEDIA_TYPE_AUDIO) continue;
    audio_of_stream[i] = int(v.audio_streams.size());
    AvAudio& a = v.audio_streams.emplace_back();
    a.codec = avcodec_get_name(in->streams[i]->codecpar->codec_id);
    a.time_base = in->streams[i]->time_base;
  }
  AVPacket* packet = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  SwsContext* sws = nullptr;
  const auto take_frames = [&] {
    while (avcodec_receive_frame(dec, frame) == 0) {
      if (v.frames++ == 0) {
        v.width = frame->width;
        v.height = frame->height;
        v.pix_fmt = av_get_pix_fmt_name(AVPixelFormat(frame->format));
      }
      v.pts.push_back(frame->best_effort_timestamp);
      if (pixels != Pixels::none) {
        const AVPixelFormat to = pixels == Pixels::bgr ? AV_PIX_FMT_BGR24
                                 : pixels == Pixels::gray ? AV_PIX_FMT_GRAY8
                                                          : AV_PIX_FMT_BGRA;
        sws = sws_getCachedContext(sws, frame->width, frame->height, AVPixelFormat(frame->format), frame->width,
                                   frame->height, to, SWS_BICUBIC, nullptr, nullptr, nullptr);  // as matte reads
        // A spare row: libswscale may write past the last one.
        const int type = to == AV_PIX_FMT_BGR24 ? CV_8UC3 : to == AV_PIX_FMT_GRAY8 ? CV_8UC1 : CV_8UC4;
        cv::Mat image(frame->height + 1, frame->width, type);
        uint8_t* planes[4] = {image.data};
        const int strides[4] = {int(image.step)};
        sws_scale(sws, frame->data, frame->linesize, 0, frame->height, planes, strides);
        image = image.rowRange(0, frame->height);
        if (pixels == Pixels::alpha) cv::extractChannel(image, image, 3);
        v.images.push_back(image.clone());
      }
      av_frame_unref(frame);
    }
  };
  while (av_read_frame(in, packet) >= 0) {
    if (packet->stream_index == vi) {
      v.packet_pos.push_back(packet->pos);
      v.packet_size.push_back(packet->size);
      v.packet_heads.emplace_back(reinterpret_cast<const char*>(packet->data), size_t(std::min(packet->size, 32)));
      avcodec_send_packet(dec, packet);
      take_frames();
    } else if (size_t(packet->stream_index) < audio_of_stream.size() && audio_of_stream[packet->stream_index] >= 0) {
      AvAudio& a = v.audio_streams[size_t(audio_of_stream[packet->stream_index])];
      a.packets.emplace_back(reinterpret_cast<const char*>(packet->data), size_t(packet->size));
      a.pts.push_back(packet->pts);
      a.durations.push_back(packet->duration);
    }
    av_packet_unref(packet);
  }
  avcodec_send_packet(dec, nullptr);
  take_frames();
  if (ai >= 0) {
    v.has_audio = true;
    v.audio = v.audio_streams[size_t(audio_of_stream[size_t(ai)])];
  }
  sws_freeContext(sws);
  av_frame_free(&frame);
  av_packet_free(&packet);
  avcodec_free_context(&dec);
  avformat_close_input(&in);
  return v;
}

// Copies `in`'s video stream (and audio with `with_audio`, or the audio alone with `audio_only`) into
// `out` in the container `format`, up to `max_video_packets` video packets (0: all), with muxer
// `options` ("movflags=faststart"); each audio stream `audio_copies` times.
inline void remux(const std::string& in_path, const std::string& out_path, const char* format, int max_video_packets,
                  bool with_audio = false, bool audio_only = false, const char* options = nullptr,
                  int audio_copies = 1) {
  AVFormatContext* in = nullptr;
  REQUIRE(avformat_open_input(&in, in_path.c_str(), nullptr, nullptr) == 0);
  REQUIRE(avformat_find_stream_info(in, nullptr) >= 0);
  AVFormatContext* out = nullptr;
  REQUIRE(avformat_alloc_output_context2(&out, nullptr, format, out_path.c_str()) >= 0);
  std::vector<std::vector<int>> map(in->nb_streams);
  int video = -1;
  for (unsigned i = 0; i < in->nb_streams; ++i) {
    const AVMediaType type = in->streams[i]->codecpar->codec_type;
    const bool take = (type == AVMEDIA_TYPE_VIDEO && !audio_only) ||
                      (type == AVMEDIA_TYPE_AUDIO && (with_audio || audio_only));
    if (!take) continue;
    if (type == AVMEDIA_TYPE_VIDEO) video = int(i);
    for (int k = 0; k < (type == AVMEDIA_TYPE_AUDIO ? audio_copies : 1); ++k) {
      AVStream* s = avformat_new_stream(out, nullptr);
      avcodec_parameters_copy(s->codecpar, in->streams[i]->codecpar);
      s->codecpar->codec_tag = 0;
      s->time_base = in->streams[i]->time_base;
      map[i].push_back(s->index);
    }
  }
  REQUIRE(avio_open(&out->pb, out_path.c_str(), AVIO_FLAG_WRITE) >= 0);
  AVDictionary* dict = nullptr;
  if (options) av_dict_parse_string(&dict, options, "=", ",", 0);
  REQUIRE(avformat_write_header(out, &dict) >= 0);
  av_dict_free(&dict);
  AVPacket* packet = av_packet_alloc();
  int videos = 0;
  while (av_read_frame(in, packet) >= 0) {
    const std::vector<int> to = map[size_t(packet->stream_index)];
    if (packet->stream_index == video && max_video_packets > 0 && videos++ >= max_video_packets) {
      av_packet_unref(packet);
      break;
    }
    const AVRational from = in->streams[packet->stream_index]->time_base;
    for (int s : to) {
      AVPacket* copy = av_packet_clone(packet);
      av_packet_rescale_ts(copy, from, out->streams[s]->time_base);
      copy->stream_index = s;
      copy->pos = -1;
      REQUIRE(av_interleaved_write_frame(out, copy) >= 0);
      av_packet_free(&copy);
    }
    av_packet_unref(packet);
  }
  REQUIRE(av_write_trailer(out) >= 0);
  avio_closep(&out->pb);
  av_packet_free(&packet);
  avformat_free_context(out);
  avformat_close_input(&in);
}

// BGR frames stored losslessly (PNG, in the container `format`) at the times `ms` (milliseconds;
// empty: 30 fps), with a display matrix of `degrees` (av_display_rotation_set; QuickTime's reader
// gives it back negated, as players read it).
inline void write_png_video(const std::string& path, const char* format, const std::vector<cv::Mat>& frames,
                            double degrees, std::vector<int64_t> ms = {}) {
  for (size_t k = ms.size(); k < frames.size(); ++k) ms.push_back(int64_t(k) * 1000 / 30);
  AVFormatContext* out = nullptr;
  REQUIRE(avformat_alloc_output_context2(&out, nullptr, format, path.c_str()) >= 0);
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_PNG);
  AVCodecContext* enc = avcodec_alloc_context3(codec);
  enc->width = frames.front().cols;
  enc->height = frames.front().rows;
  enc->pix_fmt = AV_PIX_FMT_RGB24;
  enc->time_base = {1, 1000};
  REQUIRE(avcodec_open2(enc, codec, nullptr) == 0);
  AVStream* s = avformat_new_stream(out, nullptr);
  avcodec_parameters_from_context(s->codecpar, enc);
  s->time_base = enc->time_base;
  if (degrees != 0) {
    uint8_t* matrix = av_stream_new_side_data(s, AV_PKT_DATA_DISPLAYMATRIX, 9 * sizeof(int32_t));
    av_display_rotation_set(reinterpret_cast<int32_t*>(matrix), degrees);
  }
  REQUIRE(avio_open(&out->pb, path.c_str(), AVIO_FLAG_WRITE) >= 0);
  REQUIRE(avformat_write_header(out, nullptr) >= 0);
  AVFrame* frame = av_frame_alloc();
  AVPacket* packet = av_packet_alloc();
  const auto drain = [&] {
    while (avcodec_receive_packet(enc, packet) == 0) {
      // Else QuickTime's index gives the last frame no time, and readers skip it.
      const auto next = std::upper_bound(ms.begin(), ms.end(), packet->pts);
      packet->duration = next == ms.end() ? 33 : *next - packet->pts;
      av_packet_rescale_ts(packet, enc->time_base, s->time_base);
      packet->stream_index = s->index;
      REQUIRE(av_interleaved_write_frame(out, packet) >= 0);
    }
  };
  for (size_t k = 0; k < frames.size(); ++k) {
    frame->format = AV_PIX_FMT_RGB24;
    frame->width = enc->width;
    frame->height = enc->height;
    REQUIRE(av_frame_get_buffer(frame, 0) >= 0);
    for (int y = 0; y < enc->height; ++y) {
      const cv::Vec3b* row = frames[k].ptr<cv::Vec3b>(y);
      uint8_t* dst = frame->data[0] + y * frame->linesize[0];
      for (int x = 0; x < enc->width; ++x) {
        dst[3 * x] = row[x][2];
        dst[3 * x + 1] = row[x][1];
        dst[3 * x + 2] = row[x][0];
      }
    }
    frame->pts = ms[k];
    REQUIRE(avcodec_send_frame(enc, frame) >= 0);
    av_frame_unref(frame);
    drain();
  }
  avcodec_send_frame(enc, nullptr);
  drain();
  REQUIRE(av_write_trailer(out) >= 0);
  avio_closep(&out->pb);
  av_packet_free(&packet);
  av_frame_free(&frame);
  avcodec_free_context(&enc);
  avformat_free_context(out);
}

}  // namespace matte::test
