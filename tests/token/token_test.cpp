#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "support/temp_dir.hpp"
#include "token/token.hpp"

namespace {

using certprint::Error;
using certprint::Status;
using certprint::testing::TempDir;
using namespace certprint;
using namespace certprint::token;

// The QR alphanumeric character set (ISO/IEC 18004 table 5).
constexpr std::string_view kQrAlphanumeric = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

// Shaped like a canonical booklet record; the token library treats it as bytes.
const std::string kRecord =
    "certprint-booklet-v1|J440106-2026-000123|male|0012345678|2026-05-12|440106|"
    "张三|440106199001011234|李四|44010619920202123X";

Key make_key(std::uint8_t id, std::uint8_t first_byte) {
  Key k;
  k.id = id;
  for (std::size_t i = 0; i < k.secret.size(); ++i) {
    k.secret[i] = static_cast<std::uint8_t>(first_byte + i);
  }
  return k;
}

RandomSource counting_random(std::uint8_t start = 0) {
  return [next = start](std::span<std::uint8_t> out) mutable -> Status {
    for (auto& b : out) b = next++;
    return Status::success();
  };
}

std::array<std::uint8_t, kHandleBytes> handle_from(std::uint8_t first) {
  std::array<std::uint8_t, kHandleBytes> h{};
  for (std::size_t i = 0; i < h.size(); ++i) h[i] = static_cast<std::uint8_t>(first + i);
  return h;
}

std::string issue_ok(const KeyRing& ring, std::string_view record, const RandomSource& random) {
  auto t = issue(ring, record, random);
  REQUIRE(t.ok());
  return *t;
}

std::vector<std::uint8_t> token_bytes(std::string_view token) {
  REQUIRE(token.starts_with(kPrefix));
  auto bytes = base45_decode(token.substr(kPrefix.size()));
  REQUIRE(bytes.ok());
  return *bytes;
}

std::string token_from_bytes(std::span<const std::uint8_t> bytes) {
  return std::string(kPrefix) + base45_encode(bytes);
}

std::string decode_error(std::string_view token) {
  auto r = decode(token);
  REQUIRE_FALSE(r.ok());
  return r.error().message;
}

}  // namespace

TEST_CASE("an issued token verifies against its record", "[token]") {
  const auto ring = KeyRing::from_keys({make_key(1, 0x10)});
  const std::string token = issue_ok(ring, kRecord, system_random());
  CHECK(verify(ring, token, kRecord) == Verdict::match);
  CHECK(to_string(verify(ring, token, kRecord)) == "match");
}

TEST_CASE("a token is 45 QR alphanumeric characters", "[token]") {
  const auto ring = KeyRing::from_keys({make_key(200, 0x33)});
  for (int i = 0; i < 200; ++i) {
    const std::string token = issue_ok(ring, kRecord + std::to_string(i), system_random());
    INFO(token);
    CHECK(token.size() == 45);
    CHECK(token.starts_with("CP:"));
    CHECK(token.find_first_not_of(kQrAlphanumeric) == std::string::npos);
  }
}

TEST_CASE("fresh handles make every token of the same record different", "[token]") {
  const auto ring = KeyRing::from_keys({make_key(1, 0x10)});
  const std::string a = issue_ok(ring, kRecord, system_random());
  const std::string b = issue_ok(ring, kRecord, system_random());
  CHECK(a != b);
  CHECK(verify(ring, a, kRecord) == Verdict::match);
  CHECK(verify(ring, b, kRecord) == Verdict::match);
}

TEST_CASE("decode splits a token into its parts", "[token]") {
  const Key key = make_key(42, 0x00);
  const auto handle = handle_from(0xa0);
  auto parts = decode(issue_with_handle(key, handle, kRecord));
  REQUIRE(parts.ok());
  CHECK(parts->version == kVersion);
  CHECK(parts->key_id == 42);
  CHECK(parts->handle == handle);
}

TEST_CASE("issue_with_handle matches an independent computation", "[token]") {
  const Key key = make_key(3, 0x00);  // secret 00 01 .. 1f
  const auto handle = handle_from(0xa0);

  // The layout of the header, computed here with OpenSSL's one-shot HMAC.
  std::vector<std::uint8_t> message = {0x01, 0x03};
  message.insert(message.end(), handle.begin(), handle.end());
  message.insert(message.end(), kRecord.begin(), kRecord.end());
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned mac_len = 0;
  REQUIRE(HMAC(EVP_sha256(), key.secret.data(), static_cast<int>(key.secret.size()), message.data(),
               message.size(), mac.data(), &mac_len) != nullptr);
  REQUIRE(mac_len == 32);
  std::vector<std::uint8_t> bytes = {0x01, 0x03};
  bytes.insert(bytes.end(), handle.begin(), handle.end());
  bytes.insert(bytes.end(), mac.begin(), mac.begin() + 16);
  REQUIRE(bytes.size() == 28);

  const std::string token = issue_with_handle(key, handle, kRecord);
  CHECK(token == "CP:" + base45_encode(bytes));
  // Computed once with Python's hmac module and a separate Base45 encoder;
  // pins the format across builds and implementations.
  CHECK(token == "CP:Y50 DKAPKT K33LMELFC6BD0FDFI:QZEIYGRSP373J");

  const auto ring = KeyRing::from_keys({key});
  CHECK(verify(ring, token, kRecord) == Verdict::match);
}

