#include "tools/matte/sink.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>
#include <vector>

#include "engine/error.h"
#include "tools/common/args.h"
#include "tools/common/frames.h"

namespace matte::cli {

namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kVideoExtensions = {".mp4", ".m4v", ".mov", ".mkv", ".avi"};
const std::vector<std::string> kImageExtensions = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"};

bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::string joined(const std::vector<std::string>& list) {
  std::string s;
  for (const std::string& e : list) s += (s.empty() ? "" : " ") + e;
  return s;
}

std::string lower_extension(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext;
}

// The frame checks every kind shares.
class SizedSink : public Sink {
 public:
  SizedSink(const std::string& path, OutputKind kind, int width, int height, bool overwrite)
      : Sink(path, kind, overwrite), width_(width), height_(height) {}

 protected:
  void check_frame(const cv::Mat& frame, bool allow_alpha) const {
    const int channels = frame.channels();
    if (frame.cols != width_ || frame.rows != height_ || frame.depth() != CV_8U ||
        !(channels == 1 || channels == 3 || (channels == 4 && allow_alpha))) {
      throw Error(path_ + ": cannot write a " + std::to_string(frame.cols) + "x" + std::to_string(frame.rows) + " " +
                  std::to_string(channels) + "-channel frame (the output is " + std::to_string(width_) + "x" +
                  std::to_string(height_) + ")");
    }
  }

  const fs::path& work() const { return staged_->work_path(); }
  int width_, height_;
};

class VideoSink : public SizedSink {
 public:
  VideoSink(const std::string& path, int width, int height, double fps, bool overwrite)
      : SizedSink(path, OutputKind::video, width, height, overwrite) {
    const std::string ext = lower_extension(work());
    const int fourcc =
        ext == ".avi" ? cv::VideoWriter::fourcc('M', 'J', 'P', 'G') : cv::VideoWriter::fourcc('a', 'v', 'c', '1');
    writer_.open(work().string(), cv::CAP_FFMPEG, fourcc, fps, cv::Size(width, height), true);
    if (!writer_.isOpened()) throw Error(path + ": cannot write video (no encoder for " + ext + "?)");
  }

  // The writer holds the temporary open: released before the base class removes it.
  ~VideoSink() override { writer_.release(); }

  void write(const cv::Mat& frame) override {
    check_frame(frame, false);
    if (frame.channels() == 3) {
      writer_.write(frame);
    } else {
      cv::merge(std::vector<cv::Mat>{frame, frame, frame}, gray_bgr_);
      writer_.write(gray_bgr_);
    }
  }

  void close() override {
    writer_.release();
    std::error_code ec;
    if (fs::file_size(work(), ec) == 0 || ec) throw Error(path_ + ": the video encoder wrote nothing");
  }

  bool keeps_transparency() const override { return false; }

 private:
  cv::VideoWriter writer_;
  cv::Mat gray_bgr_;
};

class PngSequenceSink : public SizedSink {
 public:
  PngSequenceSink(const std::string& path, int width, int height, bool overwrite)
      : SizedSink(path, OutputKind::png_sequence, width, height, overwrite) {}

  void write(const cv::Mat& frame) override {
    check_frame(frame, true);
    char name[16];
    std::snprintf(name, sizeof name, "%06d.png", index_++);
    if (!write_image((work() / name).string(), frame)) {
      throw Error((staged_->target() / name).string() + ": cannot write");
    }
  }

  void close() override {}
  bool keeps_transparency() const override { return true; }

 private:
  int index_ = 0;
};

class ImageSink : public SizedSink {
 public:
  ImageSink(const std::string& path, int width, int height, bool overwrite)
      : SizedSink(path, OutputKind::image, width, height, overwrite) {}

  void write(const cv::Mat& frame) override {
    if (!frame_.empty()) {
      throw Error(path_ + ": one image output but the input has more than one frame; give a folder for a PNG sequence");
    }
    check_frame(frame, keeps_transparency());
    frame_ = frame.clone();
  }

  void close() override {
    if (frame_.empty()) throw Error(path_ + ": no frame to write");
    if (!write_image(work().string(), frame_)) throw Error(path_ + ": cannot write image");
  }

  bool keeps_transparency() const override {
    const std::string ext = lower_extension(work());
    return ext == ".png" || ext == ".webp" || ext == ".tif" || ext == ".tiff";
  }

 private:
  cv::Mat frame_;
};

}  // namespace

OutputKind output_kind(const std::string& path, std::optional<OutputKind> forced) {
  const std::string ext = lower_extension(path);
  if (forced == OutputKind::png_sequence) return OutputKind::png_sequence;
  if (forced == OutputKind::video && !contains(kVideoExtensions, ext)) {
    throw UsageError(path + ": the extension does not match --output-type video (" + joined(kVideoExtensions) + ")");
  }
  if (path.ends_with('/')) return OutputKind::png_sequence;
  if (contains(kVideoExtensions, ext)) return OutputKind::video;
  if (contains(kImageExtensions, ext)) return OutputKind::image;
  if (ext.empty() || fs::is_directory(path)) return OutputKind::png_sequence;
  throw UsageError(path + ": unknown output extension " + ext + " (video: " + joined(kVideoExtensions) +
                   "; image: " + joined(kImageExtensions) + "; or a folder for a PNG sequence)");
}

OutputKind parse_output_type(const std::string& text) {
  if (text == "video") return OutputKind::video;
  if (text == "png_sequence") return OutputKind::png_sequence;
  throw UsageError("--output-type " + text + ": must be video or png_sequence");
}

std::unique_ptr<Sink> Sink::create(const std::string& path, OutputKind kind, int width, int height, double fps,
                                   bool overwrite) {
  switch (kind) {
    case OutputKind::video:
      return std::make_unique<VideoSink>(path, width, height, fps, overwrite);
    case OutputKind::png_sequence:
      return std::make_unique<PngSequenceSink>(path, width, height, overwrite);
    case OutputKind::image:
      return std::make_unique<ImageSink>(path, width, height, overwrite);
  }
  throw Error(path + ": unknown output kind");
}

void Sink::commit() {
  Sink* self = this;
  commit_all(std::span(&self, 1));
}

void commit_all(std::span<Sink* const> sinks) {
  std::vector<StagedOutput*> staged;
  for (Sink* sink : sinks) {
    sink->close();
    staged.push_back(&sink->staged());
  }
  place_together(staged);
}

}  // namespace matte::cli
