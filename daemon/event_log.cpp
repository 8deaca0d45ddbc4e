#include "daemon/event_log.hpp"

#include <chrono>

namespace certprint::daemon {

Millis now_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status EventLog::record(const std::string& issuance_id, const std::string& type,
                        nlohmann::json details,
                        const std::function<Status(const EventRow&)>& write) {
  std::lock_guard lock(mutex_);
  auto seq = store_.next_event_sequence(issuance_id);
  if (!seq) return seq.error();
  std::uint8_t raw[16];
  if (auto s = random_(raw); !s) return s;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "ev-";
  for (auto b : raw) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  EventRow e;
  e.event_id = id;
  e.issuance_id = issuance_id;
  e.sequence = *seq;
  e.type = type;
  e.created_at = clock_();
  e.next_attempt_at = e.created_at;
  nlohmann::json body = {{"event_id", e.event_id},
                         {"issuance_id", issuance_id},
                         {"sequence", e.sequence},
                         {"type", type},
                         {"at_ms", e.created_at}};
  if (details.is_object()) body.update(details);
  e.body = body.dump();
  return write(e);
}

Status EventLog::record(const std::string& issuance_id, const std::string& type,
                        nlohmann::json details) {
  return record(issuance_id, type, std::move(details),
                [this](const EventRow& e) { return store_.add_event(e); });
}

}  // namespace certprint::daemon
