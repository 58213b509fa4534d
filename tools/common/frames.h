// Frame decoding for the tools: a video, an image or a folder of images, decoded with OpenCV into
// 8-bit RGB (our engine's input) and planar float x/255 (ONNX Runtime's input) of the same pixels.
#pragma once

#include <filesystem>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "engine/matte.h"

namespace matte::cli {

struct Frame {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;    // interleaved, rows of 3·width bytes
  std::vector<float> planar;   // R, G, B planes of width·height, value/255

  Image8 image8() const { return {rgb.data(), width, height, size_t(width) * 3, PixelFormat::rgb8}; }
  PlanarImage planar_image() const { return {planar.data(), width, height}; }
};

// From an OpenCV BGR image (8-bit, 3 channels).
Frame frame_from_bgr(const cv::Mat& bgr);
// The same pixels resized to width×height (bilinear; area when shrinking).
Frame resized(const Frame& frame, int width, int height);

// 8K UHD: `matte --max-pixels` by default.
constexpr int64_t kDefaultMaxPixels = int64_t(7680) * 4320;

// Throws Error naming `path` when a width×height frame has more than `max_pixels` pixels (0: no
// limit), saying how much memory matting it would take.
void check_pixels(const std::string& path, int64_t width, int64_t height, int64_t max_pixels);

// cv::imwrite without the codec library's own lines on stderr; false when it failed.
bool write_image(const std::string& path, const cv::Mat& image);

// Whether OpenCV decodes files of this extension (case-insensitive).
bool has_image_extension(const std::filesystem::path& path);
// The extension with its dot, lower-case ("" when none).
std::string lower_extension(const std::filesystem::path& path);
// "WxH".
std::string size_text(int width, int height);

// Reads one image as 3-channel BGR (an alpha channel is ignored). Throws Error naming the path when
// it cannot be decoded or, before decoding when its header says so, has more than `max_pixels`.
cv::Mat read_image_bgr(const std::string& path, int64_t max_pixels = 0);
// Reads one image as a single channel, values /255. Throws Error naming the path.
std::vector<float> read_gray(const std::string& path, int& width, int& height);

// The images of a folder, sorted by name: every file with an image extension (a file that then does
// not decode is an error, not skipped); hidden files are left out.
std::vector<std::string> image_files(const std::string& dir);

// Up to `max_frames` frames: a video's first frames, one image, or a folder's images in name
// order. All frames have one size. Throws Error naming the path when nothing can be decoded.
std::vector<Frame> load_frames(const std::string& path, int max_frames);

}  // namespace matte::cli
