// Token keys on disk: one `key-<id>.hex` file per key in a directory that only
// the service can read.
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>

#include "common/hex.hpp"
#include "common/secret_file.hpp"
#include "token/token.hpp"

namespace certprint::token {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kFilePrefix = "key-";
constexpr std::string_view kFileSuffix = ".hex";
constexpr std::size_t kHexDigits = kSecretBytes * 2;
// Anything bigger is not a key file; refuse it before reading it whole.
constexpr std::uintmax_t kMaxKeyFileBytes = 4096;

std::string quoted(const fs::path& p) { return "\"" + p.string() + "\""; }

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

bool is_key_file_name(const std::string& name) {
  return name.size() > kFilePrefix.size() + kFileSuffix.size() && name.starts_with(kFilePrefix) &&
         name.ends_with(kFileSuffix);
}

// Leading zeros are accepted so that `key-01.hex` next to `key-1.hex` is caught
// as a duplicate instead of as a second, silently ignored key.
Result<std::uint8_t> parse_id(const std::string& name) {
  const std::string digits =
      name.substr(kFilePrefix.size(), name.size() - kFilePrefix.size() - kFileSuffix.size());
  const bool all_digits =
      std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!all_digits || digits.size() > 3 || std::stoi(digits) < 1 || std::stoi(digits) > 255) {
    return Error{"id \"" + digits + "\" in the file name should be a number from 1 to 255"};
  }
  return static_cast<std::uint8_t>(std::stoi(digits));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

Result<std::array<std::uint8_t, kSecretBytes>> parse_secret(std::string text) {
  if (text.ends_with('\n')) text.pop_back();
  if (text.ends_with('\r')) text.pop_back();  // a CRLF line end
  const std::string expected =
      "should hold " + std::to_string(kHexDigits) + " lowercase hex digits on one line";
  if (text.size() != kHexDigits) {
    return Error{expected + ", found " + std::to_string(text.size()) + " characters"};
  }
  std::array<std::uint8_t, kSecretBytes> secret{};
  for (std::size_t i = 0; i < kSecretBytes; ++i) {
    const int hi = hex_value(text[2 * i]);
    const int lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      const std::size_t bad = hi < 0 ? 2 * i : 2 * i + 1;
      const auto u = static_cast<unsigned char>(text[bad]);
      // Never echo secret material: name only the offending character's kind.
      const std::string what = (u >= 'A' && u <= 'F')     ? "an uppercase hex digit"
                               : (u == '\n' || u == '\r') ? "a line break"
                                                          : "not a hex digit";
      OPENSSL_cleanse(text.data(), text.size());
      return Error{expected + "; character " + std::to_string(bad + 1) + " is " + what};
    }
    secret[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  OPENSSL_cleanse(text.data(), text.size());
  return secret;
}

Result<Key> read_key_file(const fs::path& file, std::uint8_t id) {
  std::error_code ec;
  const auto status = fs::status(file, ec);
  if (ec) return Error{"key file " + quoted(file) + ": " + ec.message()};
  if (!fs::is_regular_file(status)) {
    return Error{"key file " + quoted(file) + " is not a regular file; remove or rename it"};
  }
  const auto size = fs::file_size(file, ec);
  if (ec) return Error{"key file " + quoted(file) + ": " + ec.message()};
  if (size > kMaxKeyFileBytes) {
    return Error{"key file " + quoted(file) + " is " + std::to_string(size) +
                 " bytes; a key file holds one line of " + std::to_string(kHexDigits) +
                 " hex digits"};
  }
  auto text = read_secret_file(file, "key file", kMaxKeyFileBytes);
  if (!text) return text.error();
  auto secret = parse_secret(std::move(*text));
  if (!secret) return wrap("key file " + quoted(file), secret.error());
  Key key;
  key.id = id;
  key.secret = *secret;
  return key;
}

// Every well-named key file of `dir`, sorted by id; an empty directory is not
// an error here because generate_key starts from one.
Result<std::vector<Key>> scan_dir(const fs::path& dir) {
  std::error_code ec;
  const auto status = fs::status(dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return Error{"key directory " + quoted(dir) + ": " + ec.message()};
  }
  if (!fs::exists(status)) {
    return Error{"key directory " + quoted(dir) + " does not exist; generate a key first"};
  }
  if (!fs::is_directory(status)) {
    return Error{"key directory " + quoted(dir) + " is not a directory"};
  }

  std::vector<Key> keys;
  std::vector<std::string> names;  // parallel to keys, for the duplicate message
  fs::directory_iterator it(dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!is_key_file_name(name)) continue;
    auto id = parse_id(name);
    if (!id) return wrap("key file " + quoted(it->path()), id.error());
    auto key = read_key_file(it->path(), *id);
    if (!key) return key.error();
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (keys[i].id == *id) {
        return Error{"key files " + quoted(dir / names[i]) + " and " + quoted(it->path()) +
                     " both have id " + std::to_string(*id) + "; remove one of them"};
      }
    }
    keys.push_back(*key);
    names.push_back(name);
  }
  if (ec) return Error{"key directory " + quoted(dir) + ": " + ec.message()};
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) { return a.id < b.id; });
  return keys;
}

