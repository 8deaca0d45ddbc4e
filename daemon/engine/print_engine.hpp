// The daemon's printing: one worker thread per configured printer takes
// that printer's queued print jobs from the store, oldest first, and runs
// them through the sequencer. Every page state is stored before the next
// step, so a restarted daemon continues where it stopped: a page whose job
// reached CUPS is followed, not sent again; one that never reached CUPS is
// sent once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/result.hpp"
#include "daemon/engine/event_log.hpp"
#include "daemon/printing/cups/cups_port.hpp"
#include "daemon/printing/port.hpp"
#include "daemon/printing/sequencer.hpp"
#include "daemon/store/store.hpp"
#include "layout/geometry.hpp"

namespace certprint::engine {

struct PrinterConfig {
  std::string name;                     // as clerks and the API name it
  printing::cups::CupsPortConfig cups;  // the cupsd queue (or IPP URI) behind it
  printing::DocumentFormat format = printing::DocumentFormat::pdf;
  layout::Resolution res{600, 600};
  // How a page gets to the head: from a tray, or put in by hand one at a
  // time (a passbook printer takes the booklet opened at the page; the
  // console tells the clerk which, before each page).
  enum class Feed { tray, manual, passbook };
  Feed feed = Feed::tray;
  // How long a page may wait for media (the booklet inserted, paper loaded)
  // before it fails; nullopt: without limit by hand or at a passbook, the
  // stall timeout at a tray.
  std::optional<std::chrono::milliseconds> media_wait;
};
std::string_view to_string(PrinterConfig::Feed feed);
// The sequencer's settings for one printer: its media wait.
printing::SequencerConfig sequencer_for(const printing::SequencerConfig& base,
                                        const PrinterConfig& printer);

struct PrintEngineConfig {
  std::vector<PrinterConfig> printers;
  std::filesystem::path templates_dir;
  printing::SequencerConfig sequencer;
};

// Opens a connection to a configured printer (the real one is libcups's).
using PortFactory =
    std::function<Result<std::unique_ptr<printing::PrinterPort>>(const PrinterConfig&)>;

// Counters for metrics.
struct PrintCounters {
  std::atomic<long> pages_printed{0}, pages_failed{0}, jobs_done{0}, jobs_failed{0};
  std::atomic<long> submit_latency_ms_sum{0}, submits{0};
  std::atomic<long> store_write_failures{0};  // state writes the store refused
};

// The booklets of a print job by their pages' job names; a booklet's two
// pages share one row, so a change made for one page is seen by the other.
using BookletsByJobName = std::map<std::string, std::shared_ptr<store::BookletRow>>;

// What is left to print of one print job, read from the store.
struct JobPlan {
  BookletsByJobName booklets;
  std::vector<printing::PageStep> steps;
  std::vector<store::PageTaskRow> open_tasks;  // one per step
  std::set<std::int64_t> reached_printer;      // booklets with a page sent by an earlier run
};

class PrintEngine {
 public:
  PrintEngine(store::Store& store, EventLog& events, PrintEngineConfig config, PortFactory ports,
              Clock& clock, LogSink log);
  ~PrintEngine();
  PrintEngine(const PrintEngine&) = delete;
  PrintEngine& operator=(const PrintEngine&) = delete;

  // Starts the workers; each first continues its printer's unfinished jobs.
  void start();
  // Sends nothing more and follows the page under way no further; returns
  // when every worker has stopped: within the poll interval plus one printer
  // call in progress (its timeout, 10 s by default). Unfinished jobs stay in
  // the store for the next start. Safe from any thread, more than once.
  void stop();
  // A job was queued for `printer`.
  void notify(const std::string& printer);

  const PrinterConfig* printer(const std::string& name) const;
  const std::vector<PrinterConfig>& printers() const { return config_.printers; }
  // Prints one page outside any booklet (a calibration target) on an idle
  // printer: under the printer's lock, so no booklet page goes out while it
  // prints, and followed to its end. Returns the CUPS job id once the page
  // completed; conflict "printer_busy" when print jobs are under way or the
  // printer is held; the page's failure otherwise.
  Result<int> print_alone(const std::string& name, const printing::PageJob& job,
                          const std::string& label);
  // Reads the printer's state through a connection of its own.
  Result<printing::PrinterStatus> printer_status(const std::string& name);

  const PrintCounters& counters() const { return counters_; }

 private:
  struct Worker;
  void run(Worker& w);
  // Retries the printer's cancels that did not get through; true when none
  // is left (the printer may take jobs).
  bool settle_cancels(Worker& w);
  // Runs one job; false when it is put off for later (the job is still
  // unfinished in the store).
  bool run_job(Worker& w, const store::PrintJobRow& job);
  Result<JobPlan> plan_job(const store::PrintJobRow& job,
                           const std::vector<store::PageTaskRow>& tasks);
  bool finish_job(const store::PrintJobRow& job, store::PrintJobState state,
                  const std::string& reason);
  void keep(const Status& s, const std::string& what);

  store::Store& store_;
  EventLog& events_;
  PrintEngineConfig config_;
  PortFactory ports_;
  Clock& clock_;
  LogSink log_;
  std::mutex workers_mutex_;  // guards workers_ (start, stop, notify)
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<bool> stopping_{false};
  PrintCounters counters_;
};

}  // namespace certprint::engine
