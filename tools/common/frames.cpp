#include "tools/common/frames.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "engine/error.h"
#include "tools/common/image_header.h"

namespace matte::cli {

namespace fs = std::filesystem;

Frame frame_from_bgr(const cv::Mat& bgr) {
  if (bgr.type() != CV_8UC3) throw Error("frame_from_bgr: expected an 8-bit 3-channel image");
  Frame f;
  f.width = bgr.cols;
  f.height = bgr.rows;
  const size_t plane = size_t(f.width) * f.height;
  f.rgb.resize(plane * 3);
  f.planar.resize(plane * 3);
  for (int y = 0; y < f.height; ++y) {
    const uint8_t* src = bgr.ptr<uint8_t>(y);
    uint8_t* dst = f.rgb.data() + size_t(y) * f.width * 3;
    for (int x = 0; x < f.width; ++x) {
      const size_t i = size_t(y) * f.width + x;
      for (int c = 0; c < 3; ++c) {
        const uint8_t v = src[x * 3 + 2 - c];
        dst[x * 3 + c] = v;
        f.planar[c * plane + i] = float(v) / 255.0f;
      }
    }
  }
  return f;
}

Frame resized(const Frame& frame, int width, int height) {
  if (frame.width == width && frame.height == height) return frame;
  // OpenCV only moves pixels here; channel order is irrelevant to resizing, so go through BGR.
  cv::Mat rgb(frame.height, frame.width, CV_8UC3, const_cast<uint8_t*>(frame.rgb.data()));
  cv::Mat bgr, out;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  const bool shrink = width < frame.width && height < frame.height;
  cv::resize(bgr, out, cv::Size(width, height), 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
  return frame_from_bgr(out);
}

namespace {

// libpng and libjpeg print their own complaints about a damaged file or a failed write on stderr
// before OpenCV reports the failure; the tools say it in one line of their own instead. Image I/O is
// serialised while stderr points elsewhere, so no thread restores it early.
template <class F>
auto with_quiet_stderr(F f) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  const int saved = ::dup(STDERR_FILENO);
  const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (saved >= 0 && null >= 0) ::dup2(null, STDERR_FILENO);
  if (null >= 0) ::close(null);
  decltype(f()) result{};
  try {
    result = f();
  } catch (...) {  // some damaged files make OpenCV throw: reported by the caller as a failure
  }
  if (saved >= 0) {
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
  }
  return result;
}

cv::Mat imread_quietly(const std::string& path, int flags) {
  return with_quiet_stderr([&] { return cv::imread(path, flags); });
}

}  // namespace

void check_pixels(const std::string& path, int64_t width, int64_t height, int64_t max_pixels) {
  if (max_pixels <= 0 || width * height <= max_pixels) return;
  // `matte`'s measured peak per input pixel at 8K with a video output (README), rounded up.
  constexpr double kBytesPerPixel = 30.0;
  char text[160];
  std::snprintf(text, sizeof text, ": %lldx%lld is %.1f Mpx, more than --max-pixels %lld; it would need up to about %.1f GB",
                static_cast<long long>(width), static_cast<long long>(height), double(width) * double(height) / 1e6,
                static_cast<long long>(max_pixels), double(width) * double(height) * kBytesPerPixel / 1e9);
  throw Error(path + text + " of memory (raise --max-pixels to allow it)");
}

cv::Mat read_image_bgr(const std::string& path, int64_t max_pixels) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) throw Error(path + ": no such file");
  if (!fs::is_regular_file(status)) throw Error(path + ": not a regular file");
  if (const std::optional<ImageSize> size = image_header_size(path)) {
    check_pixels(path, size->width, size->height, max_pixels);
  }
  cv::Mat img = imread_quietly(path, cv::IMREAD_COLOR);
  if (img.empty()) throw Error(path + ": cannot decode as an image (damaged or not an image)");
  check_pixels(path, img.cols, img.rows, max_pixels);
  return img;
}

bool write_image(const std::string& path, const cv::Mat& image) {
  return with_quiet_stderr([&] { return cv::imwrite(path, image); });
}

std::string lower_extension(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext;
}

std::string size_text(int width, int height) { return std::to_string(width) + "x" + std::to_string(height); }

bool has_image_extension(const fs::path& path) {
  static const std::vector<std::string> extensions = {".png", ".jpg", ".jpeg", ".jpe", ".bmp", ".dib", ".tif",
                                                      ".tiff", ".webp", ".jp2", ".pbm", ".pgm", ".ppm",
                                                      ".pnm", ".pxm", ".sr", ".ras", ".exr", ".hdr", ".pic"};
  return std::find(extensions.begin(), extensions.end(), lower_extension(path)) != extensions.end();
}

std::vector<float> read_gray(const std::string& path, int& width, int& height) {
  if (!fs::exists(path)) throw Error(path + ": no such file");
  const cv::Mat img = imread_quietly(path, cv::IMREAD_GRAYSCALE);
  if (img.empty()) throw Error(path + ": cannot decode as an image");
  width = img.cols;
  height = img.rows;
  std::vector<float> out(size_t(width) * height);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) out[size_t(y) * width + x] = float(img.at<uint8_t>(y, x)) / 255.0f;
  }
  return out;
}

std::vector<std::string> image_files(const std::string& dir) {
  if (!fs::is_directory(dir)) throw Error(dir + ": not a folder");
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const fs::path& path = entry.path();
    if (!entry.is_directory() && !path.filename().string().starts_with('.') && has_image_extension(path)) {
      files.push_back(path.string());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw Error(dir + ": no images in folder");
  return files;
}

namespace {

std::vector<Frame> load_video(const std::string& path, int max_frames) {
  cv::VideoCapture video(path, cv::CAP_FFMPEG);  // one predictable backend, no GStreamer chatter
  if (!video.isOpened()) throw Error(path + ": cannot decode as an image or a video");
  std::vector<Frame> frames;
  cv::Mat bgr;
  while (int(frames.size()) < max_frames && video.read(bgr)) frames.push_back(frame_from_bgr(bgr));
  if (frames.empty()) throw Error(path + ": video has no decodable frames");
  return frames;
}

}  // namespace

std::vector<Frame> load_frames(const std::string& path, int max_frames) {
  if (!fs::exists(path)) throw Error(path + ": no such file");
  std::vector<Frame> frames;
  if (fs::is_directory(path)) {
    for (const std::string& file : image_files(path)) {
      if (int(frames.size()) == max_frames) break;
      frames.push_back(frame_from_bgr(read_image_bgr(file)));
      if (frames.back().width != frames.front().width || frames.back().height != frames.front().height) {
        throw Error(file + ": size differs from the folder's first image");
      }
    }
  } else if (cv::haveImageReader(path)) {
    frames.push_back(frame_from_bgr(read_image_bgr(path)));
  } else {
    frames = load_video(path, max_frames);
  }
  return frames;
}

}  // namespace matte::cli
