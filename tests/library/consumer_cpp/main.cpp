// A C++ program using the installed library: mattes one raw RGB frame (and plate) into raw alpha
// and foreground files.
// Usage: consumer_cpp WEIGHTS WIDTH HEIGHT FRAME.rgb PLATE.rgb|- ALPHA.out FOREGROUND.out
#include <matte/matte.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace {

std::vector<uint8_t> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_all(const std::string& path, const std::vector<uint8_t>& data) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 8) {
    std::cerr << "usage: consumer_cpp WEIGHTS WIDTH HEIGHT FRAME.rgb PLATE.rgb|- ALPHA.out FOREGROUND.out\n";
    return 2;
  }
  const int width = std::stoi(argv[2]), height = std::stoi(argv[3]);
  const size_t row = size_t(width) * 3;
  try {
    matte::Session session(argv[1], {.threads = 2, .results = matte::Result::alpha8 | matte::Result::foreground8});
    std::cout << matte::version() << " " << session.capabilities().architecture << "\n";
    const std::vector<uint8_t> frame = read_all(argv[4]);
    const matte::Image8 image{frame.data(), width, height, row};
    matte::Matte m;
    if (std::string(argv[5]) == "-") {
      m = session.process(image);
    } else {
      const std::vector<uint8_t> plate = read_all(argv[5]);
      m = session.process(image, matte::Image8{plate.data(), width, height, row});
    }
    write_all(argv[6], m.alpha8);
    write_all(argv[7], m.foreground8);
  } catch (const matte::Error& e) {
    std::cerr << "consumer_cpp: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
