// The store's events (the outbox), audit log and calibration profiles.
#include "daemon/store/sqlite_rows.hpp"
#include "daemon/store/sqlite_store.hpp"

namespace certprint::store {

Status SqliteStore::insert_event(std::string_view op, const EventRow& e) {
  if (e.sequence < 1)
    return invalid("event " + e.event_id + " has sequence " + std::to_string(e.sequence) +
                   "; sequences start at 1");
  // A new event is undelivered and due at once.
  OnConstraint on;
  on.primary_key = store_error(ErrorCode::conflict, op, "event id " + e.event_id + " exists");
  on.unique = store_error(
      ErrorCode::conflict, op,
      "issuance " + e.issuance_id + " already has event sequence " + std::to_string(e.sequence));
  on.foreign_key =
      store_error(ErrorCode::not_found, op, "issuance " + e.issuance_id + " does not exist");
  return db_.exec(op, on,
                  "INSERT INTO events (event_id, issuance_id, sequence, type, body, created_at, "
                  "attempts, next_attempt_at, delivered_at, last_error) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?6, NULL, '')",
                  e.event_id, e.issuance_id, e.sequence, e.type, e.body, e.created_at);
}

Result<std::int64_t> SqliteStore::next_event_sequence(const std::string& issuance_id) {
  std::lock_guard lock(mu_);
  return db_.scalar("next_event_sequence",
                    "SELECT coalesce(max(sequence), 0) + 1 FROM events WHERE issuance_id = ?1",
                    issuance_id);
}

Status SqliteStore::add_event(const EventRow& event) {
  std::lock_guard lock(mu_);
  return insert_event("add_event", event);
}

Result<std::vector<EventRow>> SqliteStore::events(const std::string& issuance_id) {
  std::lock_guard lock(mu_);
  return db_.rows("events", &read_event,
                  cat(kEventSelect, "WHERE issuance_id = ?1 ORDER BY sequence"), issuance_id);
}

Result<std::vector<EventRow>> SqliteStore::due_events(Millis now, int limit) {
  if (limit <= 0) return std::vector<EventRow>();
  std::lock_guard lock(mu_);
  // Only the head of each issuance's queue may go: later events wait for it.
  return db_.rows("due_events", &read_event,
                  cat(kEventSelect,
                      "WHERE delivered_at IS NULL AND dead_at IS NULL AND next_attempt_at <= ?1 "
                      "AND sequence = (SELECT min(h.sequence) FROM events h "
                      "WHERE h.issuance_id = events.issuance_id AND h.delivered_at IS NULL "
                      "AND h.dead_at IS NULL) "
                      "ORDER BY created_at, issuance_id, sequence LIMIT ?2"),
                  now, limit);
}

Status SqliteStore::mark_delivered(const std::string& event_id, Millis at) {
  constexpr std::string_view op = "mark_delivered";
  std::lock_guard lock(mu_);
  // A second confirmation keeps the first delivery time.
  if (auto s = db_.exec(op,
                        "UPDATE events SET delivered_at = coalesce(delivered_at, ?2) "
                        "WHERE event_id = ?1",
                        event_id, at);
      !s)
    return s;
  if (db_.changes() == 0)
    return store_error(ErrorCode::not_found, op, "event " + event_id + " does not exist");
  return Status::success();
}

Status SqliteStore::mark_attempt_failed(const std::string& event_id, const std::string& error,
                                        Millis next_attempt_at) {
  constexpr std::string_view op = "mark_attempt_failed";
  std::lock_guard lock(mu_);
  if (auto s = db_.exec(op,
                        "UPDATE events SET attempts = attempts + 1, last_error = ?2, "
                        "next_attempt_at = ?3 WHERE event_id = ?1",
                        event_id, error, next_attempt_at);
      !s)
    return s;
  if (db_.changes() == 0)
    return store_error(ErrorCode::not_found, op, "event " + event_id + " does not exist");
  return Status::success();
}

Status SqliteStore::mark_dead(const std::string& event_id, const std::string& error, Millis at) {
  constexpr std::string_view op = "mark_dead";
  std::lock_guard lock(mu_);
  if (auto s = db_.exec(op,
                        "UPDATE events SET attempts = attempts + 1, last_error = ?2, dead_at = ?3 "
                        "WHERE event_id = ?1 AND delivered_at IS NULL",
                        event_id, error, at);
      !s)
    return s;
  if (db_.changes() == 0)
    return store_error(ErrorCode::not_found, op, "event " + event_id + " is not waiting");
  return Status::success();
}

Status SqliteStore::retry_event(const std::string& event_id, Millis now) {
  constexpr std::string_view op = "retry_event";
  std::lock_guard lock(mu_);
  return db_.transaction(op, [&]() -> Status {
    auto dead = db_.maybe_scalar(op, "SELECT dead_at IS NOT NULL FROM events WHERE event_id = ?1",
                                 event_id);
    if (!dead) return dead.error();
    if (!*dead) return store_error(ErrorCode::not_found, op, "event " + event_id + " is unknown");
    if (**dead == 0)
      return store_error(ErrorCode::conflict, op,
                         "event " + event_id + " is not set aside; it is delivered or in line");
    return db_.exec(op,
                    "UPDATE events SET dead_at = NULL, attempts = 0, next_attempt_at = ?2 "
                    "WHERE event_id = ?1",
                    event_id, now);
  });
}

Result<OutboxCounts> SqliteStore::outbox_counts() {
  constexpr std::string_view op = "outbox_counts";
  std::lock_guard lock(mu_);
  auto undelivered =
      db_.scalar(op, "SELECT count(*) FROM events WHERE delivered_at IS NULL AND dead_at IS NULL");
  if (!undelivered) return undelivered.error();
  auto dead = db_.scalar(op, "SELECT count(*) FROM events WHERE dead_at IS NOT NULL");
  if (!dead) return dead.error();
  return OutboxCounts{*undelivered, *dead};
}

Result<std::vector<EventRow>> SqliteStore::dead_events(int limit) {
  if (limit <= 0) return std::vector<EventRow>();
  std::lock_guard lock(mu_);
  return db_.rows(
      "dead_events", &read_event,
      cat(kEventSelect, "WHERE dead_at IS NOT NULL ORDER BY dead_at, event_id LIMIT ?1"), limit);
}

Result<std::int64_t> SqliteStore::prune(Millis delivered_before, Millis verify_audit_before) {
  constexpr std::string_view op = "prune";
  std::lock_guard lock(mu_);
  return db_.transaction(op, [&]() -> Result<std::int64_t> {
    if (auto s = db_.exec(op,
                          "DELETE FROM events WHERE delivered_at IS NOT NULL AND created_at < ?1 "
                          "AND sequence < (SELECT max(n.sequence) FROM events n "
                          "WHERE n.issuance_id = events.issuance_id)",
                          delivered_before);
        !s)
      return s.error();
    std::int64_t deleted = db_.changes();
    if (auto s = db_.exec(op, "DELETE FROM audit WHERE action = 'verify' AND at < ?1",
                          verify_audit_before);
        !s)
      return s.error();
    return deleted + db_.changes();
  });
}

Status SqliteStore::audit(const AuditRow& row) {
  std::lock_guard lock(mu_);
  return db_.exec("audit",
                  "INSERT INTO audit (at, actor, role, action, subject, detail) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                  row.at, row.actor, row.role, row.action, row.subject, row.detail);
}

Status SqliteStore::audit_batch(const std::vector<AuditRow>& rows) {
  constexpr std::string_view op = "audit_batch";
  std::lock_guard lock(mu_);
  return db_.transaction(op, [&]() -> Status {
    for (const auto& row : rows)
      if (auto s = db_.exec(op,
                            "INSERT INTO audit (at, actor, role, action, subject, detail) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                            row.at, row.actor, row.role, row.action, row.subject, row.detail);
          !s)
        return s;
    return Status::success();
  });
}

Result<std::vector<AuditRow>> SqliteStore::audit_log(int limit) {
  if (limit <= 0) return std::vector<AuditRow>();
  std::lock_guard lock(mu_);
  return db_.rows("audit_log", &read_audit,
                  "SELECT at, actor, role, action, subject, detail FROM audit "
                  "ORDER BY at DESC, id DESC LIMIT ?1",
                  limit);
}

Result<int> SqliteStore::add_calibration(const CalibrationRow& row) {
  constexpr std::string_view op = "add_calibration";
  std::lock_guard lock(mu_);
  return db_.transaction(op, [&]() -> Result<int> {
    auto next =
        db_.scalar(op, "SELECT coalesce(max(version), 0) + 1 FROM calibrations WHERE printer = ?1",
                   row.printer);
    if (!next) return next.error();
    const int version = static_cast<int>(*next);
    if (auto s = db_.exec(op,
                          "INSERT INTO calibrations (printer, version, profile, set_by, set_at) "
                          "VALUES (?1, ?2, ?3, ?4, ?5)",
                          row.printer, version, row.profile, row.set_by, row.set_at);
        !s)
      return s.error();
    return version;
  });
}

Result<std::vector<CalibrationRow>> SqliteStore::calibrations(const std::string& printer) {
  std::lock_guard lock(mu_);
  return db_.rows("calibrations", &read_calibration,
                  "SELECT printer, version, profile, set_by, set_at FROM calibrations "
                  "WHERE printer = ?1 ORDER BY version DESC",
                  printer);
}

}  // namespace certprint::store
