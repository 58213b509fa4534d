#include "tools/matte/background.h"

#include <algorithm>
#include <charconv>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/error.h"
#include "tools/common/args.h"
#include "tools/common/frames.h"

namespace matte::cli {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = char(c | 0x20);  // lower case
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// "#RRGGBB" → RGB, or nothing when malformed.
std::optional<cv::Vec3b> parse_hex(const std::string& text) {
  if (text.size() != 7) return std::nullopt;
  int rgb[3];
  for (int i = 0; i < 3; ++i) {
    const int hi = hex_digit(text[1 + 2 * i]), lo = hex_digit(text[2 + 2 * i]);
    if (hi < 0 || lo < 0) return std::nullopt;
    rgb[i] = hi * 16 + lo;
  }
  return cv::Vec3b(rgb[0], rgb[1], rgb[2]);
}

// "R,G,B" with optional spaces around each number → RGB, or nothing when malformed.
std::optional<cv::Vec3b> parse_triple(const std::string& text) {
  int rgb[3];
  size_t pos = 0;
  for (int i = 0; i < 3; ++i) {
    const size_t comma = i < 2 ? text.find(',', pos) : text.size();
    if (comma == std::string::npos) return std::nullopt;
    const std::string field = text.substr(pos, comma - pos);
    const size_t first = field.find_first_not_of(' '), last = field.find_last_not_of(' ');
    if (first == std::string::npos) return std::nullopt;
    const std::string digits = field.substr(first, last - first + 1);
    if (digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    rgb[i] = std::stoi(digits);
    if (rgb[i] > 255) return std::nullopt;
    pos = comma + 1;
  }
  return cv::Vec3b(rgb[0], rgb[1], rgb[2]);
}

void scale_into(const cv::Mat& src, int width, int height, cv::Mat& dst) {
  const bool shrink = width < src.cols && height < src.rows;
  cv::resize(src, dst, cv::Size(width, height), 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
}

}  // namespace

BackgroundSpec default_background() { return {cv::Vec3b(155, 255, 120), ""}; }

float default_blur_sigma(int width, int height) { return float(std::max(width, height)) / 96.0f; }

BackgroundSpec parse_background(const std::string& text) {
  if (text == "blur") return {std::nullopt, "", true};
  if (text.starts_with("blur:")) {
    const std::string s = text.substr(5);
    float sigma = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), sigma);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty() || !(sigma > 0.0f && sigma <= 1000.0f)) {
      throw UsageError("--background " + text + ": the blur's sigma must be a number of pixels in (0, 1000]");
    }
    return {std::nullopt, "", true, sigma};
  }
  // Signs and dots count too: "-1,0,0" or "0.5,0,0" is a malformed colour (a usage error), not a file.
  const bool colour_like =
      text.starts_with('#') || text.find_first_not_of("0123456789,+-. ") == std::string::npos;
  if (!colour_like) return {std::nullopt, text};
  const std::optional<cv::Vec3b> rgb = text.starts_with('#') ? parse_hex(text) : parse_triple(text);
  if (!rgb) throw UsageError("--background " + text + ": not a colour (#RRGGBB or R,G,B) or a file");
  return {cv::Vec3b((*rgb)[2], (*rgb)[1], (*rgb)[0]), ""};
}

Background::Background(const BackgroundSpec& spec, int width, int height, int64_t max_pixels)
    : spec_(spec), width_(width), height_(height), max_pixels_(max_pixels) {
  if (spec_.blur) {
    blurred_.emplace(width_, height_, spec_.blur_sigma > 0 ? spec_.blur_sigma : default_blur_sigma(width_, height_));
    return;
  }
  if (spec_.colour) {
    frame_ = cv::Mat(height_, width_, CV_8UC3, cv::Scalar((*spec_.colour)[0], (*spec_.colour)[1], (*spec_.colour)[2]));
    return;
  }
  require_path(spec_.path, "--background");
  if (cv::haveImageReader(spec_.path) || has_image_extension(spec_.path)) {
    scale_into(read_image_bgr(spec_.path, max_pixels), width_, height_, frame_);
    return;
  }
  video_ = FrameSource::open(spec_.path, 0, 0.0, max_pixels_);
}

cv::Mat Background::next(const cv::Mat& frame) {
  if (blurred_) return frame;
  if (!video_) return frame_;
  cv::Mat raw;
  if (!video_->read(raw)) {
    video_ = FrameSource::open(spec_.path, 0, 0.0, max_pixels_);  // loop (reopened: FFmpeg seeks inexactly)
    if (!video_->read(raw)) throw Error(spec_.path + ": cannot decode as an image or a video");
  }
  cv::Mat scaled;
  scale_into(raw, width_, height_, scaled);
  return scaled;
}

void Background::composite(const Matte& m, const cv::Mat& background, cv::Mat& out) {
  if (blurred_) blurred_->composite(m, background, out);
  else composite_over(m, background, out);
}

}  // namespace matte::cli
