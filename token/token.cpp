// Issuing and checking QR tokens.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "token/token.hpp"

namespace certprint::token {
namespace {

constexpr std::size_t kTokenBytes = 2 + kHandleBytes + kTagBytes;
static_assert(kTokenBytes == 28, "the header's format and QR sizing assume 28 bytes");

using Tag = std::array<std::uint8_t, kTagBytes>;

struct MacDeleter {
  void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
};
struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};

std::string openssl_error(const char* what) {
  char buf[256];
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  return std::string("OpenSSL ") + what + " failed: " + buf;
}

// EVP_MAC with two updates instead of HMAC() over one buffer: the record holds
// personal data and is not copied into a second buffer.
Result<Tag> compute_tag(const Key& key, std::uint8_t version,
                        const std::array<std::uint8_t, kHandleBytes>& handle,
                        std::string_view record) {
  std::unique_ptr<EVP_MAC, MacDeleter> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) return Error{openssl_error("EVP_MAC_fetch(HMAC)")};
  std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx(EVP_MAC_CTX_new(mac.get()));
  if (!ctx) return Error{openssl_error("EVP_MAC_CTX_new")};

  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_MAC_init(ctx.get(), key.secret.data(), key.secret.size(), params) != 1) {
    return Error{openssl_error("EVP_MAC_init(HMAC-SHA256)")};
  }

  std::array<std::uint8_t, 2 + kHandleBytes> header{};
  header[0] = version;
  header[1] = key.id;
  std::copy(handle.begin(), handle.end(), header.begin() + 2);
  if (EVP_MAC_update(ctx.get(), header.data(), header.size()) != 1 ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(record.data()),
                     record.size()) != 1) {
    return Error{openssl_error("EVP_MAC_update")};
  }

  std::array<std::uint8_t, EVP_MAX_MD_SIZE> full{};
  std::size_t full_len = 0;
  if (EVP_MAC_final(ctx.get(), full.data(), &full_len, full.size()) != 1 || full_len < kTagBytes) {
    return Error{openssl_error("EVP_MAC_final")};
  }
  Tag tag{};
  std::copy_n(full.begin(), kTagBytes, tag.begin());
  return tag;
}

// For the calls whose contract has no error channel. HMAC-SHA256 from the
// default provider fails only when the process is out of memory or OpenSSL is
// misconfigured; answering "mismatch" then would brand genuine certificates
// forged, so stop loudly instead.
Tag compute_tag_or_abort(const Key& key, std::uint8_t version,
                         const std::array<std::uint8_t, kHandleBytes>& handle,
                         std::string_view record) {
  auto tag = compute_tag(key, version, handle, record);
  if (!tag) {
    std::fprintf(stderr, "certprint token: %s\n", tag.error().message.c_str());
    std::abort();
  }
  return *tag;
}

std::string encode(std::uint8_t key_id, const std::array<std::uint8_t, kHandleBytes>& handle,
                   const Tag& tag) {
  std::array<std::uint8_t, kTokenBytes> bytes{};
  bytes[0] = kVersion;
  bytes[1] = key_id;
  std::copy(handle.begin(), handle.end(), bytes.begin() + 2);
  std::copy(tag.begin(), tag.end(), bytes.begin() + 2 + kHandleBytes);
  return std::string(kPrefix) + base45_encode(bytes);
}

}  // namespace

Result<std::string> issue(const KeyRing& keys, std::string_view record,
                          const RandomSource& random) {
  if (keys.keys().empty()) return Error{"token: the key ring is empty; load or generate a key"};
  const Key& key = keys.signing_key();
  std::array<std::uint8_t, kHandleBytes> handle{};
  if (Status s = random(handle); !s) return wrap("token handle", s.error());
  auto tag = compute_tag(key, kVersion, handle, record);
  if (!tag) return wrap("token", tag.error());
  return encode(key.id, handle, *tag);
}

std::string issue_with_handle(const Key& key, const std::array<std::uint8_t, kHandleBytes>& handle,
                              std::string_view record) {
  return encode(key.id, handle, compute_tag_or_abort(key, kVersion, handle, record));
}

Result<TokenParts> decode(std::string_view token) {
  // The scanned text is not echoed: a wrong symbol may be some other QR code
  // that carries personal data, and these messages end up in logs.
  if (!token.starts_with(kPrefix)) {
    return Error{"token prefix should be " + std::string(kPrefix) + " (scanned text of " +
                 std::to_string(token.size()) + " characters does not start with it)"};
  }
  auto bytes = base45_decode(token.substr(kPrefix.size()));
  if (!bytes) return wrap("token", bytes.error());
  if (bytes->size() != kTokenBytes) {
    return Error{"token is " + std::to_string(bytes->size()) + " bytes, expected " +
                 std::to_string(kTokenBytes)};
  }
  const auto& b = *bytes;
  if (b[0] != kVersion) {
    return Error{"unknown token version " + std::to_string(b[0]) + ", this build reads version " +
                 std::to_string(kVersion)};
  }
  TokenParts parts;
  parts.version = b[0];
  parts.key_id = b[1];
  std::copy_n(b.begin() + 2, kHandleBytes, parts.handle.begin());
  std::copy_n(b.begin() + 2 + kHandleBytes, kTagBytes, parts.tag.begin());
  return parts;
}

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::match:
      return "match";
    case Verdict::mismatch:
      return "mismatch";
    case Verdict::unknown_key:
      return "unknown_key";
    case Verdict::malformed:
      return "malformed";
  }
  return "invalid verdict";
}

Verdict verify(const KeyRing& keys, std::string_view token, std::string_view record) {
  auto parts = decode(token);
  if (!parts) return Verdict::malformed;
  const Key* key = keys.find(parts->key_id);
  if (key == nullptr) return Verdict::unknown_key;
  const Tag expected = compute_tag_or_abort(*key, parts->version, parts->handle, record);
  // Constant time, so response timing does not let a forger learn the tag
  // byte by byte.
  return CRYPTO_memcmp(expected.data(), parts->tag.data(), kTagBytes) == 0 ? Verdict::match
                                                                           : Verdict::mismatch;
}

}  // namespace certprint::token
