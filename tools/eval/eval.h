// matte-eval: matting quality on ground truth (composited frames), scored as the RVM paper does.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace matte::cli {

// `args` excludes the program name. Exit code: 0 done (and, with --onnx, both engines' scores
// agree to 0.01), 1 bad input or disagreement, 2 usage error.
int run_eval(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace matte::cli
