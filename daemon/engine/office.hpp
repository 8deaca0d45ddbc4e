// What the registry, clerks, technicians and the verifier may ask of the
// daemon, as decisions over the store, independent of HTTP: intake, print
// requests, confirm and void, previews, calibration profiles and targets,
// verification. Each returns a Result whose Error code the API maps to a
// status (invalid, not_found, conflict, refused, unavailable, failed) and
// whose keyword ("stock_serial", "booklet_state", ...) it shows.
//
// Every call that changes something writes an audit row after it; a failed
// audit write is logged and counted (audit_failures), never silent.
//
// Thread-safety: every call may be made from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "calibration/fit.hpp"
#include "common/log.hpp"
#include "common/random.hpp"
#include "common/result.hpp"
#include "daemon/booklet/renderer_cache.hpp"
#include "daemon/engine/audit_queue.hpp"
#include "daemon/engine/event_log.hpp"
#include "daemon/engine/print_engine.hpp"
#include "daemon/stock/reconcile.hpp"
#include "daemon/store/store.hpp"
#include "issuance/record.hpp"
#include "layout/calibration.hpp"
#include "token/token.hpp"

namespace certprint::engine {

// Who asks, for the audit log: a token's name and its role's name.
struct Actor {
  std::string name;
  std::string role;
};

// One issuance's booklets (all, live first by holder) and events.
struct IssuanceStatus {
  std::string issuance_id;
  std::vector<store::BookletRow> booklets;
  std::vector<store::EventRow> events;
};

// One issuance as the clerk's list shows it.
struct IssuanceSummary {
  std::string issuance_id;
  issuance::Kind kind = issuance::Kind::marriage;
  bool replacement = false;
  std::string certificate_no;
  std::string male_name, female_name;
  Millis received_at = 0;
  std::vector<store::BookletRow> booklets;  // the live ones, male first
};

enum class Submitted { created, unchanged };

// One issuance of a print request: one-click, or one holder's booklet.
struct PrintRequest {
  std::string issuance_id;
  std::optional<issuance::Holder> holder;
};
struct QueuedJob {
  std::int64_t print_job_id = 0;
  std::size_t pages = 0;
};

struct PrintJobView {
  store::PrintJobRow job;
  struct Page {
    store::PageTaskRow task;
    std::optional<store::BookletRow> booklet;
  };
  std::vector<Page> pages;
  std::size_t pages_done = 0;
};

// A clerk's void: why, the new blank, and whether the blank itself was
// damaged (torn, stained by the supplier): only then may a booklet that
// never reached the printer be voided, since otherwise nothing was spoiled.
struct VoidRequest {
  std::string reason;
  std::string new_stock_serial;
  bool blank_damaged = false;
};

// What the stock ledger holds intakes and voids to. A serial never
// received is always listed as an anomaly by the reconciliation; with
// refuse_unreceived it is refused too (409 stock_serial), so stock must be
// recorded as received before its blanks are used.
struct StockPolicy {
  bool refuse_unreceived = false;
};

struct Voided {
  std::int64_t voided_id = 0;
  store::BookletRow replacement;  // on the new blank, state ready
};

enum class VerifyResult { match, voided, superseded, unknown };
std::string_view to_string(VerifyResult r);
struct Verification {
  VerifyResult result = VerifyResult::unknown;
  issuance::Kind kind = issuance::Kind::marriage;  // on a match
  std::string masked_name;                         // on a match: "张*"
  std::string masked_id_number;                    // on a match: "4401**********1231"
};

struct TargetPrinted {
  int cups_job_id = 0;
  int profile_version = 0;               // the printer's profile in force when it printed; 0: none
  std::vector<calibration::Mark> marks;  // labels and nominal positions (paper mm)
};

// The bidirectional alignment pattern as printed (calibration/bidi_pattern.hpp).
struct BidiPatternPrinted {
  int cups_job_id = 0;
  int profile_version = 0;  // the profile in force when it printed; 0: none
  int bidi_offset = 0;      // the offset it was printed with, 1/360 inch
};

// A technician's reading of the pattern, applied.
struct BidiAligned {
  int bidi_offset = 0;   // now in force
  int version = 0;       // the profile version holding it (0: none yet)
  bool changed = false;  // false when the reading was 0: nothing stored
};

// A fit of a printer's page correction from a target's measured marks, the
// profile it gives (the current one with that page replaced) and, when
// saved, the profile's new version.
struct CalibrationFit {
  calibration::FitResult fit;
  double page_width_mm = 0, page_height_mm = 0;  // the page the marks are on
  layout::Calibration proposed;
  std::optional<int> saved_version;
};

// "张伟" -> "张*"; "440106199003151231" -> "4401**********1231".
std::string mask_name(const std::string& utf8_name);
std::string mask_id_number(const std::string& id_number);

class Office {
 public:
  // `audit_batch`: how the verifications' audit rows are queued and
  // written (behind the answer, in batches); every other call's row is
  // written before it answers.
  Office(store::Store& store, const token::KeyRing& keys, EventLog& events, PrintEngine& engine,
         std::filesystem::path templates_dir, RandomSource random, LogSink log,
         AuditBatchConfig audit_batch = {});

