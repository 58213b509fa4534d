#include "tools/matte/staged_output.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>  // renameat2
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <map>
#include <vector>

#include "engine/error.h"
#include "tools/common/frames.h"

namespace matte::cli {

namespace {

namespace fs = std::filesystem;

bool is_frame_name(const std::string& name) {
  return name.size() == 10 && name.ends_with(".png") &&
         std::all_of(name.begin(), name.begin() + 6, [](unsigned char c) { return std::isdigit(c); });
}

// The first bytes each output extension's format starts with ('?' matches any byte).
bool has_signature(const fs::path& path) {
  static const std::map<std::string, std::vector<std::string>> signatures = {
      {".mp4", {"????ftyp", "????moov", "????mdat", "????free", "????wide"}},
      {".m4v", {"????ftyp", "????moov", "????mdat", "????free", "????wide"}},
      {".mov", {"????ftyp", "????moov", "????mdat", "????free", "????wide"}},
      {".mkv", {"\x1a\x45\xdf\xa3"}},
      {".webm", {"\x1a\x45\xdf\xa3"}},
      {".avi", {"RIFF????AVI "}},
      {".png", {"\x89PNG\r\n\x1a\n"}},
      {".jpg", {"\xff\xd8\xff"}},
      {".jpeg", {"\xff\xd8\xff"}},
      {".bmp", {"BM"}},
      {".tif", {std::string("II*\0", 4), std::string("MM\0*", 4)}},
      {".tiff", {std::string("II*\0", 4), std::string("MM\0*", 4)}},
      {".webp", {"RIFF????WEBP"}}};
  const auto known = signatures.find(lower_extension(path));
  if (known == signatures.end()) return false;
  std::string head(12, '\0');
  std::ifstream in(path, std::ios::binary);
  in.read(head.data(), std::streamsize(head.size()));
  head.resize(size_t(in.gcount()));
  return std::any_of(known->second.begin(), known->second.end(), [&](const std::string& s) {
    if (head.size() < s.size()) return false;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '?' && s[i] != head[i]) return false;
    }
    return true;
  });
}

std::string kind_text(OutputKind kind) {
  switch (kind) {
    case OutputKind::video: return "a video";
    case OutputKind::image: return "an image";
    case OutputKind::png_sequence: return "a PNG sequence";
  }
  return "";
}

std::string errno_text() { return std::strerror(errno); }

std::string host_name() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

std::string random_hex() {
  unsigned char bytes[8];
  if (getrandom(bytes, sizeof bytes, 0) != ssize_t(sizeof bytes)) throw Error(std::string("getrandom: ") + errno_text());
  static const char digits[] = "0123456789abcdef";
  std::string text;
  for (unsigned char b : bytes) text += {digits[b >> 4], digits[b & 15]};
  return text;
}

mode_t current_umask() {
  const mode_t mask = umask(0);
  umask(mask);
  return mask;
}

// Deletes what a run of this tool leaves in its temporary folder (frames, or the one file named like
// the target) and then the folder; anything else keeps the folder. Never follows links.
void remove_temporary(const fs::path& folder, const std::string& file_name) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(folder, ec)) {
    const std::string name = e.path().filename().string();
    if (!e.is_symlink(ec) && (is_frame_name(name) || name == file_name)) fs::remove(e.path(), ec);
  }
  ::rmdir(folder.c_str());
}

// ".NAME.matte-tmp-", the start of every temporary's name (appended piece by piece: GCC 12
// misreports "." + string under -Wrestrict).
std::string temporary_prefix(const fs::path& target) {
  std::string prefix = ".";
  prefix += target.filename().string();
  prefix += ".matte-tmp-";
  return prefix;
}

// Temporaries of `target` left by processes of this host that no longer exist: the prefix then
// "PID-RANDOM-HOST", or the earlier "PID[.ext]".
void remove_stale_temporaries(const fs::path& parent, const fs::path& target) {
  const std::string prefix = temporary_prefix(target);
  const std::string host = host_name();
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(parent, ec)) {
    const std::string name = e.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const char* first = name.data() + prefix.size();
    const char* last = name.data() + name.size();
    int pid = 0;
    const auto [end, error] = std::from_chars(first, last, pid);
    if (error != std::errc() || pid <= 0 || pid == getpid()) continue;
    const std::string rest(end, last);
    const bool ours = rest.empty() || rest.starts_with('.') || (rest.size() > 18 && rest.substr(17, 1) == "-" &&
                                                                rest.substr(18) == host);
    struct stat st;
    if (!ours || ::lstat(e.path().c_str(), &st) != 0 || st.st_uid != geteuid()) continue;
    if (kill(pid, 0) == 0 || errno != ESRCH) continue;
    if (S_ISDIR(st.st_mode)) {
      remove_temporary(e.path(), target.filename().string());
    } else {
      fs::remove(e.path(), ec);
    }
  }
}

}  // namespace

fs::path without_trailing_slash(const std::string& path) {
  const size_t end = path.find_last_not_of('/');
  return end == std::string::npos ? fs::path(path) : fs::path(path.substr(0, end + 1));
}