std::string to_hex_line(const std::array<std::uint8_t, kSecretBytes>& secret) {
  return to_hex(secret) + '\n';
}

Status write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error{errno_text(errno)};
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::success();
}

// Publishes the key under its final name only once it is complete on disk, so
// a crash never leaves a truncated key file that load_dir would refuse.
// link() instead of rename(): two generators racing for the same id must not
// replace a key that may already have signed tokens.
Status write_key_file(const fs::path& dir, const Key& key) {
  const std::string final_name =
      std::string(kFilePrefix) + std::to_string(key.id) + std::string(kFileSuffix);
  const fs::path final_path = dir / final_name;
  std::string tmpl = (dir / ("." + final_name + ".XXXXXX")).string();

  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return Error{"cannot create a key file in " + quoted(dir) + ": " + errno_text(errno)};
  const fs::path tmp_path = tmpl;
  auto fail = [&](const std::string& what) -> Status {
    ::close(fd);
    ::unlink(tmp_path.c_str());
    return Error{"key file " + quoted(final_path) + ": " + what};
  };

  // mkstemp already uses 0600 in practice; fchmod states it for every libc
  // and umask.
  if (::fchmod(fd, S_IRUSR | S_IWUSR) != 0) return fail("chmod 0600 failed: " + errno_text(errno));
  std::string line = to_hex_line(key.secret);
  const Status written = write_all(fd, line);
  OPENSSL_cleanse(line.data(), line.size());
  if (!written) return fail("write failed: " + written.message());
  if (::fsync(fd) != 0) return fail("fsync failed: " + errno_text(errno));
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp_path.c_str());
    return Error{"key file " + quoted(final_path) + ": close failed: " + errno_text(err)};
  }

  if (::link(tmp_path.c_str(), final_path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp_path.c_str());
    if (err == EEXIST) {
      return Error{"key file " + quoted(final_path) +
                   " appeared while generating it (another generator running?); try again"};
    }
    return Error{"key file " + quoted(final_path) + ": cannot publish: " + errno_text(err)};
  }
  ::unlink(tmp_path.c_str());

  // Make the new directory entry durable too.
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0)
    return Error{"key directory " + quoted(dir) + ": open failed: " + errno_text(errno)};
  const int sync_rc = ::fsync(dir_fd);
  const int sync_err = errno;
  ::close(dir_fd);
  if (sync_rc != 0)
    return Error{"key directory " + quoted(dir) + ": fsync failed: " + errno_text(sync_err)};
  return Status::success();
}

Status ensure_dir(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec)) return Status::success();
  const fs::path parent = dir.parent_path();
  if (!parent.empty()) {
    fs::create_directories(parent, ec);
    if (ec) return Error{"cannot create " + quoted(parent) + ": " + ec.message()};
  }
  // mkdir with 0700 directly: the key directory must never exist, even for a
  // moment, with wider permissions.
  if (::mkdir(dir.c_str(), S_IRWXU) != 0 && errno != EEXIST) {
    return Error{"cannot create key directory " + quoted(dir) + ": " + errno_text(errno)};
  }
  if (::chmod(dir.c_str(), S_IRWXU) != 0) {
    return Error{"key directory " + quoted(dir) + ": chmod 0700 failed: " + errno_text(errno)};
  }
  return Status::success();
}

}  // namespace

Result<KeyRing> KeyRing::load_dir(const fs::path& dir) {
  auto keys = scan_dir(dir);
  if (!keys) return keys.error();
  if (keys->empty()) {
    return Error{"key directory " + quoted(dir) +
                 " holds no key-<id>.hex files; generate a key first"};
  }
  KeyRing ring;
  ring.keys_ = std::move(*keys);
  return ring;
}

KeyRing KeyRing::from_keys(std::vector<Key> keys) {
  assert(!keys.empty());
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) { return a.id < b.id; });
  assert(std::adjacent_find(keys.begin(), keys.end(),
                            [](const Key& a, const Key& b) { return a.id == b.id; }) == keys.end());
  KeyRing ring;
  ring.keys_ = std::move(keys);
  return ring;
}

const Key& KeyRing::signing_key() const {
  assert(!keys_.empty());
  return keys_.back();
}

const Key* KeyRing::find(std::uint8_t id) const {
  const auto it = std::lower_bound(keys_.begin(), keys_.end(), id,
                                   [](const Key& k, std::uint8_t v) { return k.id < v; });
  return it != keys_.end() && it->id == id ? &*it : nullptr;
}

Result<Key> generate_key(const fs::path& dir, const RandomSource& random) {
  if (Status s = ensure_dir(dir); !s) return s.error();
  auto existing = scan_dir(dir);
  if (!existing) return existing.error();
  const int next = existing->empty() ? 1 : existing->back().id + 1;
  if (next > 255) {
    return Error{"key directory " + quoted(dir) +
                 ": key id 255 is in use and ids go up to 255; retire old keys before adding one"};
  }

  Key key;
  key.id = static_cast<std::uint8_t>(next);
  if (Status s = random(key.secret); !s)
    return wrap("generating key " + std::to_string(next), s.error());
  if (Status s = write_key_file(dir, key); !s) {
    OPENSSL_cleanse(key.secret.data(), key.secret.size());
    return s.error();
  }
  return key;
}

}  // namespace certprint::token