  // registry: intake of a validated record, refused (invalid, naming the
  // field) unless both pages of every booklet can be laid out. The same
  // record again is
  // `unchanged`; another record under the same id is a conflict. A
  // replacement marks the booklets it supersedes (again on a retry, so a
  // crash in between is mended by the registry's retry).
  Result<Submitted> submit(const Actor& who, const issuance::Issuance& record);
  Result<IssuanceStatus> status(const std::string& issuance_id);
  // clerk: the issuances received in [from, to), newest first; with
  // `state`, only those with a live booklet in it. At most `limit`.
  Result<std::vector<IssuanceSummary>> issuances_received(Millis from, Millis to,
                                                          std::optional<store::BookletState> state,
                                                          int limit);

  // clerk
  Result<QueuedJob> queue_print(const Actor& who, const std::string& printer,
                                const std::vector<PrintRequest>& what);
  Result<PrintJobView> print_job(std::int64_t id);
  Result<store::BookletRow> confirm(const Actor& who, const std::string& issuance_id,
                                    issuance::Holder holder);
  Result<Voided> void_booklet(const Actor& who, const std::string& issuance_id,
                              issuance::Holder holder, const VoidRequest& request);
  // PNG of the page over the blank form: the 180-dpi raster a 24-pin
  // printer prints, each dot 2 x 2 pixels (360 dpi), so every character
  // reads as it will on paper.
  Result<std::string> preview_png(const std::string& issuance_id, issuance::Holder holder,
                                  issuance::PageKind page);

  // clerk, technician: a printer held because a cancelled page may still
  // print (its cancel did not get through). Releasing it says the clerk has
  // seen to the paper; returns how many cancels were given up.
  Result<std::vector<store::PendingCancelRow>> held_jobs(const std::string& printer);
  Result<int> release_printer(const Actor& who, const std::string& printer);

  // technician
  Result<std::vector<store::CalibrationRow>> calibrations(const std::string& printer);
  // Refused when it would move page 5's QR out of its zone (any template).
  Result<int> set_calibration(const Actor& who, const std::string& printer,
                              layout::Calibration calibration);
  // Prints a calibration target on an idle printer, with or without its
  // current correction.
  Result<TargetPrinted> print_target(const Actor& who, const std::string& printer,
                                     issuance::PageKind page, bool corrected);
  // Fits the page's correction from where the target's marks landed
  // (`printed_corrected`: the target was printed with the current
  // correction, which the fit then refines) and checks the profile it gives
  // as set_calibration would; `save` stores it as the next version.
  // refused: the fit or a template's layout refuses it, naming the mark.
  // `printed_with`: the profile version the corrected target was printed
  // with (TargetPrinted::profile_version); another version in force now is
  // a conflict ("calibration_changed"): the target must be printed again.
  Result<CalibrationFit> fit_calibration(const Actor& who, const std::string& printer,
                                         issuance::PageKind page,
                                         const std::vector<calibration::Measurement>& measured,
                                         bool printed_corrected, std::optional<int> printed_with,
                                         bool save);
  // Prints the bidirectional alignment pattern with the offset in force, at
  // a printer of the passbook driver (format=raster; refused otherwise).
  Result<BidiPatternPrinted> print_bidi_pattern(const Actor& who, const std::string& printer);
  // Applies the candidate a technician saw meet (-8..8) on a pattern printed
  // with profile `printed_with`: the new offset is the one it was printed
  // with plus `aligned`, stored as the next profile version. conflict
  // ("calibration_changed") when another version is in force now; refused
  // beyond +-36/360 inch.
  Result<BidiAligned> align_bidi(const Actor& who, const std::string& printer, int aligned,
                                 int printed_with);
  // The target as a vector PDF with no correction, for a technician to
  // print elsewhere or keep (certcal chart).
  Result<std::string> target_chart_pdf(issuance::PageKind page);

