// The daemon's durable state: one SQLite file (WAL, synchronous=FULL, mode
// 0600, schema migrations). Every call that returns ok has committed.
//
// Tables: issuances, booklets, page_tasks, print_jobs, events (with their
// delivery state: the outbox), audit, calibrations. Personal data lives only
// in the issuance document; the audit log and events carry ids, never names
// or ID numbers.
//
// Thread-safety: a Store serialises its own calls (one connection, one
// mutex); share one Store between threads.
//
// Errors carry a code: conflict (the id, event or sequence exists; keyword
// "stock_serial" when a blank is already on a live booklet), not_found, or
// failed (SQLite itself).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "daemon/store/states.hpp"
#include "issuance/record.hpp"

namespace certprint::store {

// ---- records -------------------------------------------------------------

struct IssuanceRow {
  std::string issuance_id;
  std::string document;  // canonical JSON of the validated record
  Millis created_at = 0;
};

struct BookletRow {
  std::int64_t id = 0;
  std::string issuance_id;
  issuance::Holder holder = issuance::Holder::male;
  std::string stock_serial;  // 10 digits; unique among live booklets
  std::string token;         // unique
  BookletState state = BookletState::ready;
  std::string void_reason;               // when voided
  std::optional<std::int64_t> replaces;  // booklet id this one replaces (reprint or 补领)
  Millis updated_at = 0;
};

// A clerk's request to print: one issuance (one-click or one spouse) or a
// batch, on one printer.
struct PrintJobRow {
  std::int64_t id = 0;
  std::string printer;
  PrintJobState state = PrintJobState::queued;
  std::string reason;  // when failed
  std::string requested_by;
  Millis created_at = 0;
};

// One page as one CUPS job.
struct PageTaskRow {
  std::int64_t id = 0;
  std::int64_t print_job_id = 0;
  int position = 0;  // order within the print job, from 0
  std::int64_t booklet_id = 0;
  issuance::PageKind page = issuance::PageKind::info;
  std::string job_name;  // opaque, unique, set when the task is created
  int cups_job_id = 0;   // 0 until submitted
  PageTaskState state = PageTaskState::queued;
  std::string reason;
  Millis updated_at = 0;
};

// A state change to deliver to the registry, in order per issuance.
struct EventRow {
  std::string event_id;  // unique (random), lets the registry drop duplicates
  std::string issuance_id;
  std::int64_t sequence = 0;  // 1, 2, 3 ... per issuance
  std::string type;           // "accepted", "page_printed", "booklet_printed", "failed", ...
  std::string body;           // JSON payload, no personal data
  Millis created_at = 0;
  int attempts = 0;
  Millis next_attempt_at = 0;
  std::optional<Millis> delivered_at;
  std::string last_error;
  // Set aside (dead-lettered): the registry refused it for good, or every
  // attempt failed. Not retried until asked; later events do not wait for it.
  std::optional<Millis> dead_at;
};

// What the outbox holds, for health and metrics.
struct OutboxCounts {
  std::int64_t undelivered = 0;  // waiting to be delivered, not set aside
  std::int64_t dead = 0;         // set aside
};

struct AuditRow {
  Millis at = 0;
  std::string actor;    // token name, e.g. "clerk-desk-3"
  std::string role;     // registry | clerk | technician | verifier
  std::string action;   // "submit", "print", "confirm", "void", "calibrate", "verify" ...
  std::string subject;  // issuance id, booklet id, printer: never personal data
  std::string detail;
};

struct CalibrationRow {
  std::string printer;
  int version = 0;      // 1, 2, 3 ... per printer
  std::string profile;  // calibration JSON (layout::to_json form)
  std::string set_by;
  Millis set_at = 0;
};

// A print job the daemon asked the printer to cancel, without an answer: the
// page may still print, so its printer takes nothing new until the cancel
// is sure or a clerk releases the printer.
struct PendingCancelRow {
  std::string printer;
  int cups_job_id = 0;
  std::string job_name;  // opaque
  std::string reason;    // why the page was failed
  Millis since = 0;
};

// A page's progress as one change: the page task's new state, the state its
// booklet takes with it (if any), and the events that tell of both.
struct PageProgress {
  std::int64_t task_id = 0;
  PageTaskState state = PageTaskState::queued;
  int cups_job_id = 0;
  std::string reason;
  std::optional<BookletState> booklet_state;  // of the task's booklet
  std::vector<EventRow> events;
  std::optional<PendingCancelRow> pending_cancel;  // a cancel that did not get through
};

// ---- blank stock: the ledger's facts ---------------------------------------

// A range of blanks entering or leaving the stock; never deleted or changed
// (a mistake is put right by a later movement).
struct StockMovementRow {
  std::int64_t id = 0;
  Millis at = 0;
  StockMovementKind kind = StockMovementKind::received;
  std::string first_serial;  // 10 digits
  std::string last_serial;   // 10 digits, >= first_serial; the range is inclusive
  std::string reference;     // delivery note, return slip, destruction record
  std::string actor;         // token name
};

// A serial put on a booklet (once, ever: see add_issuance).
struct SerialUseRow {
  std::string stock_serial;
  std::int64_t booklet_id = 0;
  std::string issuance_id;
  issuance::Holder holder = issuance::Holder::male;
  Millis used_at = 0;
};

// A booklet's state from `at` on; with the void's reason when voided.
struct BookletStateRow {
  std::int64_t booklet_id = 0;
  BookletState state = BookletState::ready;
  Millis at = 0;
  std::string void_reason;
};

// Everything the ledger reckons with, in time order (booklet states per
// booklet in time order). `reused`: booklets of a store from before serials
// were used once that took a serial already used (their serial's use is the
// first booklet's). `voids`: the audit rows of voids (who and when).
struct LedgerFacts {
  std::vector<StockMovementRow> movements;
  std::vector<SerialUseRow> uses;
  std::vector<BookletStateRow> booklet_states;
  std::vector<SerialUseRow> reused;
  std::vector<AuditRow> voids;
};

// ---- the store -----------------------------------------------------------

class Store {
 public:
  // Opens (creating with mode 0600 when absent) and migrates the schema.
  // Rows' updated_at times come from `clock`'s wall time. The store holds
  // an exclusive lock (flock on "<file>.lock", created 0600 beside it) while
  // it lives: opening a file another Store holds (another certprintd, or
  // this process again) fails with code unavailable, naming the file.
  static Result<std::unique_ptr<Store>> open(const std::filesystem::path& file,
                                             Clock& clock = system_clock());
  virtual ~Store() = default;

