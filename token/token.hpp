// The QR token of a booklet: opaque without the key.
//
//   token  = "CP:" + Base45( version | key_id | handle | tag )
//   version = 0x01 (1 byte), key_id (1 byte, 1..255), handle (10 random bytes),
//   tag = HMAC-SHA256(key, version | key_id | handle | record)[0..16)
//
// 28 bytes encode to 42 Base45 characters, 45 with the prefix: all in QR
// alphanumeric mode, so the symbol is QR version 3 at level Q (47 characters).
// The record is the booklet's canonical byte string (issuance library); the
// token carries nothing of it in clear, and no bare hash of any field.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/random.hpp"
#include "common/result.hpp"

namespace certprint::token {

inline constexpr std::string_view kPrefix = "CP:";
inline constexpr std::uint8_t kVersion = 1;
inline constexpr std::size_t kHandleBytes = 10;
inline constexpr std::size_t kTagBytes = 16;
inline constexpr std::size_t kSecretBytes = 32;

// RFC 9285 Base45.
std::string base45_encode(std::span<const std::uint8_t> bytes);
// Refuses characters outside the alphabet, a dangling single character and
// triplets/pairs whose value does not fit in 16/8 bits.
Result<std::vector<std::uint8_t>> base45_decode(std::string_view text);

struct Key {
  std::uint8_t id = 0;  // 1..255
  std::array<std::uint8_t, kSecretBytes> secret{};
};

// The keys of a directory: files named `key-<id>.hex`, each holding the
// 64-hex-digit secret on one line, directly in the directory (active) or in
// its `retired/` folder (retired). The active key with the highest id signs;
// every key, active or retired, verifies. An id names one key in either
// folder (a token holds it in one byte: 1..255). Other file names are
// ignored. Immutable once built, so one KeyRing may be shared by threads
// without locking.
class KeyRing {
 public:
  // Fails on a missing or empty directory, no active key, a malformed key
  // file or one its group or others may read (the error names the file), or
  // an id used twice.
  static Result<KeyRing> load_dir(const std::filesystem::path& dir);
  // For tests: every key active; REQUIRES: non-empty, ids distinct.
  static KeyRing from_keys(std::vector<Key> keys);

  const Key& signing_key() const;          // the active key with the highest id
  const Key* find(std::uint8_t id) const;  // nullptr when unknown
  const std::vector<Key>& keys() const { return keys_; }

 private:
  std::vector<Key> keys_;  // sorted by id, active and retired
  std::uint8_t signing_id_ = 0;
};

// Makes a new key in `dir` (created if absent, mode 0700), written with mode
// 0600, that signs from now on. Its id is the highest active id + 1 when no
// key holds that; otherwise (after 255) the lowest id no key, active or
// retired, holds, and then every other active key is moved to `retired/`
// (made 0700), where it still verifies. The file appears under its final
// name only when complete, and an existing key file is never replaced.
// Fails when all 255 ids are taken (the message says how to free one), or
// when a `key-*.hex` file in `dir` or `retired/` is malformed.
Result<Key> generate_key(const std::filesystem::path& dir, const RandomSource& random);

struct TokenParts {
  std::uint8_t version = 0;
  std::uint8_t key_id = 0;
  std::array<std::uint8_t, kHandleBytes> handle{};
  std::array<std::uint8_t, kTagBytes> tag{};
};

// Makes a token for `record` with a fresh random handle and the signing key.
Result<std::string> issue(const KeyRing& keys, std::string_view record, const RandomSource& random);
// Same with a given handle (deterministic; for tests and re-rendering a stored token).
// Aborts the process if OpenSSL cannot compute HMAC-SHA256 at all (out of
// memory, broken OpenSSL configuration); verify() does the same rather than
// answer "mismatch" for a genuine token.
std::string issue_with_handle(const Key& key, const std::array<std::uint8_t, kHandleBytes>& handle,
                              std::string_view record);

// Splits a token into its parts; fails on a wrong prefix, bad Base45, wrong
// length or unknown version.
Result<TokenParts> decode(std::string_view token);

enum class Verdict { match, mismatch, unknown_key, malformed };
std::string_view to_string(Verdict v);

// Recomputes the tag for `record` with the token's key and compares it in
// constant time.
Verdict verify(const KeyRing& keys, std::string_view token, std::string_view record);

}  // namespace certprint::token
