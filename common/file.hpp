// Reading a whole file into memory, with an error that names the file.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "common/result.hpp"

namespace certprint {

// The file's bytes. Fails (code not_found when it does not exist) naming the
// file and the reason; `what` describes it in the message ("token file").
// Files over `max_bytes` are refused rather than read.
Result<std::string> read_file(const std::filesystem::path& file, std::string_view what = "file",
                              std::size_t max_bytes = 64 * 1024 * 1024);

}  // namespace certprint
