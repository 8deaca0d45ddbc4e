// Base45 per RFC 9285: two bytes become three characters, least significant
// digit first; a trailing odd byte becomes two characters.
#include <array>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "token/token.hpp"

namespace certprint::token {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
static_assert(kAlphabet.size() == 45);

constexpr std::array<std::int8_t, 256> make_reverse_table() {
  std::array<std::int8_t, 256> table{};
  for (auto& v : table) v = -1;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  }
  return table;
}
constexpr std::array<std::int8_t, 256> kReverse = make_reverse_table();

// Scanned input may hold anything; quote printable characters and show the
// rest as hex so the message stays one readable line.
std::string describe_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", u);
  return buf;
}

}  // namespace

std::string base45_encode(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve(bytes.size() / 2 * 3 + bytes.size() % 2 * 2);
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) {
    unsigned n = bytes[i] * 256u + bytes[i + 1];
    out += kAlphabet[n % 45];
    n /= 45;
    out += kAlphabet[n % 45];
    out += kAlphabet[n / 45];
  }
  if (i < bytes.size()) {
    const unsigned n = bytes[i];
    out += kAlphabet[n % 45];
    out += kAlphabet[n / 45];
  }
  return out;
}

Result<std::vector<std::uint8_t>> base45_decode(std::string_view text) {
  if (text.size() % 3 == 1) {
    return Error{"base45: " + std::to_string(text.size()) +
                 " characters leave a single character at the end; the length must be a "
                 "multiple of 3, or one less"};
  }
  std::vector<int> digits(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const int d = kReverse[static_cast<unsigned char>(text[i])];
    if (d < 0) {
      return Error{"base45: character " + describe_char(text[i]) + " at position " +
                   std::to_string(i) +
                   " is not in the Base45 alphabet (0-9, A-Z, space, $%*+-./:)"};
    }
    digits[i] = d;
  }

  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 3 * 2 + 1);
  std::size_t i = 0;
  for (; i + 2 < text.size(); i += 3) {
    const unsigned n = digits[i] + digits[i + 1] * 45u + digits[i + 2] * 45u * 45u;
    if (n > 0xffff) {
      return Error{"base45: \"" + std::string(text.substr(i, 3)) + "\" at position " +
                   std::to_string(i) + " decodes to " + std::to_string(n) +
                   ", more than two bytes can hold (65535)"};
    }
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(n & 0xff));
  }
  if (i < text.size()) {
    const unsigned n = digits[i] + digits[i + 1] * 45u;
    if (n > 0xff) {
      return Error{"base45: final \"" + std::string(text.substr(i, 2)) + "\" at position " +
                   std::to_string(i) + " decodes to " + std::to_string(n) +
                   ", more than one byte can hold (255)"};
    }
    out.push_back(static_cast<std::uint8_t>(n));
  }
  return out;
}

}  // namespace certprint::token
