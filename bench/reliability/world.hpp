// The real pieces the reliability benchmark runs against: the private CUPS
// of tests/cups/cups_harness.sh (cupsd, ippeveprinter, the capture queue),
// certprintd as its own process, generated issuances, and what the printer
// received read back and checked for lost, repeated and misordered pages
// (tests/support/received.hpp identifies each page by its content).
#pragma once

#include <httplib.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "issuance/record.hpp"
#include "support/process.hpp"

namespace certprint::reliability {

namespace fs = std::filesystem;
using nlohmann::json;

// One line of the table: what was measured against which goal.
struct Row {
  std::string what;
  std::string goal;
  std::string measured;
  bool pass = false;
};

struct Settings {
  bool quick = false;
  int kill_moments = 50;    // kill -9 moments asked for in the batch
  int booklets = 100;       // booklets in the kill batch (two per issuance)
  long tokens = 1'000'000;  // forged and mutated tokens
  int slow_clients = 100;   // and as many chunked or gzip bodies
  int http_seconds = 20;    // how long the HTTP load lasts
  fs::path src;             // the source tree (samples, templates, harness)
  fs::path work;            // a temporary folder for this run
};

inline const std::string kRegistrySecret = "registry-reliability-0123456789abcdef0123";
inline const std::string kClerkSecret = "clerk-reliability-0123456789abcdef0123456";
inline const std::string kTechSecret = "tech-reliability-0123456789abcdef012345678";

void progress(const std::string& line);  // to stderr, with the time since start

// The private CUPS world; stopped (by PID) when destroyed.
class Cups {
 public:
  Cups(const fs::path& src, const fs::path& dir);
  ~Cups();
  Cups(const Cups&) = delete;
  Cups& operator=(const Cups&) = delete;

  bool ok() const { return !env_.empty(); }
  std::string get(const std::string& key) const;
  std::string server() const { return get("CUPS_SERVER"); }
  fs::path capture() const { return get("CAPTURE_DIR"); }
  fs::path spool() const { return get("EVE_SPOOL"); }
  // Runs a CUPS tool against this cupsd; its exit status.
  int run(const std::string& command) const;
  // Stops cupsd (SIGTERM, as an administrator's restart does) and starts it
  // again with the same configuration; true when it answers again.
  bool restart_cupsd() const;
  void kill_printer() const;
  const fs::path& src() const { return src_; }

 private:
  fs::path src_, dir_;
  std::map<std::string, std::string> env_;
};

// certprintd as a process on a free loopback port, printer "desk".
class Daemon {
 public:
  Daemon(const Cups& cups, fs::path dir);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  std::string queue = "capture";     // the cupsd queue "desk" prints to
  fs::path database;                 // default: dir/certprint.db
  std::vector<std::string> wrapper;  // run through this (env, faketime)
  std::vector<std::string> extra;    // more options
  int stall_timeout_s = 5, job_timeout_s = 20;
  // Starts it and waits until /healthz answers; false (log kept) otherwise.
  bool start();
  void kill_hard();
  void stop();  // SIGTERM, then waits
  bool running();
  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  const fs::path& dir() const { return dir_; }
  std::string log() const;

  httplib::Result call(const std::string& method, const std::string& path,
                       const std::string& secret = kClerkSecret, const std::string& body = "");
  json get_json(const std::string& path);  // null when it did not answer 200

 private:
  const Cups& cups_;
  fs::path dir_;
  int port_;
  pid_t pid_ = -1;
};

using testing::free_port;

// `n` distinct one-click issuances (two booklets each) from the marriage
// sample: ids "<prefix>-<i>", their own certificate numbers and serials.
struct Issuances {
  std::vector<std::string> docs;
  std::vector<issuance::Issuance> records;
  std::vector<std::string> ids() const;
};
Issuances make_issuances(const fs::path& src, const std::string& prefix, int n);
// Submits them; false when one was refused.
bool submit_all(Daemon& d, const Issuances& set);
// Queues them as one batch on "desk"; the print job's id, or -1.
long queue_batch(Daemon& d, const Issuances& set);
// Polls the print job until done or failed, or `timeout`; its last state.
json wait_job(Daemon& d, long job, std::chrono::seconds timeout);
// Polls until pages_done reaches `pages` (or the job ends); false on timeout.
bool wait_pages(Daemon& d, long job, int pages, std::chrono::seconds timeout);

// Pages in the order a printer received them, identified by content.
struct PaperCheck {
  int expected = 0, received = 0, lost = 0, twice = 0, out_of_order = 0, unidentified = 0;
  std::vector<std::string> twice_pages;  // "<page> (files A and B)", for the report
  std::string describe() const;
};
// Files of `folder` (named "<job-id>-...") not in `before`, read in job order.
PaperCheck check_paper(const fs::path& folder, const std::set<std::string>& before,
                       const Issuances& set, const fs::path& keys_dir);
std::set<std::string> file_names(const fs::path& folder);

// Every one-click page of the set, in batch order: "<id> <holder> info|page5".
std::vector<std::string> expected_pages(const Issuances& set);

}  // namespace certprint::reliability
