#include "tools/matte/sink.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <vector>

#include "engine/error.h"
#include "tools/common/args.h"
#include "tools/common/frames.h"

namespace matte::cli {

namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kImageExtensions = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"};

bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::string joined(const std::vector<std::string>& list) {
  std::string s;
  for (const std::string& e : list) s += (s.empty() ? "" : " ") + e;
  return s;
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

  const fs::path& work() const { return staged_->work_path(); }  // not for standard output
  int width_, height_;
};

// The writer is a member of the derived class: it closes the temporary before the base class
// removes it.
class VideoSink : public SizedSink {
 public:
  VideoSink(const std::string& path, const SinkSpec& spec)
      : SizedSink(path, OutputKind::video, spec.width, spec.height, spec.overwrite),
        writer_(path, path == "-" ? "pipe:1" : work().string(), spec.video,
                {spec.width, spec.height, spec.channels, spec.time_base, spec.frame_rate}, spec.audio,
                *spec.notices) {}

  void write(const cv::Mat& frame, const FrameTime& time) override {
    check_frame(frame, writer_.carries_alpha());
    writer_.write(frame, time);
  }

  void close() override { writer_.close(); }
  bool keeps_transparency() const override { return writer_.carries_alpha(); }

 private:
  VideoWriter writer_;
};

class PngSequenceSink : public SizedSink {
 public:
  PngSequenceSink(const std::string& path, int width, int height, bool overwrite)
      : SizedSink(path, OutputKind::png_sequence, width, height, overwrite) {}

  void write(const cv::Mat& frame, const FrameTime&) override {
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

  void write(const cv::Mat& frame, const FrameTime&) override {
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
  if (path == "-") return OutputKind::video;
  if (forced == OutputKind::png_sequence) return OutputKind::png_sequence;
  if (forced == OutputKind::video && !contains(video_extensions(), ext)) {
    throw UsageError(path + ": the extension does not match --output-type video (" + joined(video_extensions()) + ")");
  }
  if (path.ends_with('/')) return OutputKind::png_sequence;
  if (contains(video_extensions(), ext)) return OutputKind::video;
  if (contains(kImageExtensions, ext)) return OutputKind::image;
  if (ext.empty() || fs::is_directory(path)) return OutputKind::png_sequence;
  throw UsageError(path + ": unknown output extension " + ext + " (video: " + joined(video_extensions()) +
                   "; image: " + joined(kImageExtensions) + "; or a folder for a PNG sequence)");
}

OutputKind parse_output_type(const std::string& text) {
  if (text == "video") return OutputKind::video;
  if (text == "png_sequence") return OutputKind::png_sequence;
  throw UsageError("--output-type " + text + ": must be video or png_sequence");
}

std::unique_ptr<Sink> Sink::create(const std::string& path, OutputKind kind, const SinkSpec& spec) {
  switch (kind) {
    case OutputKind::video:
      return std::make_unique<VideoSink>(path, spec);
    case OutputKind::png_sequence:
      return std::make_unique<PngSequenceSink>(path, spec.width, spec.height, spec.overwrite);
    case OutputKind::image:
      return std::make_unique<ImageSink>(path, spec.width, spec.height, spec.overwrite);
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
    if (sink->staged()) staged.push_back(sink->staged());
  }
  place_together(staged);
}

}  // namespace matte::cli
