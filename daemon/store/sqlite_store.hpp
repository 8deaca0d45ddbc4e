// The Store on one SQLite file (internal to daemon/store/): one connection
// guarded by one mutex; every write that touches more than one row runs in
// BEGIN IMMEDIATE ... COMMIT and rolls back on any failure, so a caller sees
// all of a change or none of it. The calls are defined by table group:
// sqlite_issuances.cpp, sqlite_print_jobs.cpp, sqlite_events.cpp.
#pragma once

#include <unistd.h>

#include <mutex>
#include <string_view>
#include <utility>

#include "daemon/store/sqlite_db.hpp"
#include "daemon/store/store.hpp"

namespace certprint::store {

// An open descriptor of the database's lock file, holding its flock;
// closed (releasing the lock) when it goes.
class FileLock {
 public:
  explicit FileLock(int fd) : fd_(fd) {}
  FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileLock& operator=(FileLock&&) = delete;
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(sqlite3* db, Clock& clock, FileLock lock)
      : lock_(std::move(lock)), db_(db), clock_(clock) {}

  // Connection settings and schema migration; called once, before sharing.
  Status prepare_connection();

  Status add_issuance(const IssuanceRow& issuance, const std::vector<NewBooklet>& booklets,
                      const EventRow& accepted) override;
  Result<std::optional<IssuanceRow>> issuance(const std::string& issuance_id) override;
  Result<std::vector<IssuanceRow>> issuances_received(Millis from, Millis to,
                                                      std::optional<BookletState> state,
                                                      int limit) override;
  Result<std::vector<BookletRow>> booklets(const std::string& issuance_id) override;
  Result<std::optional<BookletRow>> booklet_by_token(const std::string& token) override;
  Result<std::optional<BookletRow>> booklet(std::int64_t id) override;
  Result<std::vector<BookletRow>> booklets_in_state(BookletState state) override;
  Status set_booklet_state(std::int64_t booklet_id, BookletState state,
                           const std::optional<EventRow>& event) override;
  Result<std::int64_t> void_and_replace(std::int64_t booklet_id, const std::string& reason,
                                        const std::string& new_stock_serial,
                                        const std::string& new_token,
                                        const EventRow& event) override;

  Result<std::int64_t> add_print_job(const PrintJobRow& job,
                                     const std::vector<PageTaskRow>& tasks) override;
  Result<std::optional<PrintJobRow>> print_job(std::int64_t id) override;
  Result<std::vector<PageTaskRow>> page_tasks(std::int64_t print_job_id) override;
  Result<std::vector<PrintJobRow>> unfinished_print_jobs() override;
  Status set_print_job_state(std::int64_t id, PrintJobState state,
                             const std::string& reason) override;
  Status record_page(const PageProgress& progress) override;
  Result<std::vector<PageTaskRow>> booklet_page_tasks(std::int64_t booklet_id) override;
  Status add_pending_cancel(const PendingCancelRow& row) override;
  Result<std::vector<PendingCancelRow>> pending_cancels(const std::string& printer) override;
  Status remove_pending_cancel(const std::string& printer, int cups_job_id) override;
  Status update_page_task(std::int64_t task_id, PageTaskState state, int cups_job_id,
                          const std::string& reason, const std::optional<EventRow>& event) override;

  Result<std::int64_t> next_event_sequence(const std::string& issuance_id) override;
  Status add_event(const EventRow& event) override;
  Result<std::vector<EventRow>> events(const std::string& issuance_id) override;
  Result<std::vector<EventRow>> due_events(Millis now, int limit) override;
  Status mark_dead(const std::string& event_id, const std::string& error, Millis at) override;
  Status retry_event(const std::string& event_id, Millis now) override;
  Result<OutboxCounts> outbox_counts() override;
  Result<std::vector<EventRow>> dead_events(int limit) override;
  Result<std::int64_t> prune(Millis delivered_before, Millis verify_audit_before) override;
  Status mark_delivered(const std::string& event_id, Millis at) override;
  Status mark_attempt_failed(const std::string& event_id, const std::string& error,
                             Millis next_attempt_at) override;

  Status audit(const AuditRow& row) override;
  Result<std::vector<AuditRow>> audit_log(int limit) override;

  Result<std::int64_t> add_stock_movement(const StockMovementRow& row,
                                          const AuditRow& audit) override;
  Result<LedgerFacts> ledger_facts() override;
  Result<bool> stock_received(const std::string& serial) override;

  Result<int> add_calibration(const CalibrationRow& row) override;
  Result<std::vector<CalibrationRow>> calibrations(const std::string& printer) override;

  Status audit_batch(const std::vector<AuditRow>& rows) override;

 private:
  // All REQUIRE mu_ held (or the store not yet shared).
  Status insert_event(std::string_view op, const EventRow& e);
  Status insert_pending_cancel(std::string_view op, const PendingCancelRow& row);
  Result<std::int64_t> insert_booklet(std::string_view op, const std::string& issuance_id,
                                      const NewBooklet& booklet,
                                      std::optional<std::int64_t> replaces, Millis now);
  Status change_booklet_state(std::string_view op, std::int64_t booklet_id, BookletState state);
  Status note_booklet_state(std::string_view op, std::int64_t booklet_id, BookletState state,
                            Millis at);
  Status check_stock_movement(std::string_view op, const StockMovementRow& row);
  Result<int> user_version(std::string_view op);
  Status migrate();

  std::mutex mu_;
  // Declared before db_: the connection closes before the lock goes.
  FileLock lock_;
  Db db_;
  Clock& clock_;
};

}  // namespace certprint::store
