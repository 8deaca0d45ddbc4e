// A whole file's bytes, for tests and test tools (empty when unreadable).
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace certprint::testing {

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace certprint::testing
