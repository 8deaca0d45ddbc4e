// Row 5: forged and mutated QR tokens through token::verify, in process.
// Four kinds in turn: a valid token with 1..3 bits of its bytes flipped
// (re-encoded, so it is well-formed), with 1..3 characters replaced by other
// Base45 characters, signed with a wrong key under the right key id, and
// random bytes of the right length with the right version and key id.
#include <random>

#include "reliability/rows.hpp"
#include "token/token.hpp"

namespace certprint::reliability {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

token::Key random_key(std::uint8_t id, std::mt19937_64& rng) {
  token::Key k;
  k.id = id;
  for (auto& b : k.secret) b = static_cast<std::uint8_t>(rng());
  return k;
}

std::string flip_bits(const std::string& valid, std::mt19937_64& rng) {
  auto bytes = token::base45_decode(std::string_view(valid).substr(token::kPrefix.size()));
  std::vector<std::uint8_t> b = *bytes;
  const int flips = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < flips; ++i)
    b[rng() % b.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
  return std::string(token::kPrefix) + token::base45_encode(b);
}

std::string replace_chars(const std::string& valid, std::mt19937_64& rng) {
  std::string t = valid;
  const int changes = 1 + static_cast<int>(rng() % 3);
  const std::size_t body = t.size() - token::kPrefix.size();
  for (int i = 0; i < changes; ++i) {
    char& c = t[token::kPrefix.size() + rng() % body];
    char other = c;
    while (other == c) other = kAlphabet[rng() % kAlphabet.size()];
    c = other;
  }
  return t;
}

std::string random_token(std::uint8_t key_id, std::mt19937_64& rng) {
  std::vector<std::uint8_t> b(2 + token::kHandleBytes + token::kTagBytes);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  b[0] = token::kVersion;
  b[1] = key_id;
  return std::string(token::kPrefix) + token::base45_encode(b);
}

}  // namespace

Row token_row(const Settings& s) {
  Row row{std::to_string(s.tokens) + " forged and mutated tokens", "0 accepted", "", false};
  progress("row 5: verifying " + std::to_string(s.tokens) + " forged and mutated tokens");
  std::mt19937_64 rng(20261128);
  const token::KeyRing keys = token::KeyRing::from_keys({random_key(1, rng), random_key(2, rng)});
  const token::KeyRing wrong = token::KeyRing::from_keys({random_key(2, rng)});
  const auto record = issuance::load_issuance_file(s.src / "samples" / "marriage.json",
                                                   {issuance::Date{2026, 11, 28}});
  if (!record) return row.measured = record.error().message, row;
  const std::string booklet = issuance::canonical_booklet_record(*record, issuance::Holder::male);
  std::vector<std::string> valid;
  for (int i = 0; i < 64; ++i) valid.push_back(*token::issue(keys, booklet, system_random()));
  long accepted = 0, kinds[4] = {0, 0, 0, 0}, malformed = 0;
  const bool genuine_ok = token::verify(keys, valid[0], booklet) == token::Verdict::match;
  const auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < s.tokens; ++i) {
    const std::string& base = valid[i % valid.size()];
    const int kind = static_cast<int>(i % 4);
    // Two flips of one bit, or a character changed and changed back, give
    // the genuine token again: such a draw is made anew.
    std::string t = base;
    while (t == base)
      t = kind == 0   ? flip_bits(base, rng)
          : kind == 1 ? replace_chars(base, rng)
          : kind == 2 ? *token::issue(wrong, booklet, system_random())
                      : random_token(2, rng);
    const token::Verdict v = token::verify(keys, t, booklet);
    if (v == token::Verdict::match) ++accepted;
    if (v == token::Verdict::malformed) ++malformed;
    ++kinds[kind];
    if ((i + 1) % 250000 == 0) progress("  " + std::to_string(i + 1) + " tokens verified");
  }
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  row.measured = std::to_string(accepted) + " accepted of " + std::to_string(s.tokens) + " (" +
                 std::to_string(kinds[0]) + " bit-flipped, " + std::to_string(kinds[1]) +
                 " characters replaced, " + std::to_string(kinds[2]) + " wrong key, " +
                 std::to_string(kinds[3]) + " random; " + std::to_string(malformed) +
                 " malformed) in " + std::to_string(int(took)) + " s; genuine tokens " +
                 (genuine_ok ? "accepted" : "NOT accepted");
  row.pass = accepted == 0 && genuine_ok;
  return row;
}

}  // namespace certprint::reliability
