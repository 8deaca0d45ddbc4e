// The states of stored rows, as enums. They become strings only in the
// database and in the API's JSON (to_string / *_from_string).
#pragma once

#include <optional>
#include <string_view>

namespace certprint::store {

// A booklet: "ready" (token made, not yet printed), "printing", "printed",
// "failed" (a page failed after reaching the printer: void it), "confirmed"
// (the clerk saw it good), "voided" (spoiled; reason kept), "superseded" (a
// replacement issuance replaced it).
enum class BookletState { ready, printing, printed, failed, confirmed, voided, superseded };

// A clerk's request to print, on one printer.
enum class PrintJobState { queued, running, done, failed };

// One page as one CUPS job: "submitting" (job name recorded, submission
// under way), "submitted" (CUPS job id known), then completed or failed;
// "skipped" when an earlier page failed.
enum class PageTaskState { queued, submitting, submitted, completed, failed, skipped };

// Blank stock entering the office's ledger ("received") or leaving it
// unused ("returned" to the supplier, "destroyed" under record).
enum class StockMovementKind { received, returned, destroyed };

std::string_view to_string(BookletState s);
std::string_view to_string(PrintJobState s);
std::string_view to_string(PageTaskState s);
std::optional<BookletState> booklet_state_from_string(std::string_view s);
std::optional<PrintJobState> print_job_state_from_string(std::string_view s);
std::optional<PageTaskState> page_task_state_from_string(std::string_view s);
std::string_view to_string(StockMovementKind k);
std::optional<StockMovementKind> stock_movement_kind_from_string(std::string_view s);

// A voided or superseded booklet is finished: its QR is invalid and it never
// changes state again.
inline bool is_live(BookletState s) {
  return s != BookletState::voided && s != BookletState::superseded;
}
// A page task that may still reach (or has reached, and is followed at) the
// printer: it holds its booklet.
inline bool is_open(PageTaskState s) {
  return s == PageTaskState::queued || s == PageTaskState::submitting ||
         s == PageTaskState::submitted;
}
// A page whose job was handed to the printer (or may have been): its paper
// may carry ink.
inline bool reached_printer(PageTaskState s) {
  return s == PageTaskState::submitting || s == PageTaskState::submitted ||
         s == PageTaskState::completed;
}

}  // namespace certprint::store
