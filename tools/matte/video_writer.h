// Encoding frames into a video file or stream with FFmpeg's libraries: the codec by the container
// or --video-codec, every frame at its input timestamp, the input's audio alongside.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <opencv2/core.hpp>
#include <optional>
#include <ostream>
#include <string>

#include "tools/matte/av_handles.h"
#include "tools/matte/source.h"

namespace matte::cli {

class AudioOutput;
class AudioTrack;

// The --video-* flags and --output-format.
struct VideoSettings {
  std::string codec;  // h264 hevc vp9 prores qtrle ffv1 png mjpeg; "" = the container's default
  std::optional<int> crf;
  std::string preset;
  std::optional<double> mbps;
  std::string format;  // the container of a '-' output (an FFmpeg muxer name, or y4m)
};

// The extensions a video output may have.
const std::vector<std::string>& video_extensions();
// Throws UsageError naming `path` ("-": standard output) when the container cannot hold the codec,
// the codec does not take an option, or a '-' output has no --output-format.
void check_video_settings(const std::string& path, const VideoSettings& settings);

struct VideoStream {
  int width = 0, height = 0;
  int channels = 3;  // of the frames written: 1 gray, 3 BGR, 4 BGRA (kept only by codecs with alpha)
  Rational time_base, frame_rate;  // of the source's timestamps
};

class VideoWriter {
 public:
  // `path` is the output's name ("-" for standard output), `url` where FFmpeg writes. Each track of
  // `audio` is copied or re-encoded alongside, in that order. One line per notice (a re-encoded audio track, a
  // pixel format chosen for an odd size) goes to `notices`. Throws Error naming `path`.
  VideoWriter(const std::string& path, const std::string& url, const VideoSettings& settings,
              const VideoStream& stream, const std::vector<AudioTrack*>& audio, std::ostream& notices);
  ~VideoWriter();

  bool carries_alpha() const { return alpha_; }
  void write(const cv::Mat& frame, const FrameTime& time);
  // Drains the encoder, writes the rest of the audio and the trailer, closes the file. Throws Error
  // naming the path when any of it fails.
  void close();

 private:
  void convert(const cv::Mat& frame);
  void send(const AVFrame* frame);
  void fail(const std::string& what, int code) const;
  // Every track's audio up to the end of the frames written; `final`: the rest of the span too.
  void write_audio(bool final);

  std::string path_;
  OutputFormat muxer_;
  CodecContext encoder_;
  AVStream* stream_ = nullptr;
  FramePtr frame_;
  PacketPtr packet_;
  ScalerPtr scaler_;
  std::vector<std::unique_ptr<AudioOutput>> audio_;
  AVRational source_time_base_;
  bool alpha_ = false, constant_rate_ = false;
  int64_t first_pts_ = AV_NOPTS_VALUE, frames_ = 0, end_ = 0;
  std::map<int64_t, int64_t> durations_;  // by encoder pts, for the packets the encoder leaves without
};

}  // namespace matte::cli
