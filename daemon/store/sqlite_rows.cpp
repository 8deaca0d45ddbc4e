#include "daemon/store/sqlite_rows.hpp"

namespace certprint::store {
namespace {

// A value written by something other than this store (a newer certprint,
// a hand edit): named with its row, so it can be found and repaired.
Error unknown(std::string_view table, std::int64_t id, std::string_view what,
              const std::string& value) {
  return Error{std::string(table) + " row " + std::to_string(id) + ": " + std::string(what) +
               " \"" + value + "\" is not one this certprint knows"};
}

}  // namespace

Result<IssuanceRow> read_issuance(const Stmt& s) {
  return IssuanceRow{s.text(0), s.text(1), s.i64(2)};
}

Result<BookletRow> read_booklet(const Stmt& s) {
  BookletRow r;
  r.id = s.i64(0);
  r.issuance_id = s.text(1);
  const auto holder = issuance::holder_from_string(s.text(2));
  if (!holder) return unknown("booklets", s.i64(0), "holder", s.text(2));
  r.holder = *holder;
  r.stock_serial = s.text(3);
  r.token = s.text(4);
  const auto state = booklet_state_from_string(s.text(5));
  if (!state) return unknown("booklets", s.i64(0), "state", s.text(5));
  r.state = *state;
  r.void_reason = s.text(6);
  r.replaces = s.opt_i64(7);
  r.updated_at = s.i64(8);
  return r;
}

Result<PrintJobRow> read_print_job(const Stmt& s) {
  const auto state = print_job_state_from_string(s.text(2));
  if (!state) return unknown("print_jobs", s.i64(0), "state", s.text(2));
  return PrintJobRow{s.i64(0), s.text(1), *state, s.text(3), s.text(4), s.i64(5)};
}

Result<PageTaskRow> read_page_task(const Stmt& s) {
  PageTaskRow r;
  r.id = s.i64(0);
  r.print_job_id = s.i64(1);
  r.position = s.i32(2);
  r.booklet_id = s.i64(3);
  const auto page = issuance::page_kind_from_string(s.text(4));
  if (!page) return unknown("page_tasks", s.i64(0), "page", s.text(4));
  r.page = *page;
  r.job_name = s.text(5);
  r.cups_job_id = s.i32(6);
  const auto state = page_task_state_from_string(s.text(7));
  if (!state) return unknown("page_tasks", s.i64(0), "state", s.text(7));
  r.state = *state;
  r.reason = s.text(8);
  r.updated_at = s.i64(9);
  return r;
}

Result<EventRow> read_event(const Stmt& s) {
  EventRow r;
  r.event_id = s.text(0);
  r.issuance_id = s.text(1);
  r.sequence = s.i64(2);
  r.type = s.text(3);
  r.body = s.text(4);
  r.created_at = s.i64(5);
  r.attempts = s.i32(6);
  r.next_attempt_at = s.i64(7);
  r.delivered_at = s.opt_i64(8);
  r.last_error = s.text(9);
  r.dead_at = s.opt_i64(10);
  return r;
}

Result<AuditRow> read_audit(const Stmt& s) {
  return AuditRow{s.i64(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5)};
}

Result<CalibrationRow> read_calibration(const Stmt& s) {
  return CalibrationRow{s.text(0), s.i32(1), s.text(2), s.text(3), s.i64(4)};
}

Result<std::int64_t> read_id(const Stmt& s) { return s.i64(0); }

}  // namespace certprint::store
