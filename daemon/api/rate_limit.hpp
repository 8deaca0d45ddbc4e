// How often one caller may make a call: a token bucket per caller name
// (the token's name in the token file). Internal to daemon/api/.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace certprint::api {

struct RateLimit {
  double per_second = 5;  // calls a caller may make a second, on average
  int burst = 20;         // calls a caller may make at once after a pause
};

// Thread-safe. Callers idle for longer than it takes to refill their bucket
// are forgotten, so the map stays as small as the set of busy callers.
class RateLimiter {
 public:
  using Now = std::function<std::chrono::steady_clock::time_point()>;
  RateLimiter(RateLimit limit, Now now) : limit_(limit), now_(std::move(now)) {}

  // Takes one call from `caller`'s allowance: zero when it may go ahead,
  // else how long until it may (nothing is taken then).
  std::chrono::milliseconds take(const std::string& caller);

 private:
  struct Bucket {
    double calls = 0;  // calls it may make now
    std::chrono::steady_clock::time_point at;
  };
  RateLimit limit_;
  Now now_;
  std::mutex m_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace certprint::api
