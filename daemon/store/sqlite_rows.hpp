// Reading rows of the store's tables (internal to daemon/store/): the
// SELECT column lists and the readers that turn a row into its struct,
// refusing a state or kind the schema does not know.
#pragma once

#include <string>
#include <string_view>

#include "daemon/store/sqlite_db.hpp"
#include "daemon/store/store.hpp"

namespace certprint::store {

inline constexpr std::string_view kIssuanceSelect =
    "SELECT issuance_id, document, created_at FROM issuances ";
inline constexpr std::string_view kBookletSelect =
    "SELECT id, issuance_id, holder, stock_serial, token, state, void_reason, replaces, "
    "updated_at FROM booklets ";
inline constexpr std::string_view kPrintJobSelect =
    "SELECT id, printer, state, reason, requested_by, created_at FROM print_jobs ";
inline constexpr std::string_view kPageTaskSelect =
    "SELECT id, print_job_id, position, booklet_id, page, job_name, cups_job_id, state, reason, "
    "updated_at FROM page_tasks ";
inline constexpr std::string_view kEventSelect =
    "SELECT event_id, issuance_id, sequence, type, body, created_at, attempts, next_attempt_at, "
    "delivered_at, last_error, dead_at FROM events ";

Result<IssuanceRow> read_issuance(const Stmt& s);
Result<BookletRow> read_booklet(const Stmt& s);
Result<PrintJobRow> read_print_job(const Stmt& s);
Result<PageTaskRow> read_page_task(const Stmt& s);
Result<EventRow> read_event(const Stmt& s);
Result<AuditRow> read_audit(const Stmt& s);
Result<CalibrationRow> read_calibration(const Stmt& s);
Result<std::int64_t> read_id(const Stmt& s);

inline std::string cat(std::string_view a, std::string_view b) {
  std::string s(a);
  s += b;
  return s;
}

}  // namespace certprint::store
