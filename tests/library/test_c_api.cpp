// The C API's contract, in-process against the built libmatte.so: errors come back as statuses
// and messages (never a crash), and sessions on different threads are independent.
#include <cstring>
#include <thread>

#include "engine/matte_c.h"
#include "tests/library/library_test_util.h"

namespace matte::test {
namespace {

std::string last_error() { return matte_last_error(); }

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

struct Weights {
  fs::path dir, rvm, bgm;
  Weights() {
    dir = fs::path(MATTE_BINARY_DIR) / "test_tmp" / ("c_api_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string bin = std::string(MATTE_BINARY_DIR) + "/bin/onnx2flat ";
    rvm = dir / "rvm.safetensors";
    bgm = dir / "bgm.safetensors";
    ok(bin + shell_word(require_shared("models/rvm_mobilenetv3_fp32.onnx")) + " " + shell_word(rvm));
    ok(bin + shell_word(require_shared("models/bgm_mobilenetv2_fp32.onnx")) + " " + shell_word(bgm));
  }
  ~Weights() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

// A grey frame with a brighter square, w×h RGB with `stride` bytes per row.
std::vector<uint8_t> frame(int w, int h, size_t stride, uint8_t shift = 0) {
  std::vector<uint8_t> f(stride * size_t(h), 0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w * 3; ++x)
      f[size_t(y) * stride + size_t(x)] = uint8_t((x / 3 > w / 4 && x / 3 < 3 * w / 4 && y > h / 4 ? 200 : 90) + shift);
  return f;
}

TEST_CASE("C API: opening fails with NULL and the reason for a missing file, another file, an unknown network") {
  const Weights w;
  CHECK(std::string(matte_version()) == MATTE_VERSION_STRING);
  CHECK(matte_session_open(nullptr, 0) == nullptr);
  CHECK(has(last_error(), "NULL"));
  const std::string missing = (w.dir / "missing.safetensors").string();
  CHECK(matte_session_open(missing.c_str(), 0) == nullptr);
  CHECK(has(last_error(), missing));
  const fs::path text = w.dir / "notes.txt";
  write_bytes(text, {'h', 'e', 'l', 'l', 'o'});
  CHECK(matte_session_open(text.c_str(), 0) == nullptr);
  CHECK(has(last_error(), text.string()));
  // The same file with another architecture name (same length, so the header stays consistent).
  std::vector<uint8_t> bytes = read_bytes(w.rvm);
  const std::string from = "rvm_mobilenetv3", to = "rvm_mobilenetv9";
  auto at = std::search(bytes.begin(), bytes.end(), from.begin(), from.end());
  REQUIRE(at != bytes.end());
  std::copy(to.begin(), to.end(), at);
  const fs::path other = w.dir / "other.safetensors";
  write_bytes(other, bytes);
  CHECK(matte_session_open(other.c_str(), 0) == nullptr);
  CHECK(has(last_error(), "rvm_mobilenetv9"));
  CHECK(matte_session_open(w.rvm.c_str(), -1) == nullptr);
  CHECK(has(last_error(), "threads -1"));
  // A failure is this thread's: another thread sees none.
  std::string seen = "unset";
  std::thread([&] { seen = last_error(); }).join();
  CHECK(seen.empty());
}

TEST_CASE("C API: NULL pointers, sizes, strides and plates are refused with a message, and the session stays usable") {
  const Weights w;
  matte_session* rvm = matte_session_open(w.rvm.c_str(), 1);
  REQUIRE(rvm);
  CHECK(last_error().empty());
  CHECK(std::string(matte_session_architecture(rvm)) == "rvm_mobilenetv3");
  CHECK(matte_session_needs_plate(rvm) == 0);
  const int W = 67, H = 45;
  const std::vector<uint8_t> f = frame(W, H, W * 3);
  std::vector<uint8_t> alpha(W * H), fg(W * H * 3);
  CHECK(matte_process_rgb8(nullptr, f.data(), W, H, W * 3, nullptr, 0, alpha.data(), nullptr) == MATTE_ERROR_ARGUMENT);
  CHECK(has(last_error(), "session is NULL"));
  CHECK(matte_process_rgb8(rvm, nullptr, W, H, W * 3, nullptr, 0, alpha.data(), nullptr) == MATTE_ERROR_ARGUMENT);
  CHECK(has(last_error(), "frame is NULL"));
  CHECK(matte_process_rgb8(rvm, f.data(), W, H, W * 3, nullptr, 0, nullptr, nullptr) == MATTE_ERROR_ARGUMENT);
  CHECK(has(last_error(), "alpha output is NULL"));
  CHECK(matte_process_rgb8(rvm, f.data(), 0, H, W * 3, nullptr, 0, alpha.data(), nullptr) == MATTE_ERROR_ARGUMENT);
  CHECK(has(last_error(), "0x45 is not positive"));
  CHECK(matte_process_rgb8(rvm, f.data(), W, -3, W * 3, nullptr, 0, alpha.data(), nullptr) == MATTE_ERROR_ARGUMENT);
  CHECK(matte_process_rgb8(rvm, f.data(), W, H, W * 3 - 1, nullptr, 0, alpha.data(), nullptr) == MATTE_ERROR_ARGUMENT);
  CHECK(has(last_error(), "stride 200 is shorter than a row of 67 RGB pixels (201 bytes)"));
  CHECK(matte_process_rgb8(rvm, f.data(), W, H, W * 3, f.data(), W * 3, alpha.data(), nullptr) == MATTE_ERROR_ARGUMENT);
  CHECK(has(last_error(), "takes no plate"));
  CHECK(matte_session_set_downsample_ratio(rvm, 1.5f) == MATTE_ERROR_ARGUMENT);
  CHECK(has(last_error(), "downsample-ratio 1.5"));
  CHECK(matte_session_set_downsample_ratio(rvm, -0.5f) == MATTE_ERROR_ARGUMENT);
  CHECK(matte_session_set(rvm, "backbone-scale", "0.5") == MATTE_ERROR_ARGUMENT);
  CHECK(has(last_error(), "has no setting backbone-scale"));
  CHECK(matte_session_set(rvm, nullptr, "1") == MATTE_ERROR_ARGUMENT);
  CHECK(matte_session_set_downsample_ratio(nullptr, 0.5f) == MATTE_ERROR_ARGUMENT);
  CHECK(matte_session_needs_plate(nullptr) == -1);
  CHECK(matte_session_architecture(nullptr) == nullptr);
  matte_session_reset(nullptr);
  matte_session_close(nullptr);
  // Still usable, and a success clears the message.
  CHECK(matte_session_set_downsample_ratio(rvm, 0.5f) == MATTE_OK);
  std::fill(alpha.begin(), alpha.end(), 0xa5);
  CHECK(matte_process_rgb8(rvm, f.data(), W, H, W * 3, nullptr, 0, alpha.data(), fg.data()) == MATTE_OK);
  CHECK(last_error().empty());
  // Another size needs a reset (the recurrent state has the old one's), then goes through.
  CHECK(matte_process_rgb8(rvm, f.data(), W - 1, H, W * 3, nullptr, 0, alpha.data(), nullptr) == MATTE_ERROR_ARGUMENT);
  matte_session_reset(rvm);
  CHECK(matte_process_rgb8(rvm, f.data(), W - 1, H, W * 3, nullptr, 0, alpha.data(), nullptr) == MATTE_OK);
  matte_session_close(rvm);

  matte_session* bgm = matte_session_open(w.bgm.c_str(), 1);
  REQUIRE(bgm);
  CHECK(matte_session_needs_plate(bgm) == 1);
  CHECK(matte_process_rgb8(bgm, f.data(), W, H, W * 3, nullptr, 0, alpha.data(), nullptr) == MATTE_ERROR_ARGUMENT);
  CHECK(has(last_error(), "needs the clean background plate"));
  CHECK(matte_process_rgb8(bgm, f.data(), W, H, W * 3, f.data(), W, alpha.data(), nullptr) == MATTE_ERROR_ARGUMENT);
  CHECK(has(last_error(), "the plate stride"));
  CHECK(matte_session_set_downsample_ratio(bgm, 0.5f) == MATTE_ERROR_ARGUMENT);
  CHECK(has(last_error(), "has no setting downsample-ratio"));
  const std::vector<uint8_t> plate = frame(W, H, W * 3, 20);
  CHECK(matte_process_rgb8(bgm, f.data(), W, H, W * 3, plate.data(), W * 3, alpha.data(), fg.data()) == MATTE_OK);
  matte_session_close(bgm);
}

TEST_CASE("C API: rows apart give the packed frame's result, and sessions on two threads match one alone") {
  const Weights w;
  const int W = 96, H = 64, frames = 3;
  const auto run = [&](size_t stride) {
    matte_session* s = matte_session_open(w.rvm.c_str(), 1);
    REQUIRE(s);
    std::vector<uint8_t> out;
    for (int i = 0; i < frames; ++i) {
      const std::vector<uint8_t> f = frame(W, H, stride, uint8_t(i * 10));
      std::vector<uint8_t> alpha(W * H), fg(W * H * 3);
      REQUIRE(matte_process_rgb8(s, f.data(), W, H, stride, nullptr, 0, alpha.data(), fg.data()) == MATTE_OK);
      out.insert(out.end(), alpha.begin(), alpha.end());
      out.insert(out.end(), fg.begin(), fg.end());
    }
    matte_session_close(s);
    return out;
  };
  const std::vector<uint8_t> alone = run(W * 3);
  CHECK(run(W * 3 + 13) == alone);
  std::vector<uint8_t> a, b;
  std::thread ta([&] { a = run(W * 3); }), tb([&] { b = run(W * 3 + 5); });
  ta.join();
  tb.join();
  CHECK(a == alone);
  CHECK(b == alone);
}

}  // namespace
}  // namespace matte::test
