// matte-compare: per-output differences between our engine and ONNX Runtime on a clip.
#include <iostream>

#include "tools/compare/compare.h"

int main(int argc, char** argv) {
  return matte::cli::run_compare(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}
