// matte-eval: alpha quality (MAD, MSE, gradient error, dtSSD) on composited ground-truth frames.
#include <iostream>

#include "tools/eval/eval.h"

int main(int argc, char** argv) {
  return matte::cli::run_eval(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}
