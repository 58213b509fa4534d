// Writing a whole file so that a reader finds the old one or the new one, never a part.
#pragma once

#include <cstddef>
#include <string>

namespace matte {

// Writes `size` bytes to a temporary beside `path` (created exclusively, mode 0644) and renames it
// over `path`. Throws Error("<path>: ...") and leaves no temporary on any failure.
void replace_file(const std::string& path, const void* data, size_t size);

}  // namespace matte
