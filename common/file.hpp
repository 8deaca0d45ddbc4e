// Reading a whole file into memory, and writing files that hold personal
// data (owner-only from the moment they exist), with errors naming the file.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace certprint {

// The file's bytes. Fails (code not_found when it does not exist) naming the
// file and the reason; `what` describes it in the message ("token file").
// Files over `max_bytes` are refused rather than read.
Result<std::string> read_file(const std::filesystem::path& file, std::string_view what = "file",
                              std::size_t max_bytes = 64 * 1024 * 1024);

// Makes `file`, which must not exist yet, with mode 0600 from its creation
// (open with O_CREAT|O_EXCL, never a chmod after; a umask can only narrow
// it) and writes `bytes` to it. On failure nothing is left behind.
Status create_private_file(const std::filesystem::path& file, std::string_view bytes);

// Puts `bytes` at `file` readable by its owner only: written to a fresh
// 0600 file beside it (create_private_file), then renamed over `file`. A
// file already there is replaced, not reused with its old mode, and a
// reader never sees half of it.
Status write_private_file(const std::filesystem::path& file, std::string_view bytes);

}  // namespace certprint
