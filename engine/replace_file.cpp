#include "engine/replace_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "engine/error.h"

namespace matte {

namespace {

std::string errno_text() { return std::strerror(errno); }

}  // namespace

void replace_file(const std::string& path, const void* data, size_t size) {
  std::string tmp = path + ".tmp-XXXXXX";
  const int fd = mkstemp(tmp.data());
  if (fd < 0) throw Error(path + ": cannot create a temporary file beside it: " + errno_text());
  const auto abandon = [&](const std::string& problem) {
    const std::string why = errno_text();
    ::close(fd);
    ::unlink(tmp.c_str());
    throw Error(path + ": " + problem + ": " + why);
  };
  // mkstemp creates 0600; what is written here is not secret.
  if (fchmod(fd, 0644) != 0) abandon("cannot set permissions of " + tmp);
  const auto* bytes = static_cast<const char*>(data);
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, bytes + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = EIO;
    if (n <= 0) abandon("cannot write " + tmp);
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    throw Error(path + ": cannot write " + tmp + ": " + why);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    throw Error(path + ": cannot rename " + tmp + " onto it: " + why);
  }
}

}  // namespace matte
