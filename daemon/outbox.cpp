#include "daemon/outbox.hpp"

#include <httplib.h>
#include <openssl/hmac.h>

#include "daemon/event_log.hpp"

namespace certprint::daemon {

std::string sign_body(const std::string& secret, const std::string& body) {
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 15];
  }
  return out;
}

Outbox::Outbox(Store& store, OutboxConfig config, LogSink log)
    : store_(store), config_(std::move(config)), log_(std::move(log)) {}

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
  auto due = store_.due_events(now_millis(), 100);
  if (!due) {
    log_(3, "outbox: the store failed: " + due.error().message);
    return 0;
  }
  // Split the URL once per pass: scheme://host[:port] and the path.
  const auto scheme_end = config_.callback_url.find("://");
  const auto path_start =
      config_.callback_url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  const std::string origin = config_.callback_url.substr(0, path_start);
  const std::string path =
      path_start == std::string::npos ? "/" : config_.callback_url.substr(path_start);
  httplib::Client client(origin);
  client.set_connection_timeout(config_.timeout);
  client.set_read_timeout(config_.timeout);
  client.set_write_timeout(config_.timeout);
  client.set_tcp_nodelay(true);

  int delivered = 0;
  for (const auto& e : *due) {
    if (stopping_) break;
    httplib::Headers headers = {{"X-Certprint-Event", e.event_id},
                                {"X-Certprint-Signature", sign_body(config_.secret, e.body)}};
    auto res = client.Post(path, headers, e.body, "application/json");
    if (res && res->status >= 200 && res->status < 300) {
      if (store_.mark_delivered(e.event_id, now_millis())) ++delivered;
      continue;
    }
    const std::string why = res ? "HTTP " + std::to_string(res->status)
                                : "no answer (" + httplib::to_string(res.error()) + ")";
    auto wait = config_.first_retry * (1LL << std::min(e.attempts, 20));
    if (wait > config_.max_retry) wait = config_.max_retry;
    (void)store_.mark_attempt_failed(e.event_id, why, now_millis() + wait.count());
    log_(4, "outbox: event " + e.event_id + " of issuance " + e.issuance_id + " not delivered: " +
                why + "; retry in " + std::to_string(wait.count() / 1000) + " s");
  }
  return delivered;
}

}  // namespace certprint::daemon
