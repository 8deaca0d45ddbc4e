// Who is calling: bearer tokens mapped to a name and a role. Each role may
// do only its own calls (see api.hpp).
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace certprint::api {

// monitor: a health check's or a metrics scraper's token, which may read
// /healthz and /metrics only.
enum class Role { registry, clerk, technician, verifier, monitor };
std::string_view to_string(Role r);
std::optional<Role> role_from_string(std::string_view s);

struct Caller {
  std::string name;  // e.g. "clerk-desk-3": for the audit log
  Role role = Role::verifier;
};

// The token file: one line per token, "ROLE NAME SECRET" (secret at least 32
// characters), '#' comments and blank lines ignored, CRLF line ends read as
// LF. load() refuses a file its group or others may read (chmod 600). Only
// SHA-256 hashes of the secrets are kept in memory; lookups compare in
// constant time.
class TokenTable {
 public:
  static Result<TokenTable> load(const std::filesystem::path& file);
  static Result<TokenTable> parse(std::string_view text, std::string_view origin);
  // The caller a bearer secret belongs to, or nullopt.
  std::optional<Caller> find(std::string_view secret) const;
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::array<unsigned char, 32> hash;
    Caller caller;
  };
  std::vector<Entry> entries_;
};

// "Bearer XYZ" -> "XYZ"; empty when the header is not a bearer credential.
std::string_view bearer_secret(std::string_view authorization_header);

}  // namespace certprint::api
