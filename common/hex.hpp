// Lowercase hexadecimal text of bytes: key files, event ids, job names,
// signatures.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace certprint {

std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace certprint
