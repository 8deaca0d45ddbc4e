// Delivering events to the registry's callback URL from the store's outbox:
// per issuance in sequence order, retried with exponential backoff while the
// registry is down, each POST signed with HMAC-SHA256 over the body.
//
//   POST <callback_url>
//   Content-Type: application/json
//   X-Certprint-Event: <event_id>          (the same on every retry)
//   X-Certprint-Signature: sha256=<hex>    HMAC-SHA256(secret, body)
//
// Any 2xx answer marks the event delivered; anything else is retried.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "common/result.hpp"
#include "daemon/http_api.hpp"
#include "daemon/store.hpp"

namespace certprint::daemon {

struct OutboxConfig {
  std::string callback_url;  // http://host:port/path or https://...; empty: no delivery
  std::string secret;        // shared with the registry
  std::chrono::milliseconds poll_interval{500};
  std::chrono::milliseconds first_retry{1000};   // doubles per failed attempt ...
  std::chrono::milliseconds max_retry{300'000};  // ... up to this
  std::chrono::milliseconds timeout{5000};       // per POST
};

// "sha256=" + lowercase hex of HMAC-SHA256(secret, body).
std::string sign_body(const std::string& secret, const std::string& body);

class Outbox {
 public:
  Outbox(Store& store, OutboxConfig config, LogSink log);
  ~Outbox();
  void start();
  void stop();
  void wake();
  // One pass over the due events; returns how many were delivered.
  int deliver_due();

 private:
  void run();
  Store& store_;
  OutboxConfig config_;
  LogSink log_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool woken_ = false;
  std::atomic<bool> stopping_{false};
};

}  // namespace certprint::daemon
