// Token keys on disk: one `key-<id>.hex` file per key in a directory that only
// the service can read.
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
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
// Keys that verify but never sign.
constexpr std::string_view kRetiredDir = "retired";
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

// A key file found on disk; `retired` when it lies in the retired/ folder.
struct Found {
  Key key;
  fs::path file;
  bool retired = false;
};

// The well-named key files directly in `folder`, each name after `prefix`,
// appended to `found`; refuses an id already found (in either folder).
Status scan_folder(const fs::path& folder, bool retired, std::vector<Found>& found,
                   const std::string& prefix = "") {
  std::error_code ec;
  fs::directory_iterator it(folder, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string full = it->path().filename().string();
    if (!full.starts_with(prefix)) continue;
    const std::string name = full.substr(prefix.size());
    if (!is_key_file_name(name)) continue;
    auto id = parse_id(name);
    if (!id) return wrap("key file " + quoted(it->path()), id.error());
    auto key = read_key_file(it->path(), *id);
    if (!key) return key.error();
    for (const Found& f : found) {
      if (f.key.id == *id) {
        return Error{"key files " + quoted(f.file) + " and " + quoted(it->path()) +
                     " both have id " + std::to_string(*id) + "; remove one of them"};
      }
    }
    found.push_back({*key, it->path(), retired});
  }
  if (ec) return Error{"key directory " + quoted(folder) + ": " + ec.message()};
  return Status::success();
}

// systemd's LoadCredential=ID:DIR hands each file of DIR over as a
// credential of its own, ID_FILE (a subfolder's files ID_SUB_FILE), in
// $CREDENTIALS_DIRECTORY: keys/key-1.hex arrives as keys_key-1.hex and
// keys/retired/key-1.hex as keys_retired_key-1.hex, with no keys/ folder.
// True when `dir` is missing and its parent holds a key in that form.
bool handed_over_by_systemd(const fs::path& dir) {
  std::error_code ec;
  if (dir.filename().empty() || fs::exists(dir, ec)) return false;
  const std::string id = dir.filename().string();
  fs::directory_iterator it(dir.parent_path(), ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    for (const std::string& prefix : {id + "_", id + "_" + std::string(kRetiredDir) + "_"})
      if (name.starts_with(prefix) && is_key_file_name(name.substr(prefix.size()))) return true;
  }
  return false;
}

Result<std::vector<Found>> scan_credentials(const fs::path& dir) {
  const std::string id = dir.filename().string();
  std::vector<Found> found;
  if (Status s = scan_folder(dir.parent_path(), false, found, id + "_"); !s) return s.error();
  if (Status s =
          scan_folder(dir.parent_path(), true, found, id + "_" + std::string(kRetiredDir) + "_");
      !s)
    return s.error();
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.key.id < b.key.id; });
  return found;
}

// Every key of `dir` and of `dir`/retired (or of their systemd credentials),
// sorted by id; an empty directory is not an error here because
// generate_key starts from one.
Result<std::vector<Found>> scan_dir(const fs::path& dir) {
  if (handed_over_by_systemd(dir)) return scan_credentials(dir);
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
  std::vector<Found> found;
  if (Status s = scan_folder(dir, false, found); !s) return s.error();
  if (fs::is_directory(dir / kRetiredDir, ec)) {
    if (Status s = scan_folder(dir / kRetiredDir, true, found); !s) return s.error();
  }
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.key.id < b.key.id; });
  return found;
}

// The id after the highest active key's when it is free; else the lowest
// id no key (active or retired) holds, as a token names its key by id.
Result<std::uint8_t> next_id(const fs::path& dir, const std::vector<Found>& keys) {
  std::array<bool, 256> taken{};
  int highest_active = 0, retired = 0;
  for (const Found& f : keys) {
    taken[f.key.id] = true;
    if (f.retired)
      ++retired;
    else
      highest_active = std::max(highest_active, int(f.key.id));
  }
  if (highest_active < 255 && !taken[static_cast<std::size_t>(highest_active + 1)])
    return static_cast<std::uint8_t>(highest_active + 1);
  for (int id = 1; id <= 255; ++id)
    if (!taken[static_cast<std::size_t>(id)]) return static_cast<std::uint8_t>(id);
  return Error{"key directory " + quoted(dir) + ": all 255 key ids are taken (" +
               std::to_string(255 - retired) + " active, " + std::to_string(retired) +
               " in retired/); a token holds its key's id in one byte, so no more keys can "
               "verify at once. Free an id by deleting the retired key of the oldest booklets "
               "(retired/key-<id>.hex): its booklets then verify as unknown"};
}

