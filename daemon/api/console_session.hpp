// Sessions of the web console: a clerk or a technician signs in once with
// their API token and the browser then holds an opaque session id in an
// HttpOnly cookie. Each session has its own CSRF token, which every call
// that changes state must echo in the X-CSRF-Token header. Sessions live in
// memory: a restart of certprintd signs everyone out.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/random.hpp"
#include "common/result.hpp"
#include "daemon/api/auth.hpp"

namespace certprint::api {

struct ConsoleSessionConfig {
  std::chrono::seconds lifetime{8 * 3600};  // a working day; then sign in again
  std::size_t max_sessions = 1024;          // the oldest goes when a new one would pass it
  // Sessions one token (by its name) may hold: signing in once more ends
  // its own oldest, so one token signing in again and again cannot sign
  // everyone else out.
  std::size_t max_per_name = 16;
};

struct ConsoleSession {
  std::string id;    // the cookie's value: 64 hex digits
  std::string csrf;  // the X-CSRF-Token value: 64 hex digits
  Caller caller;
  Millis expires_at = 0;
};

// The cookie's name.
inline constexpr std::string_view kSessionCookie = "certprint_session";

class ConsoleSessions {
 public:
  ConsoleSessions(Clock& clock, RandomSource random, ConsoleSessionConfig config = {})
      : clock_(clock), random_(std::move(random)), config_(config) {}

  // A new session for a clerk or a technician; other roles have no console
  // (refused, naming the role).
  Result<ConsoleSession> open(const Caller& caller);
  // The live session with this id; nullopt when unknown or expired.
  std::optional<ConsoleSession> find(std::string_view id);
  // Ends the session (signing out); unknown ids are ignored.
  void close(std::string_view id);
  const ConsoleSessionConfig& config() const { return config_; }

 private:
  void erase_oldest(const std::function<bool(const ConsoleSession&)>& which);
  Clock& clock_;
  RandomSource random_;
  ConsoleSessionConfig config_;
  std::mutex mutex_;
  std::map<std::string, ConsoleSession, std::less<>> sessions_;
};

// The Set-Cookie value that gives the browser `s` (HttpOnly, SameSite=Strict,
// Path=/, Max-Age; Secure when the console is served over TLS), and the one
// that takes it away again.
std::string session_cookie(const ConsoleSession& s, std::chrono::seconds lifetime, bool secure);
std::string expired_session_cookie(bool secure);

// The value of the cookie `name` in a Cookie header, or empty.
std::string cookie_value(std::string_view cookie_header, std::string_view name);

// Compares two secrets in time that depends on their lengths only.
bool same_secret(std::string_view a, std::string_view b);

}  // namespace certprint::api
