# `cpack -G DEB` in the build folder: one .deb holding what `cmake --install` does, below /usr. Its
# Depends are computed from the binaries (dpkg-shlibdeps), so they name Debian's runtime packages;
# the library's shlibs file makes dependent packages follow the SONAME and triggers ldconfig.
set(CPACK_PACKAGE_NAME matte)
set(CPACK_PACKAGE_VENDOR "the matte developers")
set(CPACK_PACKAGE_CONTACT "the matte developers <matte@invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Human video matting on CPUs: RVM and BackgroundMattingV2")
set(CPACK_PACKAGE_DESCRIPTION "The matte command-line tool, the ONNX converter onnx2flat, the accuracy and speed \
tools, and libmatte (C++ and C API, CMake package, pkg-config file, Python module).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION graphics)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
# The Python module needs them; the library and tools do not.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3, python3-numpy")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nodejs, npm")
include(CPack)
