// matte-bench: per-frame inference time and frames per second at a chosen size.
#include <iostream>

#include "tools/bench/bench.h"

int main(int argc, char** argv) {
  return matte::cli::run_bench(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}
