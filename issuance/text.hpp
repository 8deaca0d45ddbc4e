// Text checks shared by the issuance validators: UTF-8 decoding and the
// character classes the format refuses. Internal to certprint::issuance.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace certprint::issuance::text {

// Byte offset of the first ill-formed UTF-8 sequence (overlong forms,
// surrogates and code points above U+10FFFF count as ill-formed), or nullopt.
std::optional<std::size_t> first_invalid_utf8(std::string_view s);

// Decodes well-formed UTF-8. REQUIRES: !first_invalid_utf8(s).
std::u32string decode_utf8(std::string_view s);

// C0, DEL, C1, line/paragraph separators and bidirectional formatting marks:
// none of them can be printed, and the bidi marks can make a printed name
// read differently from the record.
bool is_refused_control(char32_t c);

// Unicode White_Space (ASCII blanks, NBSP, U+3000 ideographic space, ...).
bool is_space(char32_t c);

// "U+3000".
std::string code_point_name(char32_t c);

}  // namespace certprint::issuance::text
