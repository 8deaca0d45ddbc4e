// Text from outside (CUPS messages, printer names, request paths) made safe
// to store, serialise and log.
#pragma once

#include <string>
#include <string_view>

namespace certprint {

// The text with every byte that is not part of a well-formed UTF-8 sequence
// (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF) replaced by
// U+FFFD.
std::string valid_utf8(std::string_view text);

// For one log line: control characters (newlines included) and backslashes
// escaped as \xNN, so no caller can start a line or forge a priority prefix;
// invalid UTF-8 replaced as by valid_utf8.
std::string loggable(std::string_view text);

}  // namespace certprint
