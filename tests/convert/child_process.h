// Runs a program as a child process and measures it, for tests that bound a tool's cost.
#pragma once

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/convert/onnx_builder.h"

namespace matte::test {

struct ChildResult {
  int exit_code = -1;  // -1 when killed by a signal
  long peak_rss_kb = 0;
  double seconds = 0;      // wall clock
  double cpu_seconds = 0;  // user + system: what bounds hold on a loaded machine
  std::string err;  // its stderr
};

// wait4 reports this child's own peak RSS, not the maximum over every child the test ran. A fork
// starts from the parent's resident size, so call this before the test loads anything large.
inline ChildResult run_child(const std::vector<std::string>& argv, const std::string& stderr_path) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    const int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = ::open("/dev/null", O_WRONLY);
    dup2(err, 2);
    dup2(null, 1);
    execv(args[0], args.data());
    _exit(127);
  }
  ChildResult r;
  int status = 0;
  struct rusage usage {};
  if (pid > 0 && wait4(pid, &status, 0, &usage) == pid) {
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.peak_rss_kb = usage.ru_maxrss;
    const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + 1e-6 * t.tv_usec; };
    r.cpu_seconds = seconds(usage.ru_utime) + seconds(usage.ru_stime);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto err = read_bytes(stderr_path);
  r.err.assign(err.begin(), err.end());
  return r;
}

// Runs `work` in a forked child and waits, so what it allocates never raises this process's size.
template <class Work>
bool in_child(Work work) {
  const pid_t pid = fork();
  if (pid == 0) {
    try {
      work();
    } catch (...) {
      _exit(1);
    }
    _exit(0);
  }
  int status = 0;
  return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace matte::test
