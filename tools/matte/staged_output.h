// Where an output is written until it is complete, and how it takes its final place without ever
// deleting what this tool did not write.
//
// Each output gets a private folder beside its target, made with mkdir (exclusive, links not
// followed, mode 0700) under a name nobody can guess: `.NAME.matte-tmp-PID-RANDOM-HOST`. A PNG
// sequence is written straight into it and the folder itself becomes the output; a file is written
// inside it. Placing is one rename that never replaces (renameat2 RENAME_NOREPLACE) or, with
// --overwrite, an atomic exchange with an existing output of the same kind, deleted only once every
// output of the run is in place.
#pragma once

#include <filesystem>
#include <span>
#include <string>

namespace matte::cli {

enum class OutputKind { video, png_sequence, image };

// "out/alpha/" names the folder "out/alpha" (and "out/link/" the link, not what it points to).
std::filesystem::path without_trailing_slash(const std::string& path);

// Throws Error naming `path` unless what is there (if anything) is an output this tool could have
// written: for a PNG sequence a folder of NNNNNN.png files only, for a video or an image a regular
// file whose first bytes are of the format its extension names.
void check_replaceable(const std::filesystem::path& path, OutputKind kind);

class StagedOutput {
 public:
  // Checks the target (exists without `overwrite`, not replaceable, parent folder missing), removes
  // temporaries of this target left by dead processes on this host, and creates the private folder.
  // Throws Error naming `path`.
  StagedOutput(const std::string& path, OutputKind kind, bool overwrite);
  ~StagedOutput();  // removes whatever is left in the temporary
  StagedOutput(const StagedOutput&) = delete;
  StagedOutput& operator=(const StagedOutput&) = delete;

  // Where the writer writes: the sequence's folder, or the file (same extension as the target).
  const std::filesystem::path& work_path() const { return work_; }
  const std::filesystem::path& target() const { return target_; }

  // Moves the work into place; throws Error ("exists" when another process put an output there
  // since start-up and --overwrite was not given). undo() reverses a place(); finish() deletes the
  // output it replaced.
  void place();
  void undo();
  void finish();

 private:
  enum class State { writing, placed, replaced, done };
  std::string path_;
  std::filesystem::path target_, folder_, work_;
  OutputKind kind_;
  bool overwrite_;
  State state_ = State::writing;
};

// Places every output or none: on a failure the ones already placed are taken back, the error
// rethrown. Then the outputs they replaced are deleted.
void place_together(std::span<StagedOutput* const> outputs);

}  // namespace matte::cli
