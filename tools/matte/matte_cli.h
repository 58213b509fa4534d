// `matte`: the command-line tool people run on their videos, callable in-process.
#pragma once

#include <atomic>
#include <ostream>
#include <string>
#include <vector>

namespace matte::cli {

// `argv` excludes the program name. `signal_received` is set (to the signal number) by the
// caller's SIGINT/SIGTERM handler: the run then stops, removes its temporaries and returns
// 128 + signal. Otherwise: 0 done, 1 error, 2 bad command line. The progress bar is drawn on
// `err` only when `err_is_terminal`.
int run_matte(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err, bool err_is_terminal,
              const std::atomic<int>& signal_received);

// True while a run has outputs being written. Before that a run has nothing to clean up, and a
// signal handler may end the process at once (a slow model load or open would otherwise delay it).
// Lock-free: callable from a signal handler.
bool outputs_in_progress();

}  // namespace matte::cli
