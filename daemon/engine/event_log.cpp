#include "daemon/engine/event_log.hpp"

#include "common/hex.hpp"

namespace certprint::engine {

Status EventLog::record_all(
    const std::string& issuance_id, const std::vector<NewEvent>& events,
    const std::function<Status(const std::vector<store::EventRow>&)>& write) {
  std::lock_guard lock(mutex_);
  auto seq = store_.next_event_sequence(issuance_id);
  if (!seq) return seq.error();
  std::vector<store::EventRow> rows;
  for (const auto& ev : events) {
    std::uint8_t raw[16];
    if (auto s = random_(raw); !s) return s;
    store::EventRow e;
    e.event_id = "ev-" + to_hex(raw);
    e.issuance_id = issuance_id;
    e.sequence = *seq + static_cast<std::int64_t>(rows.size());
    e.type = ev.type;
    e.created_at = clock_.wall_ms();
    e.next_attempt_at = e.created_at;
    nlohmann::json body = {{"event_id", e.event_id},
                           {"issuance_id", issuance_id},
                           {"sequence", e.sequence},
                           {"type", ev.type},
                           {"at_ms", e.created_at}};
    if (ev.details.is_object()) body.update(ev.details);
    e.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    rows.push_back(std::move(e));
  }
  return write(rows);
}

Status EventLog::record(const std::string& issuance_id, const std::string& type,
                        nlohmann::json details,
                        const std::function<Status(const store::EventRow&)>& write) {
  return record_all(issuance_id, {{type, std::move(details)}},
                    [&](const std::vector<store::EventRow>& rows) { return write(rows.front()); });
}

Status EventLog::record(const std::string& issuance_id, const std::string& type,
                        nlohmann::json details) {
  return record(issuance_id, type, std::move(details),
                [this](const store::EventRow& e) { return store_.add_event(e); });
}

}  // namespace certprint::engine
