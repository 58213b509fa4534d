// What `cmake --install` gives users, used the way they would: consumer projects outside the tree
// built against the installed prefix (CMake package, pkg-config, C and C++), and the Python module.
#include <regex>
#include <set>
#include <sstream>

#include "engine/matte_config.h"
#include "tests/library/library_test_util.h"

namespace matte::test {
namespace {

const fs::path kHere = fs::path(__FILE__).parent_path();
// Debian's, which has python3-numpy (scripts/setup.sh), whatever else is first on PATH.
const std::string kPython = "/usr/bin/python3";
const std::string kSoname = "libmatte.so." + std::to_string(MATTE_VERSION_MAJOR);

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

// Configures and builds a consumer project against the prefix; returns its executable.
fs::path build_consumer(const Installed& in, const std::string& name) {
  const fs::path build = in.root / ("build_" + name);
  ok("cmake -S " + shell_word(kHere / name) + " -B " + shell_word(build) + " -DCMAKE_PREFIX_PATH=" + shell_word(in.prefix) +
     " -DCMAKE_BUILD_TYPE=Release");
  ok("cmake --build " + shell_word(build));
  return build / name;
}

TEST_CASE("library: the install holds the headers, the versioned library, CMake and pkg-config files, tools, Python") {
  const Installed in;
  const fs::path& p = in.prefix;
  for (const char* f : {"include/matte/matte.h", "include/matte/matte_c.h", "include/matte/matte_config.h",
                        "lib/cmake/matte/matteConfig.cmake", "lib/cmake/matte/matteConfigVersion.cmake",
                        "lib/cmake/matte/matteTargets.cmake", "lib/pkgconfig/matte.pc",
                        "lib/python3/dist-packages/matte/__init__.py", "share/matte/reference/run_onnx.js",
                        "share/matte/reference/package-lock.json"}) {
    INFO(f);
    CHECK(fs::is_regular_file(p / f));
  }
  // libmatte.so -> libmatte.so.MAJOR -> libmatte.so.MAJOR.MINOR.PATCH, whose SONAME is the middle one.
  CHECK(fs::read_symlink(p / "lib/libmatte.so") == kSoname);
  CHECK(fs::read_symlink(p / "lib" / kSoname) == kSoname.substr(0, kSoname.size() - 1) + MATTE_VERSION_STRING);
  CHECK(ok("readelf -d " + shell_word(p / "lib/libmatte.so")).find("Library soname: [" + kSoname + "]") !=
        std::string::npos);
  // The tools run from the prefix, wherever it is (they carry the engine; the shared libraries they
  // need are the system's).
  for (const char* tool : {"matte", "onnx2flat", "matte-compare", "matte-eval", "matte-bench"}) {
    INFO(tool);
    CHECK(fs::is_regular_file(p / "bin" / tool));
  }
  CHECK(ok(shell_word(p / "bin/matte") + " --version") == std::string("matte ") + MATTE_VERSION_STRING + "\n");
  CHECK(ok(shell_word(p / "bin/onnx2flat") + " --version") == std::string("onnx2flat ") + MATTE_VERSION_STRING + "\n");
  CHECK(ok("PKG_CONFIG_PATH=" + shell_word(p / "lib/pkgconfig") + " pkg-config --modversion matte") ==
        std::string(MATTE_VERSION_STRING) + "\n");
}

TEST_CASE("library: libmatte.so exports only the public API and needs no OpenCV, FFmpeg or protobuf") {
  const Installed in;
  const fs::path lib = in.prefix / "lib" / kSoname;
  const std::vector<std::string> symbols = lines(ok("nm -D --defined-only -C " + shell_word(lib)));
  REQUIRE(symbols.size() > 10);
  // "0000000000012345 T matte_version", "... T matte::Session::reset()", "... V typeinfo for matte::Error".
  const std::regex public_api(R"(\S+ [TWVDBRiu] (matte_\w+|matte::\S.*|(typeinfo|typeinfo name|vtable) for matte::Error))");
  std::set<std::string> c_functions;
  for (const std::string& s : symbols) {
    INFO(s);
    CHECK(std::regex_match(s, public_api));
    if (const size_t at = s.find(" matte_"); at != std::string::npos) c_functions.insert(s.substr(at + 1));
  }
  CHECK(c_functions == std::set<std::string>{"matte_last_error", "matte_process_rgb8", "matte_session_architecture",
                                             "matte_session_close", "matte_session_needs_plate", "matte_session_open",
                                             "matte_session_reset", "matte_session_set",
                                             "matte_session_set_downsample_ratio", "matte_version"});
  std::set<std::string> needed;
  for (const std::string& l : lines(ok("readelf -d " + shell_word(lib)))) {
    std::smatch m;
    if (std::regex_search(l, m, std::regex(R"(\(NEEDED\).*\[(lib[a-z_+]+)\.so)"))) needed.insert(m[1]);
  }
  // (and the dynamic loader, for thread-local storage)
  CHECK(needed == std::set<std::string>{"libtbb", "libstdc++", "libm", "libgcc_s", "libc"});
  const std::string ldd = ok("ldd " + shell_word(lib));
  INFO(ldd);
  for (const char* unwanted : {"opencv", "libav", "libsw", "protobuf", "onnx"}) CHECK(ldd.find(unwanted) == std::string::npos);
}

TEST_CASE("library: a C program through find_package(matte), held to C99 -pedantic -Werror, mattes as the CLI does") {
  const Installed in;
  const fs::path exe = build_consumer(in, "consumer_c");
  for (const char* name : {"rvm", "bgm"}) check_consumer(exe, make_case(name, in.root), in.root);
}

TEST_CASE("library: a C program through pkg-config mattes as the CLI does") {
  const Installed in;
  const fs::path exe = in.root / "consumer_c_pc";
  ok("PKG_CONFIG_PATH=" + shell_word(in.prefix / "lib/pkgconfig") + " sh -c 'cc -std=c99 -Wall -Wextra -Werror -pedantic " +
     (kHere / "consumer_c/main.c").string() + " -o " + exe.string() +
     " $(pkg-config --cflags --libs matte) -Wl,-rpath,$(pkg-config --variable=libdir matte)'");
  for (const char* name : {"rvm", "bgm"}) check_consumer(exe, make_case(name, in.root), in.root);
}

TEST_CASE("library: a C++ program through find_package(matte) mattes as the CLI does") {
  const Installed in;
  const fs::path exe = build_consumer(in, "consumer_cpp");
  for (const char* name : {"rvm", "bgm"}) check_consumer(exe, make_case(name, in.root), in.root);
}

TEST_CASE("library: Python from the installed prefix mattes as the CLI does, any array layout, errors raised") {
  const Installed in;
  for (const char* name : {"rvm", "bgm"}) {
    const Case c = make_case(name, in.root);
    const fs::path want = in.root / (c.name + "_cli_alpha.raw");
    write_bytes(want, c.alpha);
    const std::string out = ok("PYTHONPATH=" + shell_word(in.python_dir()) + " " + kPython + " " +
                               shell_word(kHere / "python_check.py") + " " + c.args() + " " + shell_word(want));
    CHECK(out.find("python: ok") != std::string::npos);
  }
}

TEST_CASE("library: cpack -G DEB makes a .deb of the install below /usr that depends on Debian's runtime packages") {
  const Installed in;  // its folder only
  ok("cpack --config " + shell_word(fs::path(MATTE_BINARY_DIR) / "CPackConfig.cmake") + " -G DEB -B " +
     shell_word(in.root / "deb"));
  const fs::path deb = in.root / "deb" / (std::string("matte_") + MATTE_VERSION_STRING + "_amd64.deb");
  REQUIRE(fs::is_regular_file(deb));
  const std::string files = ok("dpkg-deb -c " + shell_word(deb));
  const std::string library = "./usr/lib/libmatte.so.0 -> libmatte.so." + std::string(MATTE_VERSION_STRING);
  for (const std::string& f : {library, std::string("./usr/include/matte/matte_c.h"), std::string("./usr/bin/matte"),
                               std::string("./usr/bin/onnx2flat"), std::string("./usr/lib/cmake/matte/matteConfig.cmake"),
                               std::string("./usr/lib/pkgconfig/matte.pc"),
                               std::string("./usr/lib/python3/dist-packages/matte/__init__.py"),
                               std::string("./usr/share/matte/reference/run_onnx.js")}) {
    INFO(f);
    CHECK(files.find(f) != std::string::npos);
  }
  const std::string depends = ok("dpkg-deb -f " + shell_word(deb) + " Depends");
  INFO(depends);
  for (const char* package : {"libtbb12", "libstdc++6", "libc6", "libavcodec", "libopencv-core", "libprotobuf"})
    CHECK(depends.find(package) != std::string::npos);
  CHECK(depends.find("-dev") == std::string::npos);
  CHECK(ok("dpkg-deb -f " + shell_word(deb) + " Package Version") ==
        std::string("Package: matte\nVersion: ") + MATTE_VERSION_STRING + "\n");
  // The library's shlibs file: packages built against it depend on this SONAME.
  CHECK(ok("dpkg-deb -I " + shell_word(deb) + " shlibs").find("libmatte " + std::to_string(MATTE_VERSION_MAJOR) +
                                                               " matte") != std::string::npos);
}

}  // namespace
}  // namespace matte::test
