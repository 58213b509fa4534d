#include "tools/matte/source.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <optional>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>
#include <vector>

#include "engine/error.h"
#include "tools/common/args.h"
#include "tools/common/frames.h"
#include "tools/common/image_header.h"
#include "tools/matte/video_reader.h"

namespace matte::cli {

namespace {

namespace fs = std::filesystem;

// Throws "<prefix>WxH differs from the <whose> WxH" unless a frame has the source's size.
void require_size(const std::string& prefix, int width, int height, const char* whose, int source_width,
                  int source_height) {
  if (width != source_width || height != source_height) {
    throw Error(prefix + size_text(width, height) + " differs from the " + whose + " " +
                size_text(source_width, source_height));
  }
}

std::string no_frames_after(const std::string& name, int start) {
  return name + ": no frames after --start " + std::to_string(start);
}

// A camera, at the rate it reports (30 when none) or --fps. The first frame is decoded at open so
// the size is known; read() hands it out first.
class CameraSource : public FrameSource {
 public:
  CameraSource(std::unique_ptr<cv::VideoCapture> capture, std::string name, int start, double fps)
      : capture_(std::move(capture)), name_(std::move(name)) {
    for (int i = 0; i < start; ++i) {
      if (!capture_->grab()) throw Error(i == 0 ? name_ + ": no frames" : no_frames_after(name_, start));
    }
    if (!capture_->read(next_)) throw Error(start == 0 ? name_ + ": no frames" : no_frames_after(name_, start));
    width_ = next_.cols;
    height_ = next_.rows;
    const double reported = capture_->get(cv::CAP_PROP_FPS);
    set_constant_rate(fps > 0 ? fps : reported > 0 ? reported : 30.0);
  }

  int64_t remaining() const override { return -1; }

  bool read(cv::Mat& bgr, FrameTime& time) override {
    if (next_.empty()) return false;
    require_size(name_ + ": a frame of ", next_.cols, next_.rows, "camera's", width_, height_);
    // The caller keeps the frame past the next read; the buffer it passed in takes the next frame.
    std::swap(bgr, next_);
    time = {index_++, 1};
    if (!capture_->read(next_)) next_.release();
    return true;
  }

  std::string path() const override { return ""; }

 private:
  std::unique_ptr<cv::VideoCapture> capture_;
  std::string name_;
  cv::Mat next_;
  int64_t index_ = 0;
};

// A video file or stream through FFmpeg. One frame is decoded ahead: its timestamp gives the
// current frame's duration, and the size is known at open.
class VideoSource : public FrameSource {
 public:
  VideoSource(const std::string& spec, int start, double fps, int64_t max_pixels, bool keep_audio,
              const std::atomic<int>* interrupt)
      : reader_(spec, max_pixels, keep_audio && !(fps > 0), interrupt),  // retimed frames leave the audio behind
        name_(spec == "-" ? "standard input" : spec),
        path_(spec == "-" ? "" : spec) {
    // Skipped by decoding, never by seeking: FFmpeg seeks to key frames, not to exact frames.
    for (int i = 0; i < start; ++i) {
      if (!reader_.read(nullptr, next_time_.pts, next_time_.duration)) {
        throw Error(i == 0 ? name_ + ": no frames" : no_frames_after(name_, start));
      }
    }
    if (!reader_.read(&next_, next_time_.pts, next_time_.duration)) {
      // MP4 and QuickTime put their index at the end, out of reach of a pipe.
      const std::string hint = spec == "-" ? " (on a pipe, use a stream container: nut, matroska, mpegts, y4m)" : "";
      throw Error((start == 0 ? name_ + ": no frames" : no_frames_after(name_, start)) + hint);
    }
    width_ = next_.cols;
    height_ = next_.rows;
    consumed_ = start;
    total_ = reader_.frame_count();
    const AVRational rate = reader_.frame_rate();
    if (fps > 0) {
      set_constant_rate(fps);
      retimed_ = true;
    } else {
      time_base_ = {reader_.time_base().num, reader_.time_base().den};
      frame_rate_ = rate.num > 0 && rate.den > 0 ? Rational{rate.num, rate.den} : Rational{30, 1};
    }
  }

  int64_t remaining() const override {
    if (total_ <= 0) return -1;
    // The container's count may be approximate: trust the decoder at the end, and a frame in hand.
    return next_.empty() ? 0 : std::max<int64_t>(total_ - consumed_, 1);
  }

  bool read(cv::Mat& bgr, FrameTime& time) override {
    if (next_.empty()) return false;
    require_size(name_ + ": a frame of ", next_.cols, next_.rows, "video's", width_, height_);
    // The caller keeps the frame past the next read; the buffer it passed in takes the next frame.
    std::swap(bgr, next_);
    time = next_time_;
    if (!reader_.read(&next_, next_time_.pts, next_time_.duration)) next_.release();
    if (!next_.empty() && next_time_.pts > time.pts) time.duration = next_time_.pts - time.pts;
    if (time.duration <= 0) time.duration = nominal_duration();
    if (retimed_) time = {consumed_, 1};
    ++consumed_;
    return true;
  }

