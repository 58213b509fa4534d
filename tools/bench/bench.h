// matte-bench: frames per second of our engine (and optionally ONNX Runtime) at one frame size.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace matte::cli {

// `args` excludes the program name. The last line printed is `fps <ours>`. Exit code: 0 done,
// 1 bad input, 2 usage error.
int run_bench(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace matte::cli