std::string to_hex_line(const std::array<std::uint8_t, kSecretBytes>& secret) {
  return to_hex(secret) + '\n';
}

Status sync_dir(const fs::path& dir) {
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

  return sync_dir(dir);  // make the new directory entry durable too
}

// Moves every active key into retired/ (made 0700 if absent), where it still
// verifies but no longer signs. link() then unlink(), so a retired key with
// the same name is never replaced.
Status retire_active(const fs::path& dir, const std::vector<Found>& keys) {
  const fs::path retired = dir / kRetiredDir;
  if (::mkdir(retired.c_str(), S_IRWXU) != 0 && errno != EEXIST)
    return Error{"cannot create " + quoted(retired) + ": " + errno_text(errno)};
  for (const Found& f : keys) {
    if (f.retired) continue;
    const fs::path to = retired / f.file.filename();
    if (::link(f.file.c_str(), to.c_str()) != 0 || ::unlink(f.file.c_str()) != 0)
      return Error{"cannot move " + quoted(f.file) + " to " + quoted(to) + ": " +
                   errno_text(errno)};
  }
  if (Status s = sync_dir(retired); !s) return s;
  return sync_dir(dir);
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
  auto found = scan_dir(dir);
  if (!found) return found.error();
  if (found->empty()) {
    return Error{"key directory " + quoted(dir) +
                 " holds no key-<id>.hex files; generate a key first"};
  }
  KeyRing ring;
  for (const Found& f : *found) {
    ring.keys_.push_back(f.key);
    if (!f.retired) ring.signing_id_ = f.key.id;  // sorted: the last active is the highest
  }
  if (ring.signing_id_ == 0) {
    return Error{"key directory " + quoted(dir) +
                 " holds no active key (only retired/ ones), so nothing can sign; run "
                 "certprint keygen --keys " +
                 dir.string()};
  }
  return ring;
}

KeyRing KeyRing::from_keys(std::vector<Key> keys) {
  assert(!keys.empty());
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) { return a.id < b.id; });
  assert(std::adjacent_find(keys.begin(), keys.end(),
                            [](const Key& a, const Key& b) { return a.id == b.id; }) == keys.end());
  KeyRing ring;
  ring.keys_ = std::move(keys);
  ring.signing_id_ = ring.keys_.back().id;
  return ring;
}

const Key& KeyRing::signing_key() const {
  const Key* key = find(signing_id_);
  assert(key != nullptr);
  return *key;
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
  auto next = next_id(dir, *existing);
  if (!next) return next.error();
  const bool below_active = std::any_of(existing->begin(), existing->end(), [&](const Found& f) {
    return !f.retired && f.key.id > *next;
  });

  Key key;
  key.id = *next;
  if (Status s = random(key.secret); !s)
    return wrap("generating key " + std::to_string(*next), s.error());
  if (Status s = write_key_file(dir, key); !s) {
    OPENSSL_cleanse(key.secret.data(), key.secret.size());
    return s.error();
  }
  // The ids wrapped: the new key signs only once the higher ones are retired.
  // Written first, so a failure here leaves the old key signing, not none.
  if (below_active) {
    if (Status s = retire_active(dir, *existing); !s)
      return wrap("key " + std::to_string(*next) +
                      " was written, but the older keys are still "
                      "active, so it does not sign; move them into " +
                      quoted(dir / kRetiredDir) + " by hand",
                  s.error());
  }
  return key;
}

}  // namespace certprint::token
