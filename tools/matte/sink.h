// Output writers. Each writes into its StagedOutput (tools/matte/staged_output.h) and is placed when
// complete, so a failed or interrupted run leaves nothing behind.
#pragma once

#include <memory>
#include <opencv2/core.hpp>
#include <optional>
#include <span>
#include <string>

#include "tools/matte/staged_output.h"

namespace matte::cli {

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
  // `overwrite`, in the way (see check_replaceable), parent folder missing, cannot be written).
  // Video: the codec follows the extension (H.264 for mp4/m4v/mov/mkv, MJPEG for avi) at `fps`;
  // PNG sequence: %06d.png from 0.
  static std::unique_ptr<Sink> create(const std::string& path, OutputKind kind, int width, int height, double fps,
                                      bool overwrite);
  virtual ~Sink() = default;  // removes the temporary unless committed

  // BGR, BGRA or one-channel 8-bit frames of the sink's size (a video stores one channel as gray BGR).
  virtual void write(const cv::Mat& frame) = 0;
  // Finishes the file(s); throws Error naming the path when they could not be completed.
  virtual void close() = 0;
  // close() and place_together() for this one sink.
  void commit();
  // PNG files keep an alpha channel: a composition is written there as RGBA.
  virtual bool keeps_transparency() const = 0;
  const std::string& path() const { return path_; }
  StagedOutput& staged() { return *staged_; }

 protected:
  Sink(const std::string& path, OutputKind kind, bool overwrite)
      : path_(path), staged_(std::make_unique<StagedOutput>(path, kind, overwrite)) {}
  std::string path_;
  std::unique_ptr<StagedOutput> staged_;
};

// Closes every sink, then places all outputs or none (place_together).
void commit_all(std::span<Sink* const> sinks);

}  // namespace matte::cli