  // technician: the blank-stock ledger. A movement (received, returned,
  // destroyed) dated now, by `who`, with its audit row; refused as the
  // store says (overlap, never received, used, gone). The reconciliation
  // of [from, to), and where one serial stands now.
  Result<store::StockMovementRow> record_stock(const Actor& who, store::StockMovementRow movement);
  Result<stock::Reconciliation> reconcile_stock(Millis from, Millis to);
  // The same as the A4 PDF a manager signs (daemon/report/), in the
  // templates' font; `first_day`/`last_day` name the period on it.
  Result<std::string> stock_report_pdf(const Actor& who, Millis from, Millis to,
                                       const std::string& first_day, const std::string& last_day);
  Result<stock::SerialState> stock_serial_state(const std::string& serial);
  // Every movement recorded, oldest first.
  Result<std::vector<store::StockMovementRow>> stock_movements();
  void set_stock_policy(StockPolicy policy) { stock_policy_ = policy; }

  // verifier
  Result<Verification> verify(const Actor& who, const std::string& token);

  // registry, technician: events the outbox set aside (the registry refused
  // them for good, or every attempt failed), oldest first; and putting one
  // back in line (not_found: no such event; conflict: it is not set aside).
  Result<std::vector<store::EventRow>> dead_events();
  Status retry_event(const Actor& who, const std::string& event_id);

  // For health and metrics: what is waiting. Fails when the store does not
  // answer.
  struct Gauges {
    std::size_t unfinished_print_jobs = 0;
    std::size_t outbox_due = 0;   // every undelivered event not set aside
    std::size_t outbox_dead = 0;  // set aside, waiting for a person
  };
  Result<Gauges> gauges();

  long audit_failures() const { return audit_failures_ + verify_audit_.failures(); }
  // Writes the queued verifications' audit rows now (an orderly stop; the
  // destructor does too).
  void flush_audit() { verify_audit_.flush(); }

 private:
  Result<std::vector<store::BookletRow>> live_booklets(const std::string& issuance_id);
  Result<store::BookletRow> live_booklet(const std::string& issuance_id, issuance::Holder holder);
  Status supersede(const issuance::Issuance& record);
  Status check_printable(const issuance::Issuance& record,
                         const std::vector<store::Store::NewBooklet>& booklets);
  Result<std::map<std::int64_t, std::int64_t>> held_booklets();
  Status add_pages(const PrintRequest& request, const std::map<std::int64_t, std::int64_t>& held,
                   std::vector<store::PageTaskRow>& tasks);
  // Every template planned under `cal` on printer `p`. REQUIRES: render_mutex_.
  Status check_profile(const PrinterConfig& p, const layout::Calibration& cal);
  // The newest profile and its version (no correction and 0 when none).
  Result<std::pair<layout::Calibration, int>> current_profile(const std::string& printer);
  Result<int> store_profile(const Actor& who, const std::string& printer,
                            const layout::Calibration& cal);
  Result<printing::PageJob> target_job(const PrinterConfig& printer, issuance::PageKind page,
                                       const layout::Affine& correction,
                                       const std::vector<calibration::Mark>& marks,
                                       int bidi_offset);
  void audit(const Actor& who, const std::string& action, const std::string& subject,
             const std::string& detail);
  // Under StockPolicy::refuse_unreceived, a serial no received range holds
  // is refused, naming `field`.
  Status check_received(const std::string& field, const std::string& serial);

  store::Store& store_;
  StockPolicy stock_policy_;
  const token::KeyRing& keys_;
  EventLog& events_;
  PrintEngine& engine_;
  RandomSource random_;
  LogSink log_;
  std::mutex render_mutex_;  // guards renderers_: renderers are not thread-safe
  // Held while a profile is read, checked and stored, so that two
  // technicians' changes never undo one another.
  std::mutex calibration_mutex_;
  booklet::RendererCache renderers_;
  std::mutex queue_mutex_;  // checking and queuing print jobs, together
  std::atomic<long> audit_failures_{0};
  AuditQueue verify_audit_;  // last: its writer stops before the rest goes
};

}  // namespace certprint::engine
