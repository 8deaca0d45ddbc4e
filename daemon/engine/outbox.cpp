#include "daemon/engine/outbox.hpp"

#include <openssl/hmac.h>

#include <limits>

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

void Outbox::prune_if_due() {
  const auto now = clock_.now();
  if (last_prune_ && now - *last_prune_ < config_.prune_interval) return;
  last_prune_ = now;
  const Millis wall = clock_.wall_ms();
  auto pruned = store_.prune(
      wall -
          std::chrono::duration_cast<std::chrono::milliseconds>(config_.retain_delivered).count(),
      wall - std::chrono::duration_cast<std::chrono::milliseconds>(config_.retain_verify_audit)
                 .count());
  if (!pruned)
    log_(Priority::error,
         "outbox: old delivered events cannot be pruned: " + pruned.error().message);
  else if (*pruned > 0)
    log_(Priority::info, "outbox: pruned " + std::to_string(*pruned) + " old row(s)");
}

void Outbox::failed_attempt(const store::EventRow& e, const Result<int>& status) {
  const std::string why =
      status ? "HTTP " + std::to_string(*status) : "no answer (" + status.error().message + ")";
  const bool refused_for_good =
      status && *status >= 400 && *status < 500 && *status != 408 && *status != 429;
  if (refused_for_good || e.attempts + 1 >= config_.max_attempts) {
    not_before_.erase(e.event_id);
    const std::string reason =
        refused_for_good ? "the registry refused it (" + why + ")"
                         : std::to_string(e.attempts + 1) + " attempts failed (last: " + why + ")";
    if (auto s = store_.mark_dead(e.event_id, reason, clock_.wall_ms()); !s)
      log_(Priority::error, "outbox: event " + e.event_id + " cannot be set aside: " + s.message());
    log_(Priority::warning, "outbox: event " + e.event_id + " of issuance " + e.issuance_id +
                                " set aside: " + reason + "; the events after it go on");
    return;
  }
  auto wait = config_.first_retry * (1LL << std::min(e.attempts, 20));
  if (wait > config_.max_retry) wait = config_.max_retry;
  not_before_[e.event_id] = clock_.now() + wait;
  if (auto s = store_.mark_attempt_failed(e.event_id, why, clock_.wall_ms() + wait.count()); !s)
    log_(Priority::error,
         "outbox: cannot record a failed delivery of event " + e.event_id + ": " + s.message());
  log_(Priority::warning, "outbox: event " + e.event_id + " of issuance " + e.issuance_id +
                              " not delivered: " + why + "; retry in " +
                              std::to_string(wait.count() / 1000) + " s");
}

int Outbox::deliver_due() {
  if (config_.callback_url.empty()) return 0;
  prune_if_due();
  // The store gives each issuance's first event in line; when it may go is
  // this outbox's steady-clock schedule.
  auto due = store_.due_events(std::numeric_limits<Millis>::max(), 1000);
  if (!due) {
    log_(Priority::error, "outbox: the store failed: " + due.error().message);
    return 0;
  }
  int delivered = 0;
  for (const auto& e : *due) {
    if (stopping_) break;
    if (auto it = not_before_.find(e.event_id);
        it != not_before_.end() && clock_.now() < it->second)
      continue;
    const CallbackTransport::Headers headers = {
        {"X-Certprint-Event", e.event_id},
        {"X-Certprint-Signature", sign_body(config_.secret, e.body)}};
    auto status = transport_.post(config_.callback_url, headers, e.body, config_.timeout);
    if (!status || *status < 200 || *status >= 300) {
      failed_attempt(e, status);
      continue;
    }
    not_before_.erase(e.event_id);
    if (auto s = store_.mark_delivered(e.event_id, clock_.wall_ms()); s)
      ++delivered;
    else
      log_(Priority::error, "outbox: event " + e.event_id +
                                " was delivered but cannot be marked so: " + s.message());
  }
  return delivered;
}

}  // namespace certprint::engine
