#include "daemon/engine/event_log.hpp"

#include "common/hex.hpp"

namespace certprint::engine {

Status EventLog::record(const std::string& issuance_id, const std::string& type,
                        nlohmann::json details,
                        const std::function<Status(const store::EventRow&)>& write) {
  std::lock_guard lock(mutex_);
  auto seq = store_.next_event_sequence(issuance_id);
  if (!seq) return seq.error();
  std::uint8_t raw[16];
  if (auto s = random_(raw); !s) return s;
  store::EventRow e;
  e.event_id = "ev-" + to_hex(raw);
  e.issuance_id = issuance_id;
  e.sequence = *seq;
  e.type = type;
  e.created_at = clock_.wall_ms();
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
                [this](const store::EventRow& e) { return store_.add_event(e); });
}

}  // namespace certprint::engine
