// Row 2: faults during a batch, each on its own certprintd and batch; what
// certprintd said about it, whether the batch halted or went on, and the
// paper the printer got.
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "reliability/rows.hpp"

namespace certprint::reliability {
namespace {

const char* const kFaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

struct Fault {
  std::string name;
  std::string queue = "capture";
  // Before start; a non-empty answer: it cannot run here, and why.
  std::function<std::string(Daemon&)> prepare = [](Daemon&) { return std::string(); };
  std::function<std::string(Daemon&)> inject = [](Daemon&) { return std::string(); };
  std::function<void(Daemon&)> recover = [](Daemon&) {};
  std::function<void(Daemon&)> cleanup = [](Daemon&) {};
  bool must_surface = true;  // false: carrying on unmoved is the right answer
};

// What certprintd tells a clerk now: the job's and pages' reasons, the
// printer's condition or hold, and its newest warning or error log line.
std::string surfaced(Daemon& d, long job, std::size_t log_from) {
  std::string out;
  auto add = [&](const std::string& what) {
    if (!what.empty() && out.find(what) == std::string::npos)
      out += (out.empty() ? "" : "; ") + what;
  };
  json j = d.get_json("/v1/print-jobs/" + std::to_string(job));
  if (j.is_object()) {
    if (j.contains("reason")) add("job: " + j["reason"].get<std::string>());
    for (const auto& p : j["pages"])
      if (p.contains("reason")) add("page: " + p["reason"].get<std::string>());
  }
  json printers = d.get_json("/v1/printers");
  if (printers.is_object())
    for (const auto& p : printers["printers"])
      for (const char* key : {"condition", "held", "problem"})
        if (p.contains(key)) add(std::string("printer ") + key + ": " + p[key].dump());
  const std::string log = d.log();
  std::istringstream lines(log.size() > log_from ? log.substr(log_from) : "");
  std::string last;
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("<3>", 0) == 0 || line.rfind("<4>", 0) == 0) last = line.substr(3);
  add(last.empty() ? "" : "log: " + last);
  return out;
}

// Watches up to `window` for a reason to appear or the job to end.
std::string observe(Daemon& d, long job, std::size_t log_from, std::chrono::seconds window) {
  const auto until = std::chrono::steady_clock::now() + window;
  std::string seen;
  while (std::chrono::steady_clock::now() < until) {
    seen = surfaced(d, job, log_from);
    json j = d.get_json("/v1/print-jobs/" + std::to_string(job));
    if (!seen.empty() || (j.is_object() && j["state"] != "running" && j["state"] != "queued"))
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return seen;
}

std::string shorten(std::string s, std::size_t most) {
  if (s.size() > most) s = s.substr(0, most - 3) + "...";
  return s;
}

Row run_fault(const Settings& s, const Cups& cups, const Fault& f, int issuances) {
  Row row{"during a batch: " + f.name,
          "surfaced with its reason, halted or resumed, nothing printed twice", "", false};
  progress("row 2: " + f.name);
  const std::string tag = f.name.substr(0, f.name.find(' '));
  Daemon d(cups, s.work / ("fault-" + tag));
  d.queue = f.queue;
  d.job_timeout_s = 8;
  if (const std::string why = f.prepare(d); !why.empty()) return row.measured = why, row;
  const Issuances set = make_issuances(s.src, "fault-" + tag, issuances);
  const fs::path paper_dir = f.queue == "raw" ? cups.spool() : cups.capture();
  const auto before = file_names(paper_dir);
  long job = -1;
  if (d.start() && submit_all(d, set)) job = queue_batch(d, set);
  if (job < 0 || !wait_pages(d, job, 2, std::chrono::seconds(60))) {
    f.cleanup(d);
    return row.measured = "the batch did not start (" + d.dir().string() + ")", row;
  }
  const std::size_t log_from = d.log().size();
  const std::string did = f.inject(d);
  const std::string reason = observe(d, job, log_from, std::chrono::seconds(20));
  f.recover(d);
  const bool restarted = !d.running() && d.start();
  const json state = wait_job(d, job, std::chrono::seconds(120));
  const std::string end = state.is_object() ? state["state"].get<std::string>() : "unknown";
  const PaperCheck paper = check_paper(paper_dir, before, set, d.dir() / "keys");
  row.measured = did + "; " + (reason.empty() ? "nothing surfaced" : shorten(reason, 110)) + "; " +
                 (end == "done"     ? "resumed, done"
                  : end == "failed" ? "halted"
                                    : end) +
                 (restarted ? " (certprintd had exited: restarted)" : "") + "; " + paper.describe();
  row.pass = (!reason.empty() || (!f.must_surface && end == "done")) &&
             (end == "done" || end == "failed") && paper.twice == 0 && paper.out_of_order == 0 &&
             paper.unidentified == 0;
  d.stop();
  f.cleanup(d);
  return row;
}

// Fills the filesystem holding `dir` until a write fails.
void fill(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  static const std::string chunk(64 * 1024, 'x');
  while (fd >= 0 && ::write(fd, chunk.data(), chunk.size()) > 0) {
  }
  if (fd >= 0) ::close(fd);
}

Fault disk_full() {
  Fault f{"disk full (certprintd's database on an 8 MiB tmpfs, filled)"};
  f.prepare = [](Daemon& d) {
    const fs::path mnt = d.dir() / "small-fs";
    fs::create_directories(mnt);
    const std::string cmd = "mount -t tmpfs -o size=8m tmpfs '" + mnt.string() + "' 2>/dev/null";
    if (std::system(cmd.c_str()) != 0)
      return std::string("not measured: mount -t tmpfs refused (needs root)");
    d.database = mnt / "certprint.db";
    return std::string();
  };
  f.inject = [](Daemon& d) {
    fill(d.dir() / "small-fs" / "filler");
    return std::string("filesystem filled");
  };
  f.recover = [](Daemon& d) {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    fs::remove(d.dir() / "small-fs" / "filler");
  };
  f.cleanup = [](Daemon& d) {
    d.stop();
    (void)std::system(("umount -l '" + (d.dir() / "small-fs").string() + "'").c_str());
  };
  return f;
}

Fault clock_back() {
  Fault f{"wall clock stepped back 1 h (libfaketime in the real certprintd)"};
  f.prepare = [](Daemon& d) {
    if (!fs::exists(kFaketime))
      return std::string("not measured: libfaketime missing (apt-get install faketime)");
    std::ofstream(d.dir() / "faketime.rc") << "+0\n";
    d.wrapper = {"/usr/bin/env", std::string("LD_PRELOAD=") + kFaketime,
                 "FAKETIME_TIMESTAMP_FILE=" + (d.dir() / "faketime.rc").string(),
                 "FAKETIME_NO_CACHE=1", "FAKETIME_DONT_FAKE_MONOTONIC=1"};
    return std::string();
  };
  f.inject = [](Daemon& d) {
    std::ofstream(d.dir() / "faketime.rc") << "-1h\n";
    return std::string("clock -1 h");
  };
  f.must_surface = false;
  return f;
}

}  // namespace

std::vector<Row> fault_rows(const Settings& s, const Cups& cups) {
  const int n = s.quick ? 3 : 5;  // issuances per batch: 4 pages each
  Fault restart{"cupsd restarted"};
  restart.inject = [&cups](Daemon&) {
    return std::string(cups.restart_cupsd() ? "cupsd restarted" : "cupsd did NOT come back");
  };
  Fault disabled{"queue disabled (cupsdisable), then enabled"};
  disabled.inject = [&cups](Daemon&) {
    cups.run("cupsdisable capture");
    return std::string("queue disabled");
  };
  disabled.recover = [&cups](Daemon&) { cups.run("cupsenable capture"); };
  Fault printer{"printer killed (kill -9 ippeveprinter behind the raw queue)"};
  printer.queue = "raw";
  printer.inject = [&cups](Daemon&) {
    cups.kill_printer();
    return std::string("printer killed");
  };
  std::vector<Row> rows;
  // The printer stays dead: its fault comes last.
  for (const Fault& f : {restart, disabled, disk_full(), clock_back(), printer})
    rows.push_back(run_fault(s, cups, f, n));
  return rows;
}

}  // namespace certprint::reliability
