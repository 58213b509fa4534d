#include "tools/matte/sink.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>
#include <unistd.h>
#include <vector>

#include "engine/error.h"
#include "tools/common/args.h"

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

// "out/alpha/" names the folder "out/alpha".
fs::path without_trailing_slash(const std::string& path) {
  const size_t end = path.find_last_not_of('/');
  return end == std::string::npos ? fs::path(path) : fs::path(path.substr(0, end + 1));
}

// The output's parts that every kind shares: the temporary beside the target, moved into place
// by commit and removed otherwise.
class TempSink : public Sink {
 public:
  TempSink(const std::string& path, int width, int height, bool is_folder)
      : target_(without_trailing_slash(path)), width_(width), height_(height) {
    path_ = path;
    fs::path parent = target_.parent_path();
    if (parent.empty()) parent = ".";
    if (!fs::is_directory(parent)) {
      throw Error(path + ": cannot write (folder " + parent.string() + " does not exist)");
    }
    std::string name = ".";  // a hidden name; appended piece by piece (GCC 12 misreports "." + string)
    name += target_.filename().string() + ".matte-tmp-" + std::to_string(getpid());
    // Files keep their extension: it picks the container (VideoWriter) or the format (imwrite).
    temp_ = parent / (is_folder ? name : name + target_.extension().string());
    std::error_code ec;
    fs::remove_all(temp_, ec);  // left by a crashed run that had the same pid
    if (is_folder) {
      fs::create_directory(temp_, ec);
      if (ec) throw Error(path + ": cannot write (" + ec.message() + ")");
    } else {
      // Created here, rewritten by the encoder, so that an unwritable place is reported up front.
      std::FILE* f = std::fopen(temp_.c_str(), "wb");
      if (!f) throw Error(path + ": cannot write (" + std::strerror(errno) + ")");
      std::fclose(f);
    }
  }

  ~TempSink() override {
    std::error_code ec;
    if (!committed_) fs::remove_all(temp_, ec);
  }

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

  // Replaces an earlier output (a file or a folder: overwrite was checked at create).
  void move_into_place() {
    std::error_code ec;
    fs::remove_all(target_, ec);
    if (!ec) fs::rename(temp_, target_, ec);
    if (ec) throw Error(path_ + ": cannot write (" + ec.message() + ")");
    committed_ = true;
  }

  fs::path target_, temp_;
  int width_, height_;

 private:
  bool committed_ = false;
};

class VideoSink : public TempSink {
 public:
  VideoSink(const std::string& path, int width, int height, double fps) : TempSink(path, width, height, false) {
    const std::string ext = lower_extension(target_);
    const int fourcc =
        ext == ".avi" ? cv::VideoWriter::fourcc('M', 'J', 'P', 'G') : cv::VideoWriter::fourcc('a', 'v', 'c', '1');
    writer_.open(temp_.string(), cv::CAP_FFMPEG, fourcc, fps, cv::Size(width, height), true);
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

  void commit() override {
    writer_.release();
    std::error_code ec;
    if (fs::file_size(temp_, ec) == 0 || ec) throw Error(path_ + ": the video encoder wrote nothing");
    move_into_place();
  }

  bool keeps_transparency() const override { return false; }

 private:
  cv::VideoWriter writer_;
  cv::Mat gray_bgr_;
};

class PngSequenceSink : public TempSink {
 public:
  PngSequenceSink(const std::string& path, int width, int height) : TempSink(path, width, height, true) {}

  void write(const cv::Mat& frame) override {
    check_frame(frame, true);
    char name[16];
    std::snprintf(name, sizeof name, "%06d.png", index_++);
    if (!cv::imwrite((temp_ / name).string(), frame)) throw Error((target_ / name).string() + ": cannot write");
  }

  void commit() override { move_into_place(); }
  bool keeps_transparency() const override { return true; }

 private:
  int index_ = 0;
};

class ImageSink : public TempSink {
 public:
  ImageSink(const std::string& path, int width, int height) : TempSink(path, width, height, false) {}

  void write(const cv::Mat& frame) override {
    if (!frame_.empty()) {
      throw Error(path_ + ": one image output but the input has more than one frame; give a folder for a PNG sequence");
    }
    check_frame(frame, keeps_transparency());
    frame_ = frame.clone();
  }

  void commit() override {
    if (frame_.empty()) throw Error(path_ + ": no frame to write");
    if (!cv::imwrite(temp_.string(), frame_)) throw Error(path_ + ": cannot write image");
    move_into_place();
  }

  bool keeps_transparency() const override {
    const std::string ext = lower_extension(target_);
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
  if (fs::exists(without_trailing_slash(path)) && !overwrite) {
    throw Error(path + ": exists (use --overwrite to replace it)");
  }
  switch (kind) {
    case OutputKind::video:
      return std::make_unique<VideoSink>(path, width, height, fps);
    case OutputKind::png_sequence:
      return std::make_unique<PngSequenceSink>(path, width, height);
    case OutputKind::image:
      return std::make_unique<ImageSink>(path, width, height);
  }
  throw Error(path + ": unknown output kind");
}

}  // namespace matte::cli
