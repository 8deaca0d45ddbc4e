// Delivering events to the registry's callback URL from the store's outbox:
// per issuance in sequence order, retried with exponential backoff while the
// registry is down, each POST signed with HMAC-SHA256 over the body.
//
//   POST <callback_url>
//   Content-Type: application/json
//   X-Certprint-Event: <event_id>          (the same on every retry)
//   X-Certprint-Signature: sha256=<hex>    HMAC-SHA256(secret, body)
//
// Any 2xx answer marks the event delivered. A 4xx (but 408 and 429) means
// the registry refuses that event for good: it is set aside (dead-lettered)
// at once, so the events after it go on; anything else is retried with
// backoff, on the steady clock (a wall clock stepped back delays nothing),
// until max_attempts, then set aside too. Set-aside events show in status
// and metrics and go back in line when asked (POST /v1/events/{id}/retry).
// The HTTP itself is behind CallbackTransport (api/callback_http.hpp is the
// real one; tests script their own).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/result.hpp"
#include "daemon/store/store.hpp"

namespace certprint::engine {

struct OutboxConfig {
  std::string callback_url;  // http://host:port/path or https://...; empty: no delivery
  std::string secret;        // shared with the registry
  std::chrono::milliseconds poll_interval{500};
  std::chrono::milliseconds first_retry{1000};   // doubles per failed attempt ...
  std::chrono::milliseconds max_retry{300'000};  // ... up to this
  std::chrono::milliseconds timeout{5000};       // per POST
  int max_attempts = 288;  // then set aside: about a day at the longest backoff
  // Delivered events are kept this long (each issuance's newest for ever),
  // the verifier's audit rows this long; every other audit row for ever.
  std::chrono::hours retain_delivered{24 * 90};
  std::chrono::hours retain_verify_audit{24 * 365};
  std::chrono::milliseconds prune_interval{3'600'000};
};

// One POST to the registry. Returns the HTTP status, or an error when there
// was no answer (connection refused, timeout).
class CallbackTransport {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;
  virtual ~CallbackTransport() = default;
  virtual Result<int> post(const std::string& url, const Headers& headers, const std::string& body,
                           std::chrono::milliseconds timeout) = 0;
};

// "sha256=" + lowercase hex of HMAC-SHA256(secret, body).
std::string sign_body(const std::string& secret, const std::string& body);

class Outbox {
 public:
  Outbox(store::Store& store, OutboxConfig config, CallbackTransport& transport, LogSink log,
         Clock& clock);
  ~Outbox();
  void start();
  void stop();
  void wake();
  // One pass over the due events; returns how many were delivered.
  int deliver_due();

 private:
  void run();
  void prune_if_due();
  // After a failed attempt: sets the event aside or schedules the next one.
  void failed_attempt(const store::EventRow& e, const Result<int>& status);

  store::Store& store_;
  OutboxConfig config_;
  CallbackTransport& transport_;
  LogSink log_;
  Clock& clock_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool woken_ = false;
  std::atomic<bool> stopping_{false};
  // When each event that failed may be tried again, on the steady clock.
  // Only the delivery thread touches it.
  std::map<std::string, std::chrono::steady_clock::time_point> not_before_;
  std::optional<std::chrono::steady_clock::time_point> last_prune_;
};

}  // namespace certprint::engine
