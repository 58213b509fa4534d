// Decoding a video file or stream with FFmpeg's libraries into 8-bit BGR frames, each with its
// presentation timestamp, upright as a player shows it.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <opencv2/core.hpp>
#include <string>

#include "tools/matte/audio_track.h"
#include "tools/matte/av_handles.h"

namespace matte::cli {

class VideoReader {
 public:
  // `url`: a path, "-" (standard input) or a URL FFmpeg's protocols open. Throws Error naming it when
  // it cannot be opened, has no video stream or announces frames of more than `max_pixels` (0: no
  // limit). With `keep_audio` every audio stream's packets are collected into audio(). Reads
  // that wait give up once `*interrupt` (when given) is non-zero: Ctrl-C on a stalled stream.
  VideoReader(const std::string& url, int64_t max_pixels, bool keep_audio,
              const std::atomic<int>* interrupt = nullptr);
  ~VideoReader();

  // As displayed: a stream rotated by 90 or 270 degrees has width and height swapped.
  int width() const { return width_; }
  int height() const { return height_; }
  AVRational time_base() const { return stream_->time_base; }
  // The stream's average rate; 0/1 when unknown.
  AVRational frame_rate() const { return stream_->avg_frame_rate; }
  // The container's frame count; 0 when it has none.
  int64_t frame_count() const { return stream_->nb_frames; }

  // The next frame (into *bgr, whose buffer is reused when it has the size and nothing shares it;
  // not converted when `bgr` is null) with its pts and
  // duration (0 when unknown) in time_base(); false at the end. Damaged data is skipped and
  // counted, as ffmpeg does.
  bool read(cv::Mat* bgr, int64_t& pts, int64_t& duration);
  // Frames the decoder rejected or never produced, up to now.
  int64_t lost_frames() const;
  // After the end: a warning when the input ended before the frames its header lists (else "").
  std::string ending_warning() const;
  // The audio streams in the input's order; none without `keep_audio`.
  std::vector<AudioTrack*> audio() const;

 private:
  // Reads one packet into the queues; false at the input's end.
  bool demux();
  PacketPtr next_video_packet();
  void to_bgr(const AVFrame& frame, cv::Mat& bgr);

  // Standard input made non-blocking for FFmpeg's pipe protocol (which then polls and checks the
  // interrupt: Ctrl-C never waits for a stalled pipe); its flags restored at the end.
  class NonblockingStdin {
   public:
    void set();
    ~NonblockingStdin();

   private:
    int flags_ = -1;
  };

  std::string name_;
  NonblockingStdin stdin_;
  InputFormat input_;
  AVStream* stream_ = nullptr;
  CodecContext decoder_;
  FramePtr frame_;
  ScalerPtr scaler_;
  int width_ = 0, height_ = 0, rotation_ = 0;  // rotation: degrees clockwise to display
  std::vector<std::unique_ptr<AudioTrack>> audio_;
  std::vector<AudioTrack*> audio_by_stream_;  // by stream index, nullptr for the others
  std::mutex demux_mutex_;  // the audio outputs read further at the end, on another thread
  std::deque<PacketPtr> video_packets_;
  bool input_ended_ = false, flushed_ = false;
  std::string demux_error_;
  int64_t packets_sent_ = 0, frames_out_ = 0, errors_ = 0, last_pts_ = AV_NOPTS_VALUE;
};

}  // namespace matte::cli
