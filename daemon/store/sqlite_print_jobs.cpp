// The store's print jobs and their page tasks.
#include "daemon/store/sqlite_rows.hpp"
#include "daemon/store/sqlite_store.hpp"

namespace certprint::store {

Result<std::int64_t> SqliteStore::add_print_job(const PrintJobRow& job,
                                                const std::vector<PageTaskRow>& tasks) {
  constexpr std::string_view op = "add_print_job";
  std::lock_guard lock(mu_);
  return db_.transaction(op, [&]() -> Result<std::int64_t> {
    if (auto s = db_.exec(op,
                          "INSERT INTO print_jobs (printer, state, reason, requested_by, "
                          "created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                          job.printer, to_string(job.state), job.reason, job.requested_by,
                          job.created_at);
        !s)
      return s.error();
    const std::int64_t job_id = db_.last_insert_id();
    const Millis now = clock_.wall_ms();
    for (const auto& t : tasks) {
      OnConstraint on;
      on.unique = store_error(ErrorCode::conflict, op,
                              "page task at position " + std::to_string(t.position) +
                                  ": job name " + t.job_name + " or the position is already used");
      on.foreign_key = store_error(ErrorCode::not_found, op,
                                   "booklet " + std::to_string(t.booklet_id) + " does not exist");
      if (auto s = db_.exec(op, on,
                            "INSERT INTO page_tasks (print_job_id, position, booklet_id, page, "
                            "job_name, cups_job_id, state, reason, updated_at) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                            job_id, t.position, t.booklet_id, issuance::to_string(t.page),
                            t.job_name, t.cups_job_id, to_string(t.state), t.reason, now);
          !s)
        return s.error();
    }
    return job_id;
  });
}

Result<std::optional<PrintJobRow>> SqliteStore::print_job(std::int64_t id) {
  std::lock_guard lock(mu_);
  return db_.one("print_job", &read_print_job, cat(kPrintJobSelect, "WHERE id = ?1"), id);
}

Result<std::vector<PageTaskRow>> SqliteStore::page_tasks(std::int64_t print_job_id) {
  std::lock_guard lock(mu_);
  return db_.rows("page_tasks", &read_page_task,
                  cat(kPageTaskSelect, "WHERE print_job_id = ?1 ORDER BY position, id"),
                  print_job_id);
}

Result<std::vector<PrintJobRow>> SqliteStore::unfinished_print_jobs() {
  std::lock_guard lock(mu_);
  return db_.rows(
      "unfinished_print_jobs", &read_print_job,
      cat(kPrintJobSelect, "WHERE state IN ('queued', 'running') ORDER BY created_at, id"));
}

Status SqliteStore::set_print_job_state(std::int64_t id, PrintJobState state,
                                        const std::string& reason) {
  constexpr std::string_view op = "set_print_job_state";
  std::lock_guard lock(mu_);
  if (auto s = db_.exec(op, "UPDATE print_jobs SET state = ?2, reason = ?3 WHERE id = ?1", id,
                        to_string(state), reason);
      !s)
    return s;
  return db_.check_changed(op, "print job", id);
}

Result<std::vector<PageTaskRow>> SqliteStore::booklet_page_tasks(std::int64_t booklet_id) {
  std::lock_guard lock(mu_);
  return db_.rows("booklet_page_tasks", &read_page_task,
                  cat(kPageTaskSelect, "WHERE booklet_id = ?1 ORDER BY print_job_id, position, id"),
                  booklet_id);
}

Status SqliteStore::record_page(const PageProgress& p) {
  constexpr std::string_view op = "record_page";
  std::lock_guard lock(mu_);
  return db_.transaction(op, [&]() -> Status {
    if (auto s = db_.exec(op,
                          "UPDATE page_tasks SET state = ?2, cups_job_id = ?3, reason = ?4, "
                          "updated_at = ?5 WHERE id = ?1",
                          p.task_id, to_string(p.state), p.cups_job_id, p.reason, clock_.wall_ms());
        !s)
      return s;
    if (auto s = db_.check_changed(op, "page task", p.task_id); !s) return s;
    if (p.booklet_state) {
      auto booklet = db_.scalar(op, "SELECT booklet_id FROM page_tasks WHERE id = ?1", p.task_id);
      if (!booklet) return booklet.error();
      if (auto s = change_booklet_state(op, *booklet, *p.booklet_state); !s) return s;
    }
    for (const auto& e : p.events)
      if (auto s = insert_event(op, e); !s) return s;
    if (p.pending_cancel) return insert_pending_cancel(op, *p.pending_cancel);
    return Status::success();
  });
}

Status SqliteStore::insert_pending_cancel(std::string_view op, const PendingCancelRow& r) {
  // The same job again keeps its first record.
  return db_.exec(op,
                  "INSERT OR IGNORE INTO pending_cancels (printer, cups_job_id, job_name, reason, "
                  "since) VALUES (?1, ?2, ?3, ?4, ?5)",
                  r.printer, r.cups_job_id, r.job_name, r.reason, r.since);
}

Status SqliteStore::add_pending_cancel(const PendingCancelRow& row) {
  std::lock_guard lock(mu_);
  return insert_pending_cancel("add_pending_cancel", row);
}

Result<std::vector<PendingCancelRow>> SqliteStore::pending_cancels(const std::string& printer) {
  std::lock_guard lock(mu_);
  return db_.rows(
      "pending_cancels",
      +[](const Stmt& s) -> Result<PendingCancelRow> {
        return PendingCancelRow{s.text(0), s.i32(1), s.text(2), s.text(3), s.i64(4)};
      },
      "SELECT printer, cups_job_id, job_name, reason, since FROM pending_cancels "
      "WHERE printer = ?1 ORDER BY since, cups_job_id",
      printer);
}

Status SqliteStore::remove_pending_cancel(const std::string& printer, int cups_job_id) {
  std::lock_guard lock(mu_);
  return db_.exec("remove_pending_cancel",
                  "DELETE FROM pending_cancels WHERE printer = ?1 AND cups_job_id = ?2", printer,
                  cups_job_id);
}

Status SqliteStore::update_page_task(std::int64_t task_id, PageTaskState state, int cups_job_id,
                                     const std::string& reason,
                                     const std::optional<EventRow>& event) {
  constexpr std::string_view op = "update_page_task";
  std::lock_guard lock(mu_);
  return db_.transaction(op, [&]() -> Status {
    if (auto s = db_.exec(op,
                          "UPDATE page_tasks SET state = ?2, cups_job_id = ?3, reason = ?4, "
                          "updated_at = ?5 WHERE id = ?1",
                          task_id, to_string(state), cups_job_id, reason, clock_.wall_ms());
        !s)
      return s;
    if (auto s = db_.check_changed(op, "page task", task_id); !s) return s;
    if (event) return insert_event(op, *event);
    return Status::success();
  });
}

}  // namespace certprint::store
