// Files holding secrets (token files, key files, callback secrets), made as
// certprintd expects them: readable by their owner only (mode 0600).
#pragma once

#include <filesystem>
#include <fstream>
#include <string_view>

namespace certprint::testing {

inline void write_private(const std::filesystem::path& file, std::string_view content) {
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << content;
  }
  std::filesystem::permissions(
      file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

// The same file opened up to group and others (mode 0644), as an editor or
// `cp` under umask 022 would leave it.
inline void write_shared(const std::filesystem::path& file, std::string_view content) {
  write_private(file, content);
  std::filesystem::permissions(
      file, std::filesystem::perms::group_read | std::filesystem::perms::others_read,
      std::filesystem::perm_options::add);
}

}  // namespace certprint::testing
