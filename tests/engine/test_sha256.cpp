#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "engine/error.h"
#include "engine/sha256.h"

namespace matte {
namespace {

std::string sha_of(const std::string& s) {
  return sha256_hex(std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

}  // namespace

TEST_CASE("sha256 matches the FIPS 180-4 test vectors") {
  CHECK(sha_of("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha_of("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha_of(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256 gives the same digest whatever the update chunking") {
  std::string message;
  for (int i = 0; i < 1000; ++i) message += static_cast<char>('a' + i * 7 % 26);
  // Lengths around the 55/56/64-byte padding boundaries exercise both padding branches.
  for (size_t len : {55, 56, 63, 64, 65, 119, 120, 1000}) {
    const std::string prefix = message.substr(0, len);
    for (size_t chunk : {1, 3, 64, 100}) {
      CAPTURE(len);
      CAPTURE(chunk);
      Sha256 sha;
      for (size_t i = 0; i < prefix.size(); i += chunk) {
        const size_t n = std::min(chunk, prefix.size() - i);
        sha.update(std::span(reinterpret_cast<const uint8_t*>(prefix.data() + i), n));
      }
      CHECK(to_hex(sha.finish()) == sha_of(prefix));
    }
  }
}

TEST_CASE("sha256_file_hex hashes a file and names a missing one") {
  const std::filesystem::path dir = std::filesystem::path(MATTE_BINARY_DIR) / "test_tmp" / "sha256";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "abc.txt").string();
  std::ofstream(path, std::ios::binary) << "abc";
  CHECK(sha256_file_hex(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::filesystem::remove(path);
  CHECK_THROWS_WITH_AS(sha256_file_hex(path), doctest::Contains("abc.txt"), Error);
}

}  // namespace matte