void check_replaceable(const fs::path& path, OutputKind kind) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return;  // nothing there
  const std::string what = path.string() + ": ";
  const std::string tail = "; an output replaces only " + kind_text(kind) + " this tool could have written";
  if (S_ISLNK(st.st_mode)) throw Error(what + "is a symbolic link" + tail);
  if (kind == OutputKind::png_sequence) {
    if (!S_ISDIR(st.st_mode)) throw Error(what + "is a file, not a folder of frames" + tail);
    std::vector<std::string> foreign;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(path, ec)) {
      if (!is_frame_name(e.path().filename().string()) || e.is_symlink(ec) || !e.is_regular_file(ec)) {
        foreign.push_back(e.path().filename().string());
      }
    }
    if (ec) throw Error(what + "cannot list (" + ec.message() + ")");
    if (foreign.empty()) return;
    std::sort(foreign.begin(), foreign.end());
    std::string list = foreign.front();
    if (foreign.size() > 1) list += " and " + std::to_string(foreign.size() - 1) + " more";
    throw Error(what + "holds " + list + ", which is not a frame NNNNNN.png" + tail);
  }
  if (S_ISDIR(st.st_mode)) throw Error(what + "is a folder" + tail);
  if (!S_ISREG(st.st_mode)) throw Error(what + "is not a regular file" + tail);
  if (!has_signature(path)) {
    throw Error(what + "is not " + kind_text(kind) + " of its extension's format" + tail);
  }
}

StagedOutput::StagedOutput(const std::string& path, OutputKind kind, bool overwrite)
    : path_(path), target_(without_trailing_slash(path)), kind_(kind), overwrite_(overwrite) {
  fs::path parent = target_.parent_path();
  if (parent.empty()) parent = ".";
  if (!fs::is_directory(parent)) {
    throw Error(path + ": cannot write (folder " + parent.string() + " does not exist)");
  }
  struct stat st;
  if (::lstat(target_.c_str(), &st) == 0) {
    check_replaceable(target_, kind_);
    if (!overwrite_) throw Error(path + ": exists (use --overwrite to replace it)");
  }
  remove_stale_temporaries(parent, target_);
  folder_ = parent / (temporary_prefix(target_) + std::to_string(getpid()) + "-" + random_hex() + "-" + host_name());
  if (::mkdir(folder_.c_str(), 0700) != 0) throw Error(path + ": cannot write (" + errno_text() + ")");
  if (kind_ == OutputKind::png_sequence) {
    work_ = folder_;
    return;
  }
  // Files keep the target's name: its extension picks the container or the image format.
  work_ = folder_ / target_.filename();
  const int fd = ::open(work_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) throw Error(path + ": cannot write (" + errno_text() + ")");
  ::close(fd);
}

StagedOutput::~StagedOutput() {
  if (state_ == State::placed || state_ == State::done) return;  // the work is the output now
  remove_temporary(folder_, target_.filename().string());
}

void StagedOutput::place() {
  // The folder becomes the sequence: from 0700 to what the user's umask gives a new folder.
  if (kind_ == OutputKind::png_sequence) ::chmod(folder_.c_str(), 0777 & ~current_umask());
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (::renameat2(AT_FDCWD, work_.c_str(), AT_FDCWD, target_.c_str(), RENAME_NOREPLACE) == 0) {
      state_ = State::placed;
      return;
    }
    if (errno != EEXIST) throw Error(path_ + ": cannot write (" + errno_text() + ")");
    if (!overwrite_) throw Error(path_ + ": exists (written by another process during this run)");
    check_replaceable(target_, kind_);
    if (::renameat2(AT_FDCWD, work_.c_str(), AT_FDCWD, target_.c_str(), RENAME_EXCHANGE) == 0) {
      state_ = State::replaced;  // the old output now sits at work_
      return;
    }
    if (errno != ENOENT) throw Error(path_ + ": cannot write (" + errno_text() + ")");
  }
  throw Error(path_ + ": cannot write (the output keeps changing)");
}

void StagedOutput::undo() {
  if (state_ == State::placed) {
    ::renameat2(AT_FDCWD, target_.c_str(), AT_FDCWD, work_.c_str(), RENAME_NOREPLACE);
  } else if (state_ == State::replaced) {
    ::renameat2(AT_FDCWD, work_.c_str(), AT_FDCWD, target_.c_str(), RENAME_EXCHANGE);
  }
  state_ = State::writing;
}

void StagedOutput::finish() {
  if (state_ == State::replaced) {
    remove_temporary(folder_, target_.filename().string());  // the output that was replaced
  } else if (state_ == State::placed && kind_ != OutputKind::png_sequence) {
    ::rmdir(folder_.c_str());
  }
  state_ = State::done;
}

void place_together(std::span<StagedOutput* const> outputs) {
  size_t placed = 0;
  try {
    for (; placed < outputs.size(); ++placed) outputs[placed]->place();
  } catch (...) {
    while (placed > 0) outputs[--placed]->undo();
    throw;
  }
  for (StagedOutput* output : outputs) output->finish();
}

}  // namespace matte::cli
