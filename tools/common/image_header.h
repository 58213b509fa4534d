// An image's size read from its header, without decoding it: the tools refuse frames too large to
// decode before they cost memory.
#pragma once

#include <optional>
#include <string>

namespace matte::cli {

struct ImageSize {
  int width = 0, height = 0;
};

// PNG, JPEG, BMP, WebP and TIFF (first image); nothing for other formats or unreadable headers.
std::optional<ImageSize> image_header_size(const std::string& path);

}  // namespace matte::cli
