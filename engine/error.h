#pragma once

#include <stdexcept>
#include <string>

namespace matte {

// Every user-facing failure: the message names the file or value and the problem.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace matte
