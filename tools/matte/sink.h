// Output writers. Each writes to a temporary name beside its path and renames when complete, so a
// failed or interrupted run leaves nothing behind.
#pragma once

#include <memory>
#include <opencv2/core.hpp>
#include <optional>
#include <string>

namespace matte::cli {

enum class OutputKind { video, png_sequence, image };

// The kind from `--output-type` when given, else from the path: a trailing '/' → PNG sequence;
// .mp4 .m4v .mov .mkv .avi → video; .png .jpg .jpeg .bmp .tif .tiff .webp → one image; no extension
// or an existing folder → PNG sequence. Extensions compare case-insensitively. A forced
// png_sequence takes any path as the folder's name; a forced video needs a video extension.
// Throws UsageError naming the path otherwise.
OutputKind output_kind(const std::string& path, std::optional<OutputKind> forced);
// "video" / "png_sequence"; throws UsageError otherwise.
OutputKind parse_output_type(const std::string& text);

class Sink {
 public:
  // Checks and creates the temporary output (throws Error naming `path`: exists without
  // `overwrite`, parent folder missing, cannot be written). Video: the codec follows the
  // extension (H.264 for mp4/m4v/mov/mkv, MJPEG for avi) at `fps`; PNG sequence: %06d.png from 0.
  static std::unique_ptr<Sink> create(const std::string& path, OutputKind kind, int width, int height, double fps,
                                      bool overwrite);
  virtual ~Sink() = default;  // removes the temporary unless committed

  // BGR, BGRA or one-channel 8-bit frames of the sink's size (a video stores one channel as gray BGR).
  virtual void write(const cv::Mat& frame) = 0;
  // Finishes the file(s) and renames into place, replacing an existing output (overwrite was checked).
  virtual void commit() = 0;
  // PNG files keep an alpha channel: a composition is written there as RGBA.
  virtual bool keeps_transparency() const = 0;
  const std::string& path() const { return path_; }

 protected:
  std::string path_;
};

}  // namespace matte::cli