  std::string path() const override { return path_; }
  int64_t lost_frames() const override { return reader_.lost_frames(); }
  std::string ending_warning() const override { return reader_.ending_warning(); }
  std::vector<AudioTrack*> audio() const override { return reader_.audio(); }

 private:
  // One frame at the nominal rate, in the time base (at least 1).
  int64_t nominal_duration() const {
    return std::max<int64_t>(1, av_rescale_q(1, AVRational{frame_rate_.den, frame_rate_.num},
                                             AVRational{time_base_.num, time_base_.den}));
  }

  VideoReader reader_;
  std::string name_, path_;  // path_ is empty for standard input
  cv::Mat next_;
  FrameTime next_time_;
  int64_t total_ = 0, consumed_ = 0;
  bool retimed_ = false;
};

// One image or a folder's images in name order, decoded one by one as they are read.
class ImageSource : public FrameSource {
 public:
  ImageSource(std::string path, std::vector<std::string> files, cv::Mat first, double fps, int64_t max_pixels)
      : path_(std::move(path)), files_(std::move(files)), first_(std::move(first)), max_pixels_(max_pixels) {
    width_ = first_.cols;
    height_ = first_.rows;
    set_constant_rate(fps > 0 ? fps : 30.0);
  }

  int64_t remaining() const override { return int64_t(files_.size() - next_); }

  bool read(cv::Mat& bgr, FrameTime& time) override {
    if (next_ == files_.size()) return false;
    time = {int64_t(next_), 1};
    const std::string& file = files_[next_++];
    if (first_.empty()) {
      // Another size is refused from the header when it has one, before decoding.
      const std::optional<ImageSize> size = image_header_size(file);
      if (size) check_pixels(file, size->width, size->height, max_pixels_);
      if (size) require_size(file + ": ", size->width, size->height, "sequence's", width_, height_);
      bgr = read_image_bgr(file, max_pixels_);
    } else {
      bgr = std::move(first_);
    }
    require_size(file + ": ", bgr.cols, bgr.rows, "sequence's", width_, height_);
    return true;
  }

  std::string path() const override { return path_; }

 private:
  std::string path_;
  std::vector<std::string> files_;
  cv::Mat first_;
  int64_t max_pixels_;
  size_t next_ = 0;
};

std::unique_ptr<FrameSource> open_camera(const std::string& spec, int start, double fps, int64_t max_pixels) {
  const std::string number = spec.substr(std::string("camera:").size());
  int index = -1;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), index);
  if (ec != std::errc() || end != number.data() + number.size() || index < 0) {
    throw Error(spec + ": not a camera (camera:N, N = 0, 1, ...)");
  }
  auto capture = std::make_unique<cv::VideoCapture>(index);
  if (!capture->isOpened()) throw Error(spec + ": cannot open camera");
  // The size the camera announces, checked before its first frame is decoded.
  check_pixels(spec, int64_t(capture->get(cv::CAP_PROP_FRAME_WIDTH)), int64_t(capture->get(cv::CAP_PROP_FRAME_HEIGHT)),
               max_pixels);
  return std::make_unique<CameraSource>(std::move(capture), spec, start, fps);
}

}  // namespace

void FrameSource::set_constant_rate(double fps) {
  const AVRational rate = av_d2q(fps, 1001000);
  frame_rate_ = {rate.num, rate.den};
  time_base_ = {rate.den, rate.num};
}

bool is_stream(const std::string& spec) { return spec == "-" || spec.find("://") != std::string::npos; }

std::unique_ptr<FrameSource> FrameSource::open(const std::string& spec, int start, double fps, int64_t max_pixels,
                                               bool keep_audio, const std::atomic<int>* interrupt) {
  if (spec.starts_with("camera:")) return open_camera(spec, start, fps, max_pixels);
  if (is_stream(spec)) return std::make_unique<VideoSource>(spec, start, fps, max_pixels, keep_audio, interrupt);
  require_path(spec, "--input");
  if (fs::is_directory(spec)) {
    std::vector<std::string> files = image_files(spec);
    if (size_t(start) >= files.size()) throw Error(no_frames_after(spec, start));
    files.erase(files.begin(), files.begin() + start);
    cv::Mat first = read_image_bgr(files.front(), max_pixels);
    return std::make_unique<ImageSource>(spec, std::move(files), std::move(first), fps, max_pixels);
  }
  // An image's signature or extension is checked before FFmpeg gets the file: FFmpeg also decodes
  // some images, and would call a damaged one a video without frames.
  if (cv::haveImageReader(spec) || has_image_extension(spec)) {
    cv::Mat image = read_image_bgr(spec, max_pixels);
    if (start > 0) throw Error(no_frames_after(spec, start));
    return std::make_unique<ImageSource>(spec, std::vector<std::string>{spec}, std::move(image), fps, max_pixels);
  }
  return std::make_unique<VideoSource>(spec, start, fps, max_pixels, keep_audio, interrupt);
}

}  // namespace matte::cli
