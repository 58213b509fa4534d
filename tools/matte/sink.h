// Output writers. Each writes into its StagedOutput (tools/matte/staged_output.h) and is placed when
// complete, so a failed or interrupted run leaves nothing behind.
#pragma once

#include <memory>
#include <opencv2/core.hpp>
#include <optional>
#include <span>
#include <string>

#include "tools/matte/source.h"
#include "tools/matte/staged_output.h"
#include "tools/matte/video_writer.h"

namespace matte::cli {

// The kind from `--output-type` when given, else from the path: a trailing '/' → PNG sequence;
// "-" (standard output) and .mp4 .m4v .mov .mkv .webm .avi → video; .png .jpg .jpeg .bmp .tif .tiff .webp → one image; no extension
// or an existing folder → PNG sequence. Extensions compare case-insensitively. A forced
// png_sequence takes any path as the folder's name; a forced video needs a video extension.
// Throws UsageError naming the path otherwise.
OutputKind output_kind(const std::string& path, std::optional<OutputKind> forced);
// "video" / "png_sequence"; throws UsageError otherwise.
OutputKind parse_output_type(const std::string& text);

struct SinkSpec {
  int width = 0, height = 0;
  bool overwrite = false;
  // Videos only.
  int channels = 3;  // of the frames: 1 gray, 3 BGR, 4 BGRA (a composition that may stay transparent)
  Rational time_base{1, 30}, frame_rate{30, 1};  // the source's
  VideoSettings video;
  std::vector<AudioTrack*> audio;  // copied alongside
  std::ostream* notices = nullptr;  // one line each (needed for videos)
};

class Sink {
 public:
  // Checks and creates the temporary output (throws Error naming `path`: exists without
  // `overwrite`, in the way (see check_replaceable), parent folder missing, cannot be written).
  // Video: see VideoWriter; "-" writes to standard output, unstaged. PNG sequence: %06d.png from 0.
  static std::unique_ptr<Sink> create(const std::string& path, OutputKind kind, const SinkSpec& spec);
  virtual ~Sink() = default;  // removes the temporary unless committed

  // BGR, BGRA or one-channel 8-bit frames of the sink's size, at `time` in the source's time base.
  // `frame` may be a view of a buffer reused after the call: a sink that keeps it copies it.
  virtual void write(const cv::Mat& frame, const FrameTime& time) = 0;
  // Finishes the file(s); throws Error naming the path when they could not be completed.
  virtual void close() = 0;
  // close() and place_together() for this one sink.
  void commit();
  // PNG files and videos of a codec with alpha keep an alpha channel: a composition is written
  // there as BGRA.
  virtual bool keeps_transparency() const = 0;
  const std::string& path() const { return path_; }
  // nullptr for standard output.
  StagedOutput* staged() { return staged_.get(); }

 protected:
  Sink(const std::string& path, OutputKind kind, bool overwrite)
      : path_(path), staged_(path == "-" ? nullptr : std::make_unique<StagedOutput>(path, kind, overwrite)) {}
  std::string path_;
  std::unique_ptr<StagedOutput> staged_;
};

// Closes every sink, then places all outputs or none (place_together).
void commit_all(std::span<Sink* const> sinks);

}  // namespace matte::cli
