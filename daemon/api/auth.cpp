#include "daemon/api/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <sstream>

#include "common/secret_file.hpp"

namespace certprint::api {
namespace {

std::array<unsigned char, 32> sha256(std::string_view s) {
  std::array<unsigned char, 32> h{};
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), h.data());
  return h;
}

}  // namespace

std::string_view to_string(Role r) {
  switch (r) {
    case Role::registry:
      return "registry";
    case Role::clerk:
      return "clerk";
    case Role::technician:
      return "technician";
    case Role::verifier:
      return "verifier";
    case Role::monitor:
      break;
  }
  return "monitor";
}

std::optional<Role> role_from_string(std::string_view s) {
  for (Role r : {Role::registry, Role::clerk, Role::technician, Role::verifier, Role::monitor})
    if (to_string(r) == s) return r;
  return std::nullopt;
}

Result<TokenTable> TokenTable::parse(std::string_view text, std::string_view origin) {
  TokenTable t;
  std::istringstream in{std::string(text)};
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    line = std::string(without_cr(line));
    const auto where = std::string(origin) + ":" + std::to_string(n);
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string role, name, secret, extra;
    fields >> role >> name >> secret;
    if (role.empty()) continue;
    if (secret.empty() || (fields >> extra))
      return Error{where + ": expected \"ROLE NAME SECRET\""};
    auto r = role_from_string(role);
    if (!r)
      return Error{where + ": role \"" + role +
                   "\" is not registry, clerk, technician, verifier or monitor"};
    if (secret.size() < 32)
      return Error{where + ": the secret of \"" + name + "\" is shorter than 32 characters"};
    const auto h = sha256(secret);
    for (const auto& e : t.entries_)
      if (e.hash == h) return Error{where + ": the secret of \"" + name + "\" is used twice"};
    t.entries_.push_back({h, {name, *r}});
  }
  if (t.entries_.empty()) return Error{std::string(origin) + ": no tokens"};
  return t;
}

Result<TokenTable> TokenTable::load(const std::filesystem::path& file) {
  auto text = read_secret_file(file, "token file", 1024 * 1024);
  if (!text) return text.error();
  return parse(*text, file.string());
}

std::optional<Caller> TokenTable::find(std::string_view secret) const {
  if (secret.empty()) return std::nullopt;
  const auto h = sha256(secret);
  const Entry* found = nullptr;
  // Compare with every entry so the time taken does not say which matched.
  for (const auto& e : entries_)
    if (CRYPTO_memcmp(e.hash.data(), h.data(), h.size()) == 0) found = &e;
  if (!found) return std::nullopt;
  return found->caller;
}

std::string_view bearer_secret(std::string_view header) {
  constexpr std::string_view kPrefix = "Bearer ";
  if (header.size() <= kPrefix.size() || header.substr(0, kPrefix.size()) != kPrefix) return {};
  return header.substr(kPrefix.size());
}

}  // namespace certprint::api
