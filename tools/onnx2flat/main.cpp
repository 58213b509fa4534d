// onnx2flat: converts an ONNX file of a network it recognises (tools/onnx2flat/recognisers.cpp)
// into the engine's weight file, or lists an ONNX graph (--dump) to study a new exporter's output.
#include <iostream>

#include "tools/onnx2flat/cli.h"

int main(int argc, char** argv) {
  return matte::run_onnx2flat(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}
