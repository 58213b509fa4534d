// Running the real `matte` executable as a subprocess, and reading back what it wrote.
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/matte/av_test_util.h"

extern char** environ;

namespace matte::test {

namespace fs = std::filesystem;

// A time limit, stretched for slow builds (MATTE_TEST_TIME_SCALE: the sanitizer build sets it).
inline std::chrono::seconds time_limit(std::chrono::seconds s) { return s * MATTE_TEST_TIME_SCALE; }

inline std::string matte_binary() { return std::string(MATTE_BINARY_DIR) + "/bin/matte"; }

// A private folder per test case (ctest runs cases as parallel processes): `dir` is the work area
// whose listing the tests check, `io` holds the child's stdout/stderr files.
struct TempDir {
  fs::path root, dir, io;
  TempDir() {
    static int counter = 0;
    root = fs::path(MATTE_BINARY_DIR) / "test_tmp" /
           ("matte_cli_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    dir = root / "work";
    io = root / "io";
    fs::remove_all(root);
    fs::create_directories(dir);
    fs::create_directories(io);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string operator/(const std::string& name) const { return (dir / name).string(); }
};

struct RunResult {
  int code = -1;  // exit code, or 128 + signal
  std::string out, err;
  long max_rss_kb = 0;  // the child's peak resident memory
};

// Changes to the child's environment: `set` adds or replaces, `unset` removes; `cwd` is its
// working folder (empty: the test's); `stdin_path` is read as its standard input (empty:
// /dev/null).
struct Env {
  std::map<std::string, std::string> set;
  std::vector<std::string> unset;
  std::string cwd;
  std::string stdin_path;
};

// Children started while it lives may write files of at most `bytes` each (as on a full disk:
// writes fail with EFBIG; SIGXFSZ is ignored so that the failure reaches the tool).
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &old_);
    const rlimit limit{bytes, old_.rlim_max};
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit old_{};
  void (*old_handler_)(int) = nullptr;
};

inline std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// A started `matte`; killed and reaped if the test ends before wait().
class Child {
 public:
  Child(const std::vector<std::string>& args, const fs::path& io_dir, const Env& env = {}) {
    static int counter = 0;
    const std::string tag = std::to_string(counter++);
    out_ = io_dir / ("stdout_" + tag);
    err_ = io_dir / ("stderr_" + tag);

    std::vector<std::string> argv_s{matte_binary()};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);

    std::vector<std::string> env_s;
    for (char** e = environ; *e; ++e) {
      const std::string entry(*e);
      const std::string name = entry.substr(0, entry.find('='));
      const bool dropped = env.set.count(name) || std::find(env.unset.begin(), env.unset.end(), name) != env.unset.end();
      if (!dropped) env_s.push_back(entry);
    }
    for (const auto& [name, value] : env.set) env_s.push_back(name + "=" + value);
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string input = env.stdin_path.empty() ? "/dev/null" : env.stdin_path;
    posix_spawn_file_actions_addopen(&actions, 0, input.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (!env.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, env.cwd.c_str());
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    INFO("cannot start ", argv[0]);
    REQUIRE(rc == 0);
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  // True while the process has not exited (and has not been reaped).
  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::wait4(pid_, &status, WNOHANG, &usage_) == pid_) {
      status_ = status;
      pid_ = -1;
      return false;
    }
    return true;
  }
  void signal(int sig) { REQUIRE(pid_ > 0); ::kill(pid_, sig); }

  // Waits up to time_limit(timeout) (then kills it: a hung tool must fail the test, not stall ctest).
  RunResult wait(std::chrono::seconds timeout = std::chrono::seconds(180)) {
    const auto deadline = std::chrono::steady_clock::now() + time_limit(timeout);
    while (running()) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status_, 0);
        pid_ = -1;
        FAIL("matte did not finish within the time limit");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    RunResult r;
    r.code = WIFEXITED(status_) ? WEXITSTATUS(status_) : WIFSIGNALED(status_) ? 128 + WTERMSIG(status_) : -1;
    r.out = read_text(out_);
    r.err = read_text(err_);
    r.max_rss_kb = usage_.ru_maxrss;
    return r;
  }

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  struct rusage usage_ = {};
  fs::path out_, err_;
};

