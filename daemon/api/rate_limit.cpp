#include "daemon/api/rate_limit.hpp"

#include <algorithm>
#include <cmath>

namespace certprint::api {

std::chrono::milliseconds RateLimiter::take(const std::string& caller) {
  using std::chrono::duration;
  const auto now = now_();
  const double burst = std::max(1, limit_.burst);
  std::lock_guard lock(m_);
  if (buckets_.size() > 1000) {
    // Forget the callers whose buckets have filled up again.
    std::erase_if(buckets_, [&](const auto& kv) {
      return kv.second.calls + duration<double>(now - kv.second.at).count() * limit_.per_second >=
             burst;
    });
  }
  auto [it, fresh] = buckets_.try_emplace(caller, Bucket{burst, now});
  Bucket& b = it->second;
  if (!fresh) {
    const double refill = std::max(0.0, duration<double>(now - b.at).count()) * limit_.per_second;
    b.calls = std::min(burst, b.calls + refill);
    b.at = now;
  }
  if (b.calls >= 1) {
    b.calls -= 1;
    return std::chrono::milliseconds(0);
  }
  const double wait_s = limit_.per_second > 0 ? (1 - b.calls) / limit_.per_second : 3600;
  return std::chrono::milliseconds(static_cast<long>(std::ceil(wait_s * 1000)));
}

}  // namespace certprint::api
