// The ONNX reader and converter on arbitrary bytes, as `onnx2flat` and `matte --model x.onnx` read
// a file: they must convert it or throw matte::Error; anything else escapes and is reported.
#include <cstdint>
#include <span>
#include <sstream>

#include "engine/error.h"
#include "tools/onnx2flat/convert.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  try {
    std::ostringstream listing;  // onnx2flat --dump
    matte::convert::dump_model(matte::convert::parse_onnx(bytes, "fuzz.onnx"), listing);
    matte::convert_onnx_bytes(bytes, "fuzz.onnx");
  } catch (const matte::Error&) {
  }
  return 0;
}
