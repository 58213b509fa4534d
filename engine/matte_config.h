/* The library's version and export marker, shared by matte.h (C++) and matte_c.h (C). The build
   reads the version from here (CMakeLists.txt), so this is its one source. */
#ifndef MATTE_CONFIG_H
#define MATTE_CONFIG_H

#define MATTE_VERSION_MAJOR 0
#define MATTE_VERSION_MINOR 2
#define MATTE_VERSION_PATCH 0
#define MATTE_VERSION_STRING "0.2.0"

/* Everything else in libmatte.so is hidden (-fvisibility=hidden and lib/matte.map). */
#if defined(__GNUC__)
#define MATTE_API __attribute__((visibility("default")))
#else
#define MATTE_API
#endif

#endif
