// The weight-file loader on arbitrary bytes: it must accept them or throw matte::Error, and every
// tensor it accepts must lie inside the data it was given.
#include <cstdint>
#include <vector>

#include "engine/error.h"
#include "engine/weight_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto file = matte::WeightFile::from_bytes({data, data + size}, "fuzz.safetensors");
    for (const auto& name : file.names()) {
      try {
        volatile float sum = 0;  // reads every value, so a sanitizer sees any read out of bounds
        for (float v : file.tensor(name, file.shape(name))) sum = sum + v;
      } catch (const matte::Error&) {  // not F32
      }
    }
  } catch (const matte::Error&) {
  }
  return 0;
}
