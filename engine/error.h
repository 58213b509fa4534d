#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/matte.h"  // Error

namespace matte {

// "[16,3,3,3]": how shapes appear in messages.
inline std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

}  // namespace matte
