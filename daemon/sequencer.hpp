// Printing pages in the prescribed order, one CUPS job per page, each page
// only after the previous one completed; a page that fails halts the
// sequence and nothing after it is sent.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "daemon/booklet.hpp"
#include "daemon/printer_port.hpp"
#include "issuance/record.hpp"
#include "token/token.hpp"

namespace certprint::daemon {

// One page of one booklet, to be one print job.
struct PageStep {
  std::string issuance_id;
  issuance::Holder holder = issuance::Holder::male;
  PageKind kind = PageKind::info;
  std::string job_name;  // opaque, unique; recorded before submission
  // A job already handed to the printer before a restart: followed, never
  // submitted again. 0: submit a new job.
  int existing_job_id = 0;
  // The page was being submitted when the daemon stopped and its job id was
  // not recorded: look the job up by name first, submit only if absent.
  bool maybe_submitted = false;
  std::string describe() const;  // "issuance X male page 5": no personal data
};

enum class PrintMode { one_click, male_only, female_only };

// An opaque job name: "cp-" and 20 random hex digits.
Result<std::string> opaque_job_name(const token::RandomSource& random);

// The pages of each issuance, issuances in the order given: one-click is
// male info, male page 5, female info, female page 5; a replacement prints
// only the booklets it carries; male_only/female_only print that booklet's
// two pages, and refuse an issuance that does not carry it.
Result<std::vector<PageStep>> plan_pages(const std::vector<issuance::Issuance>& issuances,
                                         PrintMode mode, const token::RandomSource& random);

// The document of a page, rendered when the sequence reaches it.
class PageSource {
 public:
  virtual ~PageSource() = default;
  virtual Result<PageJob> page(const PageStep& step) = 0;
};

struct PageEvent {
  // `submitting` comes before the job is handed over: a listener that
  // persists it knows, after a crash, that the page may be at the printer.
  enum class Type { submitting, submitted, waiting, completed, failed };
  Type type = Type::submitted;
  std::size_t index = 0;  // 0-based position in the sequence
  std::size_t total = 0;
  const PageStep* step = nullptr;
  int job_id = 0;      // 0 before submission
  std::string detail;  // reasons while waiting, the cause when failed
};
std::string_view to_string(PageEvent::Type t);

class SequenceListener {
 public:
  virtual ~SequenceListener() = default;
  virtual void on_page(const PageEvent& event) = 0;
  // False once the listener could not keep what it was told (a store write
  // failed): the sequence then stops before handing anything more to the
  // printer, since a page it could not record might be sent again later.
  virtual bool healthy() const { return true; }
};

// Time, behind a seam so tests of timeouts need not wait.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::steady_clock::time_point now() = 0;
  virtual void sleep_for(std::chrono::milliseconds d) = 0;
};
Clock& system_clock();

struct SequencerConfig {
  // How often a job's state is read while it prints.
  std::chrono::milliseconds poll_interval{100};
  // How long a job may sit held, stopped, or behind a printer that needs a
  // person (media-needed, offline, paused) before the page is failed.
  std::chrono::milliseconds stall_timeout{60'000};
  // The longest one page may take from submission to completion.
  std::chrono::milliseconds job_timeout{180'000};
};

struct SequenceResult {
  std::size_t completed = 0;             // pages printed, from the start
  std::optional<std::size_t> failed_at;  // index of the page that failed
  std::string reason;                    // why, when failed_at is set
  bool stopped_unrecorded = false;       // stopped because the listener could not record
  bool ok() const { return !failed_at; }
};

// Runs the pages in order. A page that fails (refused, aborted, canceled,
// stalled past stall_timeout, or not done within job_timeout) is cancelled
// at the printer if still there, so it cannot print later behind the
// clerk's back, and the sequence stops.
// The caller holds the printer's lock (PrinterLocks) for the whole run.
SequenceResult run_sequence(PrinterPort& port, PageSource& source,
                            const std::vector<PageStep>& steps, SequenceListener& listener,
                            const SequencerConfig& config, Clock& clock);

// One mutex per printer name, so two sequences never interleave pages.
class PrinterLocks {
 public:
  std::unique_lock<std::mutex> acquire(const std::string& printer);

 private:
  std::mutex guard_;
  std::map<std::string, std::unique_ptr<std::mutex>> locks_;
};

}  // namespace certprint::daemon
