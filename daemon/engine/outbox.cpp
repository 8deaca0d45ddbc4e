#include "daemon/engine/outbox.hpp"

#include <openssl/hmac.h>

#include "common/hex.hpp"

namespace certprint::engine {

std::string sign_body(const std::string& secret, const std::string& body) {
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  return "sha256=" + to_hex(std::span<const std::uint8_t>(mac, len));
}

Outbox::Outbox(store::Store& store, OutboxConfig config, CallbackTransport& transport, LogSink log,
               Clock& clock)
    : store_(store),
      config_(std::move(config)),
      transport_(transport),
      log_(std::move(log)),
      clock_(clock) {}

Outbox::~Outbox() { stop(); }

void Outbox::start() {
  if (config_.callback_url.empty()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void Outbox::stop() {
  stopping_ = true;
  wake();
  if (thread_.joinable()) thread_.join();
}

void Outbox::wake() {
  {
    std::lock_guard g(mutex_);
    woken_ = true;
  }
  cv_.notify_all();
}

void Outbox::run() {
  while (!stopping_) {
    deliver_due();
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, config_.poll_interval, [&] { return woken_ || stopping_.load(); });
    woken_ = false;
  }
}

int Outbox::deliver_due() {
  if (config_.callback_url.empty()) return 0;
  auto due = store_.due_events(clock_.wall_ms(), 100);
  if (!due) {
    log_(Priority::error, "outbox: the store failed: " + due.error().message);
    return 0;
  }
  int delivered = 0;
  for (const auto& e : *due) {
    if (stopping_) break;
    const CallbackTransport::Headers headers = {
        {"X-Certprint-Event", e.event_id},
        {"X-Certprint-Signature", sign_body(config_.secret, e.body)}};
    auto status = transport_.post(config_.callback_url, headers, e.body, config_.timeout);
    if (status && *status >= 200 && *status < 300) {
      if (auto s = store_.mark_delivered(e.event_id, clock_.wall_ms()); s)
        ++delivered;
      else
        log_(Priority::error, "outbox: event " + e.event_id +
                                  " was delivered but cannot be marked so: " + s.message());
      continue;
    }
    const std::string why =
        status ? "HTTP " + std::to_string(*status) : "no answer (" + status.error().message + ")";
    auto wait = config_.first_retry * (1LL << std::min(e.attempts, 20));
    if (wait > config_.max_retry) wait = config_.max_retry;
    if (auto s = store_.mark_attempt_failed(e.event_id, why, clock_.wall_ms() + wait.count()); !s)
      log_(Priority::error,
           "outbox: cannot record a failed delivery of event " + e.event_id + ": " + s.message());
    log_(Priority::warning, "outbox: event " + e.event_id + " of issuance " + e.issuance_id +
                                " not delivered: " + why + "; retry in " +
                                std::to_string(wait.count() / 1000) + " s");
  }
  return delivered;
}

}  // namespace certprint::engine
