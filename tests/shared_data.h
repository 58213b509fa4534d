// Tests that need ../shared data: a missing file makes the test SKIPPED in ctest (exit code 77,
// registered as SKIP_RETURN_CODE), never passed.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace matte::test {

#ifdef MATTE_SANITIZED
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// Sanitizers multiply memory use: the tests' bounds on a child's peak memory hold for ordinary
// builds only (time bounds are stretched instead, MATTE_TEST_TIME_SCALE).
constexpr bool kMemoryBoundsApply = !kSanitized;

inline std::string shared_path(const std::string& relative) { return std::string(MATTE_SHARED_DIR) + "/" + relative; }

// Returns the full path, or ends this test process as skipped when the file is absent.
inline std::string require_shared(const std::string& relative) {
  const std::string path = shared_path(relative);
  if (!std::filesystem::exists(path)) {
    std::printf("SKIPPED: %s is absent (tests need ../shared beside the project)\n", path.c_str());
    std::fflush(stdout);
    std::_Exit(77);
  }
  return path;
}

}  // namespace matte::test
