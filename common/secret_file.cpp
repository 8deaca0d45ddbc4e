#include "common/secret_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace certprint {
namespace {

// Closes the descriptor whichever way the read ends.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

}  // namespace

Result<std::string> read_secret_file(const std::filesystem::path& file, std::string_view what,
                                     std::size_t max_bytes) {
  const std::string name = std::string(what) + " " + file.string();
  Fd in{::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY)};
  if (in.fd < 0) {
    const int err = errno;
    Error e{name + " cannot be read: " + std::strerror(err)};
    if (err == ENOENT) e.code = ErrorCode::not_found;
    return e;
  }
  struct stat st {};
  if (::fstat(in.fd, &st) != 0) return Error{name + ": " + std::strerror(errno)};
  if (!S_ISREG(st.st_mode)) return Error{name + " is not a regular file"};
  if ((st.st_mode & 077) != 0)
    return Error{name + " has mode " + octal_mode(st.st_mode) +
                 ": its group or others may use it, and it holds a secret; make it readable by "
                 "its owner only: chmod 600 " +
                 file.string()};
  std::string data;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(in.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{name + " cannot be read to its end: " + std::strerror(errno)};
    if (n == 0) break;
    data.append(buf, static_cast<std::size_t>(n));
    if (data.size() > max_bytes)
      return Error{name + " is larger than " + std::to_string(max_bytes) + " bytes"};
  }
  return data;
}

std::string_view without_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace certprint