TEST_CASE("issue signs with the newest key and draws the handle from the source", "[token]") {
  const Key old_key = make_key(1, 0x10);
  const Key new_key = make_key(2, 0x20);
  const auto ring = KeyRing::from_keys({new_key, old_key});
  const std::string token = issue_ok(ring, kRecord, counting_random(0xa0));
  CHECK(token == issue_with_handle(new_key, handle_from(0xa0), kRecord));
}

TEST_CASE("no change of a token's characters or bits makes it match", "[token]") {
  const auto ring = KeyRing::from_keys({make_key(1, 0x10), make_key(2, 0x20)});
  const std::string token = issue_with_handle(ring.signing_key(), handle_from(0x55), kRecord);
  REQUIRE(verify(ring, token, kRecord) == Verdict::match);

  SECTION("every character replaced by every other alphabet or stray character") {
    const std::string candidates = std::string(kQrAlphanumeric) + "abc_#\n";
    for (std::size_t pos = 0; pos < token.size(); ++pos) {
      for (char c : candidates) {
        if (c == token[pos]) continue;
        std::string changed = token;
        changed[pos] = c;
        INFO("position " << pos << " -> '" << c << "'");
        const Verdict v = verify(ring, changed, kRecord);
        CHECK(v != Verdict::match);
        if (pos < kPrefix.size()) CHECK(v == Verdict::malformed);
      }
    }
  }
  SECTION("every bit of the token text flipped") {
    for (std::size_t pos = 0; pos < token.size(); ++pos) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string changed = token;
        changed[pos] = static_cast<char>(changed[pos] ^ (1 << bit));
        INFO("position " << pos << " bit " << bit);
        CHECK(verify(ring, changed, kRecord) != Verdict::match);
      }
    }
  }
  SECTION("every bit of the decoded bytes flipped") {
    const auto bytes = token_bytes(token);
    REQUIRE(bytes.size() == 28);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        auto changed = bytes;
        changed[i] = static_cast<std::uint8_t>(changed[i] ^ (1 << bit));
        INFO("byte " << i << " bit " << bit);
        const Verdict v = verify(ring, token_from_bytes(changed), kRecord);
        if (i == 0) {
          CHECK(v == Verdict::malformed);
        } else if (i == 1) {
          // Key 2 flipped to key 3 and beyond is unknown; to key 0 or 1 it is wrong.
          CHECK((v == Verdict::unknown_key || v == Verdict::mismatch));
        } else {
          CHECK(v == Verdict::mismatch);
        }
      }
    }
  }
  SECTION("truncated or extended") {
    CHECK(verify(ring, token.substr(0, token.size() - 1), kRecord) == Verdict::malformed);
    CHECK(verify(ring, token.substr(0, token.size() - 3), kRecord) == Verdict::malformed);
    CHECK(verify(ring, token + "000", kRecord) == Verdict::malformed);
    CHECK(verify(ring, token + " ", kRecord) == Verdict::malformed);
    CHECK(verify(ring, "", kRecord) == Verdict::malformed);
  }
}

TEST_CASE("a different record gives mismatch", "[token]") {
  const auto ring = KeyRing::from_keys({make_key(1, 0x10)});
  const std::string token = issue_ok(ring, kRecord, system_random());
  std::string one_char = kRecord;
  one_char[one_char.find("000123")] = '1';
  CHECK(verify(ring, token, one_char) == Verdict::mismatch);
  CHECK(verify(ring, token, kRecord + "x") == Verdict::mismatch);
  CHECK(verify(ring, token, kRecord.substr(0, kRecord.size() - 1)) == Verdict::mismatch);
  CHECK(verify(ring, token, "") == Verdict::mismatch);
  CHECK(to_string(Verdict::mismatch) == "mismatch");
}

TEST_CASE("a key the ring lacks gives unknown_key", "[token]") {
  const auto signer = KeyRing::from_keys({make_key(5, 0x10)});
  const auto checker = KeyRing::from_keys({make_key(4, 0x10), make_key(6, 0x10)});
  const std::string token = issue_ok(signer, kRecord, system_random());
  CHECK(verify(checker, token, kRecord) == Verdict::unknown_key);
  CHECK(to_string(Verdict::unknown_key) == "unknown_key");

  // Same id but another secret is a forgery, not an unknown key.
  const auto impostor = KeyRing::from_keys({make_key(5, 0x11)});
  CHECK(verify(impostor, token, kRecord) == Verdict::mismatch);
}

