// matte-compare: our engine against ONNX Runtime on the same decoded frames, states carried.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace matte::cli {

// `args` excludes the program name. Exit code: 0 ran and PASS, 1 FAIL or bad input (one line on
// `err` naming the file and the problem), 2 usage error.
int run_compare(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace matte::cli
