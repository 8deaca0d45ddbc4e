#include "daemon/api/console_session.hpp"

#include <openssl/crypto.h>

#include <array>

#include "common/hex.hpp"

namespace certprint::api {
namespace {

Result<std::string> random_hex(const RandomSource& random) {
  std::array<std::uint8_t, 32> bytes{};
  if (auto s = random(bytes); !s) return s.error();
  return to_hex(bytes);
}

}  // namespace

Result<ConsoleSession> ConsoleSessions::open(const Caller& caller) {
  if (caller.role != Role::clerk && caller.role != Role::technician)
    return refused("a " + std::string(to_string(caller.role)) +
                       "'s token has no console; sign in with a clerk's or a technician's token",
                   "forbidden");
  auto id = random_hex(random_);
  if (!id) return id.error();
  auto csrf = random_hex(random_);
  if (!csrf) return csrf.error();
  const Millis now = clock_.wall_ms();
  ConsoleSession s{
      *id, *csrf, caller,
      now + std::chrono::duration_cast<std::chrono::milliseconds>(config_.lifetime).count()};
  std::lock_guard lock(mutex_);
  std::erase_if(sessions_, [now](const auto& e) { return e.second.expires_at <= now; });
  const auto same_name = [&](const ConsoleSession& x) { return x.caller.name == caller.name; };
  std::size_t own = 0;
  for (const auto& [_, x] : sessions_) own += same_name(x);
  if (own >= config_.max_per_name) erase_oldest(same_name);
  while (sessions_.size() >= config_.max_sessions)
    erase_oldest([](const ConsoleSession&) { return true; });
  sessions_.emplace(s.id, s);
  return s;
}

// REQUIRES: mutex_ held, and a session that `which` picks.
void ConsoleSessions::erase_oldest(const std::function<bool(const ConsoleSession&)>& which) {
  auto oldest = sessions_.end();
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
    if (which(it->second) &&
        (oldest == sessions_.end() || it->second.expires_at < oldest->second.expires_at))
      oldest = it;
  if (oldest != sessions_.end()) sessions_.erase(oldest);
}

std::optional<ConsoleSession> ConsoleSessions::find(std::string_view id) {
  if (id.size() != 64) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires_at <= clock_.wall_ms()) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void ConsoleSessions::close(std::string_view id) {
  std::lock_guard lock(mutex_);
  if (auto it = sessions_.find(id); it != sessions_.end()) sessions_.erase(it);
}

std::string session_cookie(const ConsoleSession& s, std::chrono::seconds lifetime, bool secure) {
  return std::string(kSessionCookie) + "=" + s.id +
         "; Path=/; Max-Age=" + std::to_string(lifetime.count()) + "; HttpOnly; SameSite=Strict" +
         (secure ? "; Secure" : "");
}

std::string expired_session_cookie(bool secure) {
  return std::string(kSessionCookie) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" +
         (secure ? "; Secure" : "");
}

std::string cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto end = header.find(';');
    std::string_view pair = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view{} : header.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name)
      return std::string(pair.substr(eq + 1));
  }
  return {};
}

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace certprint::api
