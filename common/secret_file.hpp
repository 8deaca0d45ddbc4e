// Reading files that hold secrets: the API token file, signing keys, the
// callback secret, a client's token. As ssh does with a private key, a file
// that its group or others may read, write or run is refused: a secret
// readable by every account of the host is no secret.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace certprint {

// The file's bytes. Fails naming the file (`what` describes it, "token
// file") when it cannot be opened (code not_found when it does not exist),
// is not a regular file, is over `max_bytes`, or when its mode gives its
// group or others any permission; that message gives the mode and the fix
// (`chmod 600 FILE`). The mode is read from the opened file, so it is the
// file actually read.
Result<std::string> read_secret_file(const std::filesystem::path& file, std::string_view what,
                                     std::size_t max_bytes = 64 * 1024);

// The line without its trailing '\r', for files written with CRLF line ends.
std::string_view without_cr(std::string_view line);

}  // namespace certprint
