#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace matte {

// Every user-facing failure: the message names the file or value and the problem.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

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
