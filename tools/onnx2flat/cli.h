// The onnx2flat command line, as a function so tests can run it in-process.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace matte {

// `args` excludes the program name. Returns the exit code: 0 done, 1 bad input (one line on `err`
// naming the file and the problem, no output file left), 2 usage error.
int run_onnx2flat(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace matte
