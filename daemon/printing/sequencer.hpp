// Printing pages in the prescribed order, one CUPS job per page, each page
// only after the previous one completed; a page that fails halts the
// sequence and nothing after it is sent.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "daemon/printing/plan.hpp"
#include "daemon/printing/port.hpp"

namespace certprint::printing {

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
  // On failed: the page may have reached the printer although no job of it
  // is known (a submission cut off after its document went out, a printer
  // that forgets its jobs): its paper may carry ink.
  bool maybe_reached_printer = false;
  // On failed: a job the printer was asked to cancel without an answer (it
  // may still print); 0 when there is none.
  int uncancelled_job_id = 0;
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

struct SequencerConfig {
  // How often a job's state is read while it prints.
  std::chrono::milliseconds poll_interval{100};
  // How long a job may sit held, stopped, or behind a printer that needs a
  // person (media-needed, offline, paused) before the page is failed.
  std::chrono::milliseconds stall_timeout{60'000};
  // The longest one page may take from submission to completion.
  std::chrono::milliseconds job_timeout{180'000};
  // After a restart, how long a page's job found still waiting for its
  // document is watched before it is taken as cut off and replaced: the
  // stopped daemon's last bytes may still be arriving.
  std::chrono::milliseconds incoming_grace{3'000};
  // How long a page may wait for media alone (PrinterStatus::waits_for_media:
  // a passbook printer waiting for the booklet) before it is failed;
  // nullopt: as stall_timeout; kNoLimit: as long as the clerk needs. When
  // set, time spent so does not count towards job_timeout.
  std::optional<std::chrono::milliseconds> media_wait{};
  static constexpr std::chrono::milliseconds kNoLimit = std::chrono::milliseconds::max();
};

struct SequenceResult {
  std::size_t completed = 0;             // pages printed, from the start
  int last_job_id = 0;                   // the printer's id of the last page's job
  std::optional<std::size_t> failed_at;  // index of the page that failed
  std::string reason;                    // why, when failed_at is set
  bool stopped_unrecorded = false;       // stopped because the listener could not record
  // Stopped because the caller asked (the daemon is shutting down): the page
  // under way is left as it stands (submitted pages are followed again after
  // a restart) and nothing after it was sent. Not a failure.
  bool stopped = false;
  bool ok() const { return !failed_at && !stopped; }
};

// Runs the pages in order. A page that fails (refused, aborted, canceled,
// stalled past stall_timeout, or not done within job_timeout) is cancelled
// at the printer if still there, so it cannot print later behind the
// clerk's back, and the sequence stops.
// The caller holds the printer's lock (PrinterLocks) for the whole run.
// `stop`, when given, is watched between pages and at every poll of the page
// under way: once set, the sequence returns `stopped` within one poll
// interval plus the printer call in progress.
SequenceResult run_sequence(PrinterPort& port, PageSource& source,
                            const std::vector<PageStep>& steps, SequenceListener& listener,
                            const SequencerConfig& config, Clock& clock,
                            const std::atomic<bool>* stop = nullptr);

// One page outside any booklet (a calibration target, named by `label`):
// submitted, followed to its end like a booklet's page, and cancelled when
// it fails. The caller holds the printer for the whole run.
SequenceResult print_page(PrinterPort& port, const PageJob& job, const std::string& label,
                          const SequencerConfig& config, Clock& clock,
                          const std::atomic<bool>* stop = nullptr);

// One mutex per printer name, so two sequences never interleave pages.
class PrinterLocks {
 public:
  std::unique_lock<std::mutex> acquire(const std::string& printer);

 private:
  std::mutex guard_;
  std::map<std::string, std::unique_ptr<std::mutex>> locks_;
};

}  // namespace certprint::printing