  // Issuance intake, all in one transaction: the issuance, its booklets
  // (state ready), the "accepted" event. Fails with code conflict when the
  // id exists (the caller compares documents), or conflict with keyword
  // "stock_serial" when a serial is already on a live booklet.
  struct NewBooklet {
    issuance::Holder holder = issuance::Holder::male;
    std::string stock_serial;
    std::string token;
  };
  virtual Status add_issuance(const IssuanceRow& issuance, const std::vector<NewBooklet>& booklets,
                              const EventRow& accepted) = 0;
  virtual Result<std::optional<IssuanceRow>> issuance(const std::string& issuance_id) = 0;
  virtual Result<std::vector<BookletRow>> booklets(const std::string& issuance_id) = 0;
  // The issuances received in [from, to), newest first, at most `limit`;
  // with `state`, only those with a booklet (live or not) in that state.
  virtual Result<std::vector<IssuanceRow>> issuances_received(Millis from, Millis to,
                                                              std::optional<BookletState> state,
                                                              int limit) = 0;
  virtual Result<std::optional<BookletRow>> booklet_by_token(const std::string& token) = 0;
  virtual Result<std::optional<BookletRow>> booklet(std::int64_t id) = 0;
  virtual Result<std::vector<BookletRow>> booklets_in_state(BookletState state) = 0;

  // A booklet state change and its event in one transaction. `event` may be
  // empty (no event for that change).
  virtual Status set_booklet_state(std::int64_t booklet_id, BookletState state,
                                   const std::optional<EventRow>& event) = 0;
  // Voids a booklet and adds its successor on a new blank (state ready,
  // replaces = the voided one) in one transaction; returns the new id.
  // Refused (conflict, booklet_state) when the booklet is no longer live or
  // is printing by then.
  virtual Result<std::int64_t> void_and_replace(std::int64_t booklet_id, const std::string& reason,
                                                const std::string& new_stock_serial,
                                                const std::string& new_token,
                                                const EventRow& event) = 0;