inline RunResult run_matte(const TempDir& tmp, const std::vector<std::string>& args, const Env& env = {}) {
  Child child(args, tmp.io, env);
  return child.wait();
}

inline std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

inline std::string last_line(const std::string& text) {
  const size_t end = text.find_last_not_of('\n');
  if (end == std::string::npos) return "";
  const size_t start = text.rfind('\n', end);
  const size_t from = start == std::string::npos ? 0 : start + 1;
  return text.substr(from, end - from + 1);
}

inline size_t line_count(const std::string& text) {
  size_t n = size_t(std::count(text.begin(), text.end(), '\n'));
  if (!text.empty() && text.back() != '\n') ++n;
  return n;
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Every entry under `dir` (hidden ones too) as relative paths, sorted.
inline std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> names;
  if (!fs::exists(dir)) return names;
  for (const auto& e : fs::recursive_directory_iterator(dir)) names.push_back(fs::relative(e.path(), dir).string());
  std::sort(names.begin(), names.end());
  return names;
}

inline std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += n + " ";
  return s;
}

// The numbered PNG names a sequence of `n` frames must consist of.
inline std::vector<std::string> sequence_names(int n) {
  std::vector<std::string> names;
  for (int i = 0; i < n; ++i) names.push_back(cv::format("%06d.png", i));
  return names;
}

struct VideoInfo {
  bool opened = false;
  int frames = 0, width = 0, height = 0;
  double fps = 0.0;
  std::vector<cv::Mat> images;  // BGR, when asked for
};

// Reads a video with FFmpeg's libraries, counting the frames by decoding them.
inline VideoInfo read_video(const std::string& path, bool keep_frames = false) {
  AvVideo a = read_av(path, keep_frames ? Pixels::bgr : Pixels::none);
  return {a.opened, a.frames, a.width, a.height, a.fps, std::move(a.images)};
}

inline cv::Mat read_png(const fs::path& path) { return cv::imread(path.string(), cv::IMREAD_UNCHANGED); }

using Args = std::vector<std::string>;

// Exit 0, nothing on stderr (no terminal: no progress bar), and the summary counts the frames.
inline void check_success(const RunResult& r, int frames) {
  INFO("stdout: ", r.out);
  INFO("stderr: ", r.err);
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  const std::string summary = last_line(r.out);
  CHECK(summary.starts_with("matte: "));
  // Appended piecewise: GCC 12 warns falsely (-Wrestrict) on `" " + std::string`.
  std::string count = " ";
  count += std::to_string(frames);
  count += " frames";
  CHECK(contains(summary, count));
}

// A failing run: the expected exit code, one line "matte: <message>" with every part in it, and the
// work folder exactly as before.
inline RunResult check_failure(const TempDir& tmp, const Args& args, std::initializer_list<int> codes,
                        const std::vector<std::string>& parts, const Env& env = {}) {
  const std::vector<std::string> before = listing(tmp.dir);
  const RunResult r = run_matte(tmp, args, env);
  INFO("matte ", joined(args));
  INFO("exit ", r.code, "\nstdout: ", r.out, "\nstderr: ", r.err);
  CHECK(std::find(codes.begin(), codes.end(), r.code) != codes.end());
  const std::string line = first_line(r.err);
  CHECK(line.starts_with("matte: "));
  for (const auto& part : parts) {
    INFO("expected in the message: ", part);
    CHECK(contains(line, part));
  }
  CHECK(line_count(r.err) == 1);  // every error is one line
  CHECK(joined(listing(tmp.dir)) == joined(before));
  return r;
}


}  // namespace matte::test
