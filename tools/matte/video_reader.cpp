#include "tools/matte/video_reader.h"

extern "C" {
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
}

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <opencv2/core.hpp>
#include <thread>

#include "engine/error.h"
#include "tools/common/frames.h"
#include "tools/matte/thread_budget.h"

namespace matte::cli {

namespace {

std::string display_name(const std::string& url) { return url == "-" ? "standard input" : url; }

// Degrees clockwise that turn the stored picture upright (0, 90, 180 or 270), as ffmpeg applies.
int display_rotation(const AVStream& stream) {
  const uint8_t* matrix = av_stream_get_side_data(&stream, AV_PKT_DATA_DISPLAYMATRIX, nullptr);
  if (!matrix) return 0;
  const double counterclockwise = av_display_rotation_get(reinterpret_cast<const int32_t*>(matrix));
  if (std::isnan(counterclockwise)) return 0;
  const int clockwise = int(std::lround(-counterclockwise / 90.0)) * 90;
  return ((clockwise % 360) + 360) % 360;
}

}  // namespace

VideoReader::VideoReader(const std::string& url, int64_t max_pixels, bool keep_audio,
                         const std::atomic<int>* interrupt)
    : name_(display_name(url)), frame_(new_frame()) {
  AVFormatContext* context = avformat_alloc_context();
  if (!context) throw std::bad_alloc();
  if (interrupt) {
    context->interrupt_callback.callback = [](void* flag) {
      return int(static_cast<const std::atomic<int>*>(flag)->load() != 0);
    };
    context->interrupt_callback.opaque = const_cast<std::atomic<int>*>(interrupt);
  }
  std::string source = url;
  if (url == "-") {
    // A file redirected to standard input can be sought (MP4 with its index at the end); a pipe not.
    struct stat st;
    const bool file = ::fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode);
    source = file ? "file:/dev/stdin" : "pipe:0";
    if (!file) stdin_.set();
  }
  const int opened = avformat_open_input(&context, source.c_str(), nullptr, nullptr);
  if (opened < 0) {
    // A file FFmpeg does not recognise: the path was also tried as an image.
    if (opened == AVERROR_INVALIDDATA) throw Error(name_ + ": cannot decode as an image or a video");
    throw Error(name_ + ": cannot open (" + av_error_text(opened) + ")");
  }
  input_.reset(context);
  const int found = avformat_find_stream_info(input_.get(), nullptr);
  if (found < 0) throw Error(name_ + ": cannot read the streams (" + av_error_text(found) + ")");
  const AVCodec* codec = nullptr;
  const int index = av_find_best_stream(input_.get(), AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
  if (index == AVERROR_STREAM_NOT_FOUND) throw Error(name_ + ": no video stream");
  if (index < 0 || !codec) throw Error(name_ + ": no decoder for the video stream (" + av_error_text(index) + ")");
  stream_ = input_->streams[index];
  for (unsigned i = 0; i < input_->nb_streams; ++i) {
    if (int(i) != index) input_->streams[i]->discard = AVDISCARD_ALL;
  }
  const AVCodecParameters& par = *stream_->codecpar;
  check_pixels(name_, par.width, par.height, max_pixels);
  rotation_ = display_rotation(*stream_);
  const bool sideways = rotation_ == 90 || rotation_ == 270;
  width_ = sideways ? par.height : par.width;
  height_ = sideways ? par.width : par.height;

  decoder_.reset(avcodec_alloc_context3(codec));
  if (!decoder_ || avcodec_parameters_to_context(decoder_.get(), &par) < 0) throw std::bad_alloc();
  decoder_->pkt_timebase = stream_->time_base;
  decoder_->thread_count = decoder_threads();
  const int ready = avcodec_open2(decoder_.get(), codec, nullptr);
  if (ready < 0) throw Error(name_ + ": cannot open the " + codec->name + " decoder (" + av_error_text(ready) + ")");

  // Every audio stream (languages, commentary), in the input's order.
  audio_by_stream_.resize(input_->nb_streams);
  for (unsigned i = 0; keep_audio && i < input_->nb_streams; ++i) {
    AVStream& s = *input_->streams[i];
    if (s.codecpar->codec_type != AVMEDIA_TYPE_AUDIO) continue;
    s.discard = AVDISCARD_DEFAULT;
    audio_.push_back(std::make_unique<AudioTrack>(s, [this] {
      std::lock_guard lock(demux_mutex_);
      return demux();
    }));
    audio_by_stream_[i] = audio_.back().get();
  }
}

VideoReader::~VideoReader() = default;

std::vector<AudioTrack*> VideoReader::audio() const {
  std::vector<AudioTrack*> tracks;
  for (const auto& t : audio_) tracks.push_back(t.get());
  return tracks;
}

void VideoReader::NonblockingStdin::set() {
  // A pipe or socket only: a terminal's flags are shared with the shell.
  struct stat st;
  if (::fstat(STDIN_FILENO, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) return;
  const int flags = ::fcntl(STDIN_FILENO, F_GETFL);
  if (flags >= 0 && ::fcntl(STDIN_FILENO, F_SETFL, flags | O_NONBLOCK) == 0) flags_ = flags;
}

VideoReader::NonblockingStdin::~NonblockingStdin() {
  if (flags_ >= 0) ::fcntl(STDIN_FILENO, F_SETFL, flags_);
}

bool VideoReader::demux() {
  if (input_ended_) return false;
  PacketPtr packet = new_packet();
  for (;;) {
    const int r = av_read_frame(input_.get(), packet.get());
    if (r == AVERROR(EAGAIN)) {  // a live stream with nothing yet
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    if (r < 0) {
      // As ffmpeg: a read error ends the input, and what was decoded is kept.
      if (r != AVERROR_EOF) demux_error_ = av_error_text(r);
      input_ended_ = true;
      return false;
    }
    break;
  }
  if (packet->stream_index == stream_->index) {
    video_packets_.push_back(std::move(packet));
  } else if (size_t(packet->stream_index) < audio_by_stream_.size() && audio_by_stream_[packet->stream_index]) {
    audio_by_stream_[packet->stream_index]->push(*packet);  // streams found later (MPEG-TS) are not kept
  }
  return true;
}

PacketPtr VideoReader::next_video_packet() {
  std::lock_guard lock(demux_mutex_);
  while (video_packets_.empty()) {
    if (!demux()) return nullptr;
  }
  PacketPtr packet = std::move(video_packets_.front());
  video_packets_.pop_front();
  return packet;
}

bool VideoReader::read(cv::Mat* bgr, int64_t& pts, int64_t& duration) {
  for (;;) {
    const int received = avcodec_receive_frame(decoder_.get(), frame_.get());
    if (received == AVERROR_EOF) return false;
    if (received == 0) break;
    if (received != AVERROR(EAGAIN)) {
      ++errors_;  // a frame the decoder gave up on
      continue;
    }
    PacketPtr packet = next_video_packet();
    if (!packet) {
      if (flushed_) return false;
      flushed_ = true;
      avcodec_send_packet(decoder_.get(), nullptr);
      continue;
    }
    if (packet->flags & AV_PKT_FLAG_DISCARD) {
      avcodec_send_packet(decoder_.get(), packet.get());  // decoded for reference, never shown
      continue;
    }
    ++packets_sent_;
    if (avcodec_send_packet(decoder_.get(), packet.get()) < 0) ++errors_;
  }
  ++frames_out_;
  const int64_t frame_duration = frame_->pkt_duration > 0 ? frame_->pkt_duration : 0;
  pts = frame_->best_effort_timestamp;
  if (pts == AV_NOPTS_VALUE) pts = last_pts_ == AV_NOPTS_VALUE ? 0 : last_pts_ + std::max<int64_t>(frame_duration, 1);
  last_pts_ = pts;
  duration = frame_duration;
  if (bgr) to_bgr(*frame_, *bgr);
  av_frame_unref(frame_.get());
  return true;
}

void VideoReader::to_bgr(const AVFrame& frame, cv::Mat& bgr) {
  const auto format = AVPixelFormat(frame.format);
  // The conversion OpenCV's FFmpeg backend makes (bicubic, default coefficients): the frames match
  // what the project's other tools read.
  scaler_.reset(sws_getCachedContext(scaler_.release(), frame.width, frame.height, format, frame.width, frame.height,
                                     AV_PIX_FMT_BGR24, SWS_BICUBIC, nullptr, nullptr, nullptr));
  if (!scaler_) {
    const char* format_name = av_get_pix_fmt_name(format);
    throw Error(name_ + ": cannot convert " + (format_name ? format_name : "unknown") + " frames to BGR");
  }
  // libswscale's vector code writes a few bytes past the last row: a spare row takes them. The
  // caller's buffer is reused when it has one and nothing else shares it (a fresh 1080p frame is
  // 1500 page faults).
  const bool reusable = rotation_ == 0 && bgr.rows == frame.height && bgr.cols == frame.width &&
                        bgr.type() == CV_8UC3 && bgr.u && bgr.u->refcount == 1 &&
                        bgr.datalimit - bgr.data >= ptrdiff_t(bgr.step) * (frame.height + 1);
  cv::Mat upright = reusable ? bgr : cv::Mat(frame.height + 1, frame.width, CV_8UC3).rowRange(0, frame.height);
  uint8_t* planes[4] = {upright.data};
  const int strides[4] = {int(upright.step)};
  if (sws_scale(scaler_.get(), frame.data, frame.linesize, 0, frame.height, planes, strides) != frame.height) {
    throw Error(name_ + ": cannot convert a frame to BGR");
  }
  switch (rotation_) {
    case 90: cv::rotate(upright, bgr, cv::ROTATE_90_CLOCKWISE); break;
    case 180: cv::rotate(upright, bgr, cv::ROTATE_180); break;
    case 270: cv::rotate(upright, bgr, cv::ROTATE_90_COUNTERCLOCKWISE); break;
    default: bgr = std::move(upright);
  }
}

int64_t VideoReader::lost_frames() const {
  // Once decoding has ended, every packet should have given a frame.
  return flushed_ ? std::max(errors_, packets_sent_ - frames_out_) : errors_;
}

std::string VideoReader::ending_warning() const {
  if (!demux_error_.empty()) {
    return name_ + ": reading stopped after " + std::to_string(frames_out_) + " frames (" + demux_error_ +
           "); the frames decoded were written";
  }
  const int64_t listed = frame_count();
  if (flushed_ && listed > 0 && frames_out_ + lost_frames() < listed) {
    return name_ + ": the input ends after " + std::to_string(frames_out_) + " of the " + std::to_string(listed) +
           " frames its header lists (truncated?); the frames decoded were written";
  }
  return "";
}

}  // namespace matte::cli