  // Print jobs and their page tasks, created together.
  virtual Result<std::int64_t> add_print_job(const PrintJobRow& job,
                                             const std::vector<PageTaskRow>& tasks) = 0;
  virtual Result<std::optional<PrintJobRow>> print_job(std::int64_t id) = 0;
  virtual Result<std::vector<PageTaskRow>> page_tasks(std::int64_t print_job_id) = 0;
  // Print jobs not finished (queued or running), oldest first: what a
  // restarted daemon must continue.
  virtual Result<std::vector<PrintJobRow>> unfinished_print_jobs() = 0;
  virtual Status set_print_job_state(std::int64_t id, PrintJobState state,
                                     const std::string& reason) = 0;
  // A page's progress (task, booklet and events) in one transaction, so a
  // booklet's state never disagrees with its pages'. Refused (conflict) when
  // the booklet is voided or superseded.
  virtual Status record_page(const PageProgress& progress) = 0;
  // Cancels not yet sure, per printer; removing one that is gone is no error.
  virtual Status add_pending_cancel(const PendingCancelRow& row) = 0;
  virtual Result<std::vector<PendingCancelRow>> pending_cancels(const std::string& printer) = 0;
  virtual Status remove_pending_cancel(const std::string& printer, int cups_job_id) = 0;
  // Every page task of one booklet, across print jobs, oldest first.
  virtual Result<std::vector<PageTaskRow>> booklet_page_tasks(std::int64_t booklet_id) = 0;
  // Page task state change with optional event, in one transaction.
  virtual Status update_page_task(std::int64_t task_id, PageTaskState state, int cups_job_id,
                                  const std::string& reason,
                                  const std::optional<EventRow>& event) = 0;

  // Events for an issuance (all, in sequence order), and the outbox.
  virtual Result<std::int64_t> next_event_sequence(const std::string& issuance_id) = 0;
  virtual Status add_event(const EventRow& event) = 0;
  virtual Result<std::vector<EventRow>> events(const std::string& issuance_id) = 0;
  // Per issuance, the oldest undelivered event if its next attempt is due;
  // later events of an issuance wait for earlier ones.
  virtual Result<std::vector<EventRow>> due_events(Millis now, int limit) = 0;
  // Sets an event aside with the reason (see EventRow::dead_at).
  virtual Status mark_dead(const std::string& event_id, const std::string& error, Millis at) = 0;
  // Puts a set-aside event back in line, due at `now` with no attempts
  // counted. not_found when no such event; conflict when it is not set aside.
  virtual Status retry_event(const std::string& event_id, Millis now) = 0;
  virtual Result<OutboxCounts> outbox_counts() = 0;
  // Set-aside events, oldest first, at most `limit`.
  virtual Result<std::vector<EventRow>> dead_events(int limit) = 0;
  // Deletes delivered events created before `delivered_before` (keeping each
  // issuance's newest, so its sequence goes on), and audit rows of the
  // verify action before `verify_audit_before`. Returns the rows deleted.
  virtual Result<std::int64_t> prune(Millis delivered_before, Millis verify_audit_before) = 0;
  virtual Status mark_delivered(const std::string& event_id, Millis at) = 0;
  virtual Status mark_attempt_failed(const std::string& event_id, const std::string& error,
                                     Millis next_attempt_at) = 0;

  virtual Status audit(const AuditRow& row) = 0;
  virtual Result<std::vector<AuditRow>> audit_log(int limit) = 0;

  // The blank-stock ledger. A movement and its audit row in one
  // transaction; refused with code conflict (keyword "stock") when a
  // received range overlaps one received before, or a returned or destroyed
  // range holds a serial that was never received, was used on a booklet, or
  // left the stock already (the message names the serial and why).
  virtual Result<std::int64_t> add_stock_movement(const StockMovementRow& row,
                                                  const AuditRow& audit) = 0;
  virtual Result<LedgerFacts> ledger_facts() = 0;
  // Whether a received range holds `serial`.
  virtual Result<bool> stock_received(const std::string& serial) = 0;

  // Calibration profiles, versioned per printer; the newest is in force.
  virtual Result<int> add_calibration(const CalibrationRow& row) = 0;  // returns the new version
  virtual Result<std::vector<CalibrationRow>> calibrations(const std::string& printer) = 0;

  // Audit rows written together (the verifications' audit queue): all or
  // none, so a batch costs one commit. This default writes them one by one.
  virtual Status audit_batch(const std::vector<AuditRow>& rows) {
    for (const auto& row : rows)
      if (auto s = audit(row); !s) return s;
    return Status::success();
  }
};

}  // namespace certprint::store
