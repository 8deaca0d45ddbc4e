#include "common/file.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include <fstream>

#include "common/hex.hpp"
#include "common/random.hpp"

namespace certprint {

Result<std::string> read_file(const std::filesystem::path& file, std::string_view what,
                              std::size_t max_bytes) {
  const std::string name = std::string(what) + " " + file.string();
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    const int err = errno;
    Error e{name + " cannot be read: " + std::strerror(err)};
    if (err == ENOENT) e.code = ErrorCode::not_found;
    return e;
  }
  std::string data;
  char buf[64 * 1024];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    data.append(buf, static_cast<std::size_t>(in.gcount()));
    if (data.size() > max_bytes)
      return Error{name + " is larger than " + std::to_string(max_bytes) + " bytes"};
  }
  if (in.bad()) return Error{name + " cannot be read to its end"};
  return data;
}

Status create_private_file(const std::filesystem::path& file, std::string_view bytes) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"cannot create " + file.string() + ": " + std::strerror(errno)};
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  const int write_errno = errno;
  const bool closed = ::close(fd) == 0;
  if (done == bytes.size() && closed) return {};
  std::error_code ec;
  std::filesystem::remove(file, ec);
  return Error{"cannot write " + file.string() + ": " +
               std::strerror(done < bytes.size() ? write_errno : errno)};
}

Status write_private_file(const std::filesystem::path& file, std::string_view bytes) {
  std::uint8_t suffix[6];
  if (auto s = system_random()(suffix); !s) return s;
  const auto tmp =
      file.parent_path() / ("." + file.filename().string() + "." + to_hex(suffix) + ".tmp");
  if (auto s = create_private_file(tmp, bytes); !s) return s;
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (!ec) return {};
  std::filesystem::remove(tmp, ec);
  return Error{"cannot move " + tmp.string() + " to " + file.string() + ": " + ec.message()};
}

}  // namespace certprint
