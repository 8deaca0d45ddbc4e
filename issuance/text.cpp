#include "issuance/text.hpp"

#include <cstdint>
#include <cstdio>

namespace certprint::issuance::text {

namespace {

// Length and minimum code point of a sequence by its lead byte; 0 for a byte
// that cannot start one.
struct Lead {
  int length;
  char32_t min;
};

Lead lead_of(unsigned char b) {
  if (b < 0x80) return {1, 0};
  if (b >= 0xC2 && b <= 0xDF) return {2, 0x80};
  if (b >= 0xE0 && b <= 0xEF) return {3, 0x800};
  if (b >= 0xF0 && b <= 0xF4) return {4, 0x10000};
  return {0, 0};
}

// Decodes one sequence at `i`; returns the code point and advances `i`, or
// returns nullopt without advancing.
std::optional<char32_t> decode_one(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  const Lead lead = lead_of(b0);
  if (lead.length == 0 || i + lead.length > s.size()) return std::nullopt;
  if (lead.length == 1) {
    ++i;
    return b0;
  }
  char32_t c = b0 & (0xFF >> (lead.length + 1));
  for (int k = 1; k < lead.length; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return std::nullopt;
    c = (c << 6) | (b & 0x3F);
  }
  if (c < lead.min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return std::nullopt;
  i += lead.length;
  return c;
}

}  // namespace

std::optional<std::size_t> first_invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    if (!decode_one(s, i)) return i;
  }
  return std::nullopt;
}

std::u32string decode_utf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = decode_one(s, i);
    if (!c) break;  // precondition violated; stop rather than loop forever
    out.push_back(*c);
  }
  return out;
}

bool is_refused_control(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029 || c == 0x200E ||
         c == 0x200F || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

bool is_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

std::string code_point_name(char32_t c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return buf;
}

}  // namespace certprint::issuance::text
