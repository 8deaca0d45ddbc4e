#include "common/file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

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

}  // namespace certprint