TEST_CASE("keys rotate: the newest signs, older keys still verify", "[token]") {
  TempDir dir;
  REQUIRE(generate_key(dir.path(), system_random()).ok());
  auto ring1 = KeyRing::load_dir(dir.path());
  REQUIRE(ring1.ok());
  const std::string old_token = issue_ok(*ring1, kRecord, system_random());
  REQUIRE(decode(old_token).ok());
  CHECK(decode(old_token)->key_id == 1);

  REQUIRE(generate_key(dir.path(), system_random()).ok());
  auto ring2 = KeyRing::load_dir(dir.path());
  REQUIRE(ring2.ok());
  const std::string new_token = issue_ok(*ring2, kRecord, system_random());
  REQUIRE(decode(new_token).ok());
  CHECK(decode(new_token)->key_id == 2);

  CHECK(verify(*ring2, old_token, kRecord) == Verdict::match);
  CHECK(verify(*ring2, new_token, kRecord) == Verdict::match);
  // A verifier that has not loaded the new key yet cannot check new tokens.
  CHECK(verify(*ring1, new_token, kRecord) == Verdict::unknown_key);
}

TEST_CASE("a token shows nothing of its record", "[token]") {
  const auto ring = KeyRing::from_keys({make_key(1, 0x10)});
  for (std::uint8_t seed = 0; seed < 50; ++seed) {
    const std::string token = issue_with_handle(ring.signing_key(), handle_from(seed), kRecord);
    INFO(token);
    for (std::size_t i = 0; i + 4 <= kRecord.size(); ++i) {
      const std::string_view piece = std::string_view(kRecord).substr(i, 4);
      CHECK(token.find(piece) == std::string::npos);
    }
    // The tag covers the whole record and the handle: no bare hash of the ID
    // number sits in the token.
    const auto bytes = token_bytes(token);
    const std::string id = "440106199001011234";
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned digest_len = 0;
    REQUIRE(EVP_Digest(id.data(), id.size(), digest.data(), &digest_len, EVP_sha256(), nullptr) ==
            1);
    CHECK(std::search(bytes.begin(), bytes.end(), digest.begin(), digest.begin() + 4) ==
          bytes.end());
  }
}

TEST_CASE("a random source failure propagates from issue", "[token]") {
  const auto ring = KeyRing::from_keys({make_key(1, 0x10)});
  const RandomSource broken = [](std::span<std::uint8_t>) -> Status {
    return Error{"getrandom: interrupted"};
  };
  auto token = issue(ring, kRecord, broken);
  REQUIRE_FALSE(token.ok());
  CHECK_THAT(token.error().message,
             Catch::Contains("handle") && Catch::Contains("getrandom: interrupted"));
}

TEST_CASE("issue refuses an empty key ring", "[token]") {
  const KeyRing empty;
  auto token = issue(empty, kRecord, system_random());
  REQUIRE_FALSE(token.ok());
  CHECK_THAT(token.error().message, Catch::Contains("empty"));
  CHECK(verify(empty, "CP:Y50 DKAPKT K33LMELFC6BD0FDFI:QZEIYGRSP373J", kRecord) ==
        Verdict::unknown_key);
}

TEST_CASE("decode gives specific errors", "[token]") {
  const std::string good = issue_with_handle(make_key(1, 0x10), handle_from(0), kRecord);
  REQUIRE(decode(good).ok());

  SECTION("prefix") {
    CHECK_THAT(decode_error("XP:" + good.substr(3)), Catch::Contains("token prefix should be CP:"));
    CHECK_THAT(decode_error("cp:" + good.substr(3)), Catch::Contains("token prefix should be CP:"));
    CHECK_THAT(decode_error(good.substr(3)), Catch::Contains("token prefix should be CP:"));
    CHECK_THAT(decode_error(""), Catch::Contains("token prefix should be CP:"));
  }
  SECTION("the scanned text is not echoed") {
    const std::string other_qr = "440106199001011234 Zhang San";
    CHECK_THAT(decode_error(other_qr), !Catch::Contains("4401061990"));
  }
  SECTION("Base45") {
    CHECK_THAT(decode_error("CP:" + std::string(42, 'a')),
               Catch::Contains("token") && Catch::Contains("Base45 alphabet"));
    CHECK_THAT(decode_error("CP:GGW"), Catch::Contains("65536"));
  }
  SECTION("length") {
    std::vector<std::uint8_t> bytes(27, 0);
    bytes[0] = 1;
    CHECK(decode_error(token_from_bytes(bytes)) == "token is 27 bytes, expected 28");
    bytes.resize(29);
    CHECK(decode_error(token_from_bytes(bytes)) == "token is 29 bytes, expected 28");
    CHECK(decode_error("CP:") == "token is 0 bytes, expected 28");
  }
  SECTION("version") {
    auto bytes = token_bytes(good);
    bytes[0] = 7;
    CHECK_THAT(decode_error(token_from_bytes(bytes)), Catch::StartsWith("unknown token version 7"));
    bytes[0] = 0;
    CHECK_THAT(decode_error(token_from_bytes(bytes)), Catch::StartsWith("unknown token version 0"));
  }
}

TEST_CASE("verdicts have names", "[token]") {
  CHECK(to_string(Verdict::match) == "match");
  CHECK(to_string(Verdict::mismatch) == "mismatch");
  CHECK(to_string(Verdict::unknown_key) == "unknown_key");
  CHECK(to_string(Verdict::malformed) == "malformed");
}
