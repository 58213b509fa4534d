// The `matte` executable against hostile or careless use: outputs that would delete what the tool did
// not write, races between runs, huge frames, damaged or non-regular inputs, full disks, early signals.
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <zlib.h>

#include <csignal>
#include <opencv2/imgproc.hpp>

#include "tests/matte/cli_test_util.h"
#include "tests/matte/media.h"
#include "tests/shared_data.h"

namespace matte::test {

namespace {


void put_chunk(std::ofstream& out, const char* type, const std::string& data) {
  auto be32 = [&](uint32_t v) {
    const char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
    out.write(b, 4);
  };
  be32(uint32_t(data.size()));
  const std::string typed = type + data;
  out.write(typed.data(), std::streamsize(typed.size()));
  be32(uint32_t(crc32(0, reinterpret_cast<const Bytef*>(typed.data()), uInt(typed.size()))));
}

// A valid black 8-bit gray PNG, compressed row by row: a decompression bomb that costs the test
// process (whose peak memory a spawned child's figure includes) nothing.
void write_black_png(const std::string& path, uint32_t width, uint32_t height) {
  std::ofstream out(path, std::ios::binary);
  out.write("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  for (uint32_t v : {width, height}) ihdr += {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  ihdr += {8, 0, 0, 0, 0};  // 8-bit gray, deflate, no filter method, no interlace
  put_chunk(out, "IHDR", ihdr);
  z_stream z{};
  REQUIRE(deflateInit(&z, 9) == Z_OK);
  const std::vector<Bytef> row(width + 1, 0);  // filter byte 0, then the pixels
  std::string idat;
  std::vector<Bytef> buffer(1 << 16);
  for (uint32_t y = 0; y <= height; ++y) {
    z.next_in = const_cast<Bytef*>(row.data());
    z.avail_in = y < height ? uInt(row.size()) : 0;
    const int flush = y < height ? Z_NO_FLUSH : Z_FINISH;
    do {
      z.next_out = buffer.data();
      z.avail_out = uInt(buffer.size());
      deflate(&z, flush);
      idat.append(reinterpret_cast<const char*>(buffer.data()), buffer.size() - z.avail_out);
    } while (z.avail_out == 0);
  }
  deflateEnd(&z);
  put_chunk(out, "IDAT", idat);
  put_chunk(out, "IEND", "");
}

// Waits until the run's temporaries exist (so it is past start-up and writing).
void wait_for_temporary(Child& child, const fs::path& dir) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (child.running() && std::chrono::steady_clock::now() < deadline) {
    for (const auto& e : fs::directory_iterator(dir)) {
      if (contains(e.path().filename().string(), ".matte-tmp-")) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL("no temporary appeared in ", dir.string());
}

}  // namespace

TEST_CASE("matte safety: --overwrite refuses folders holding an input, the model or the current folder") {
  const std::string onnx = require_shared(kRvm), suit = require_shared(kSuit);
  const TempDir tmp;
  fs::create_directories(tmp.dir / "work");
  fs::copy_file(suit, tmp / "work/photo.png");
  std::ofstream(tmp / "work/notes.txt") << "keep";
  fs::create_directories(tmp.dir / "models");
  fs::copy_file(onnx, tmp / "models/rvm.onnx");
  fs::create_directories(tmp.dir / "shots/take1");
  fs::copy_file(suit, tmp / "shots/take1/000000.png");
  const std::string model = tmp / "models/rvm.onnx";

  check_failure(tmp, {"--model", model, "--input", tmp / "work/photo.png", "--output-alpha", tmp / "work", "--overwrite"},
                {2}, {"--output-alpha would replace a folder holding the input"});
  check_failure(tmp, {"--model", model, "--input", suit, "--output-alpha", tmp / "models", "--overwrite"}, {2},
                {"a folder holding the model"});
  check_failure(tmp, {"--model", model, "--input", tmp / "shots/take1", "--output-alpha", tmp / "shots", "--overwrite"},
                {2}, {"a folder holding the input"});
  const Env in_work{.set = {}, .unset = {}, .cwd = tmp / "work", .stdin_path = ""};
  check_failure(tmp, {"--model", model, "--input", "photo.png", "--output-alpha", ".", "--overwrite"}, {2},
                {".: --output-alpha"}, in_work);
  check_failure(tmp, {"--model", onnx, "--input", suit, "--output-alpha", "..", "--overwrite"}, {2},
                {"the current folder"}, in_work);
  CHECK(read_text(tmp / "work/notes.txt") == "keep");
}

TEST_CASE("matte safety: --overwrite replaces a folder of frames, never a folder with anything else in it") {
  const std::string model = require_shared(kRvm), clip = require_shared(kClip);
  const TempDir tmp;
  const Args run{"--model", model, "--input", clip, "--frames", "3", "--output-alpha", tmp / "alpha", "--overwrite"};
  check_success(run_matte(tmp, run), 3);
  std::ofstream(tmp / "alpha/readme.txt") << "mine";
  check_failure(tmp, run, {1}, {tmp / "alpha: holds readme.txt, which is not a frame NNNNNN.png"});
  CHECK(read_text(tmp / "alpha/readme.txt") == "mine");
  fs::remove(tmp / "alpha/readme.txt");
  Args two = run;
  two[5] = "2";
  check_success(run_matte(tmp, two), 2);
  CHECK(joined(listing(tmp.dir / "alpha")) == joined(sequence_names(2)));
  CHECK(joined(listing(tmp.dir)) == joined({"alpha", "alpha/000000.png", "alpha/000001.png"}));
}

TEST_CASE("matte safety: an output another process wrote during the run is kept, the run exits 1 with nothing left") {
  const std::string model = require_shared(kRvm), clip = require_shared(kClip);
  const TempDir tmp;
  // Enough frames that the run goes on for seconds after its temporaries appear: 40, or 4 under
  // the sanitizers, where a frame takes over 20 times as long.
  Child child({"--model", model, "--input", clip, "--frames", kSanitized ? "4" : "40", "--threads", "1",
               "--output-alpha", tmp / "alpha", "--output-composition", tmp / "comp.mp4"},
              tmp.io);
  wait_for_temporary(child, tmp.dir);
  const std::string other(std::string("\0\0\0\x20" "ftypisom", 12) + "the other run's");
  write_text(tmp / "comp.mp4", other);
  const RunResult r = child.wait();
  INFO("stderr: ", r.err);
  CHECK(r.code == 1);
  CHECK(r.err == "matte: " + tmp / "comp.mp4" + ": exists (written by another process during this run)\n");
  CHECK(read_text(tmp / "comp.mp4") == other);
  CHECK(joined(listing(tmp.dir)) == "comp.mp4 ");  // the alpha sequence was taken back too
}

TEST_CASE("matte safety: a frame over --max-pixels is refused from its header, cheaply") {
  const std::string model = require_shared(kRvm), suit = require_shared(kSuit), clip = require_shared(kClip);
  const TempDir tmp;
  // 9000x9000: 81 Mpx, a 2 GB run before the limit existed, in an 80 kB file.
  write_black_png(tmp / "huge.png", 9000, 9000);
  const std::string over = "9000x9000 is 81.0 Mpx, more than --max-pixels 33177600; it would need up to about 2.4 GB";
  const auto start = std::chrono::steady_clock::now();
  const RunResult r = check_failure(tmp, {"--model", model, "--input", tmp / "huge.png", "--output-alpha", tmp / "a.png"},
                                    {1}, {tmp / "huge.png: " + over});
  CHECK(std::chrono::steady_clock::now() - start < time_limit(std::chrono::seconds(3)));
  CHECK((!kMemoryBoundsApply || r.max_rss_kb < 150 * 1024));
  // As a folder's later image, and as a background.
  fs::create_directories(tmp.dir / "seq");
  fs::copy_file(suit, tmp / "seq/0.png");
  fs::copy_file(tmp / "huge.png", tmp / "seq/1.png");
  check_failure(tmp, {"--model", model, "--input", tmp / "seq", "--output-alpha", tmp / "alpha"}, {1},
                {tmp / "seq/1.png: " + over});
  check_failure(tmp, {"--model", model, "--input", suit, "--background", tmp / "huge.png", "--output-composition",
                      tmp / "c.mp4"},
                {1}, {tmp / "huge.png: " + over});
  // The limit is the user's: a smaller one refuses a small image and a video before decoding.
  check_failure(tmp, {"--model", model, "--input", suit, "--max-pixels", "200000", "--output-alpha", tmp / "a.png"}, {1},
                {suit + ": 570x407 is 0.2 Mpx, more than --max-pixels 200000"});
  check_failure(tmp, {"--model", model, "--input", clip, "--max-pixels", "200000", "--output-alpha", tmp / "alpha"},
                {1}, {clip + ": 360x640"});
  check_failure(tmp, {"--model", model, "--input", suit, "--max-pixels", "0", "--output-alpha", tmp / "a.png"}, {2},
                {"--max-pixels"});
}

TEST_CASE("matte safety: an alpha-only 4K run holds no float planes (peak memory per pixel)") {
  const std::string model = require_shared(kRvm);
  const cv::Mat photo = cv::imread(require_shared(kOffice), cv::IMREAD_COLOR);
  REQUIRE(!photo.empty());
  const TempDir tmp;
  cv::Mat big;
  cv::resize(photo, big, cv::Size(3840, 2160));
  REQUIRE(cv::imwrite(tmp / "4k.png", big));
  const RunResult r = run_matte(tmp, {"--model", model, "--input", tmp / "4k.png", "--threads", "2", "--output-alpha",
                                      tmp / "alpha.png"});
  check_success(r, 1);
  // Float alpha and foreground alone would be 16 bytes per pixel (133 MB); the run measured 398 MB
  // before (48 B/px) and 244 MB after (29 B/px, most of it the model, the decoded frame and the PNG).
  const double bytes_per_pixel = double(r.max_rss_kb) * 1024.0 / (3840.0 * 2160.0);
  INFO("peak ", r.max_rss_kb / 1024, " MB, ", bytes_per_pixel, " bytes per pixel");
  CHECK((!kMemoryBoundsApply || bytes_per_pixel < 36.0));
}

TEST_CASE("matte safety: damaged and non-regular inputs are one-line errors naming them") {
  const std::string model = require_shared(kRvm), suit = require_shared(kSuit);
  const TempDir tmp;
  const std::string png = read_text(suit);
  fs::create_directories(tmp.dir / "seq");
  fs::copy_file(suit, tmp / "seq/000.png");
  write_text(tmp / "seq/001.png", "not an image");  // once skipped without a word
  fs::copy_file(suit, tmp / "seq/002.png");
  check_failure(tmp, {"--model", model, "--input", tmp / "seq", "--output-alpha", tmp / "alpha"}, {1},
                {tmp / "seq/001.png: cannot decode as an image"});
  // A truncated PNG: libpng's own complaint stays off stderr, and it is not "no frames".
  write_text(tmp / "cut.png", png.substr(0, png.size() / 3));
  check_failure(tmp, {"--model", model, "--input", tmp / "cut.png", "--output-alpha", tmp / "a.png"}, {1},
                {tmp / "cut.png: cannot decode as an image"});
  // A FIFO would block the open (and the first Ctrl-C with it).
  REQUIRE(::mkfifo((tmp / "fifo.mp4").c_str(), 0600) == 0);
  const auto start = std::chrono::steady_clock::now();
  check_failure(tmp, {"--model", model, "--input", tmp / "fifo.mp4", "--output-alpha", tmp / "alpha"}, {1},
                {tmp / "fifo.mp4: not a regular file or folder (--input)"});
  check_failure(tmp, {"--model", model, "--input", suit, "--background", tmp / "fifo.mp4", "--output-composition",
                      tmp / "c.mp4"},
                {1}, {"not a regular file or folder (--background)"});
  CHECK(std::chrono::steady_clock::now() - start < time_limit(std::chrono::seconds(10)));
  check_failure(tmp, {"--model", model, "--input", suit, "--background", "-1,0,0", "--output-composition",
                      tmp / "c.mp4"},
                {2}, {"--background -1,0,0: not a colour"});
}

TEST_CASE("matte safety: the first Ctrl-C ends a run still starting up") {
  const std::string model = require_shared(kRvm), clip = require_shared(kClip);
  const TempDir tmp;
  Child child({"--model", model, "--input", clip, "--output-alpha", tmp / "alpha"}, tmp.io);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // converting the .onnx model
  child.signal(SIGINT);
  const RunResult r = child.wait(std::chrono::seconds(5));
  CHECK(r.code == 130);
  CHECK(listing(tmp.dir).empty());
}

TEST_CASE("matte safety: a full disk under a PNG output is exit 1, one line naming the file, nothing left") {
  const std::string model = require_shared(kRvm), clip = require_shared(kClip);
  const TempDir tmp;
  std::unique_ptr<Child> child;
  {
    const FileSizeLimit limit(8 * 1024);  // an RGBA 360x640 frame is larger
    child = std::make_unique<Child>(
        Args{"--model", model, "--input", clip, "--frames", "3", "--output-composition", tmp / "comp"}, tmp.io);
  }
  const RunResult r = child->wait();
  INFO("stderr: ", r.err);
  CHECK(r.code == 1);
  CHECK(line_count(r.err) == 1);
  CHECK(contains(r.err, tmp / "comp/000000.png: cannot write"));
  CHECK(listing(tmp.dir).empty());
}

}  // namespace matte::test
