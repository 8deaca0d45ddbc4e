// reliability: runs certprintd, cupsd and ippeveprinter for real, breaks
// them in the ways issue 10 lists, and prints a table of what it measured
// against each goal, PASS or FAIL per row. Progress goes to stderr.
//
//   reliability [--quick] [--only kill|faults|outbox|http|tokens]...
//
// Exit status 0 when every row passed, 1 when one failed, 2 when the
// private CUPS could not start.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

#include "reliability/rows.hpp"

using namespace certprint::reliability;

namespace {

void print_table(const std::vector<Row>& rows) {
  std::printf("| what | goal | measured | result |\n|---|---|---|---|\n");
  for (const auto& r : rows)
    std::printf("| %s | %s | %s | %s |\n", r.what.c_str(), r.goal.c_str(), r.measured.c_str(),
                r.pass ? "PASS" : "FAIL");
}

Settings parse(int argc, char** argv, std::set<std::string>& only) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) {
      s.quick = true;
      s.kill_moments = 10;
      s.booklets = 20;
      s.tokens = 100'000;
      s.http_seconds = 8;
    } else if (!std::strcmp(argv[i], "--only") && i + 1 < argc) {
      only.insert(argv[++i]);
    } else {
      std::fprintf(stderr,
                   "usage: reliability [--quick] [--only kill|faults|outbox|http|tokens]...\n");
      std::exit(2);
    }
  }
  s.src = CERTPRINT_SOURCE_DATA_DIR;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::set<std::string> only;
  Settings s = parse(argc, argv, only);
  auto want = [&](const char* row) { return only.empty() || only.count(row) > 0; };
  char tmpl[] = "/tmp/certprint-reliability-XXXXXX";
  if (!mkdtemp(tmpl)) return 2;
  s.work = tmpl;
  fs::permissions(s.work, fs::perms(0755));  // cupsd's filters run as lp
  progress(std::string("reliability") + (s.quick ? " --quick" : "") + ": work in " +
           s.work.string());
  std::vector<Row> rows;
  {
    Cups cups(s.src, s.work / "cups");
    if (!cups.ok()) {
      std::fprintf(stderr, "reliability: the private CUPS harness did not start\n");
      return 2;
    }
    if (want("kill")) rows.push_back(kill_row(s, cups));
    if (want("outbox")) rows.push_back(outbox_row(s, cups));
    if (want("http")) rows.push_back(http_row(s, cups));
    // Last: the printer-killed fault leaves the virtual printer dead.
    if (want("faults"))
      for (auto& r : fault_rows(s, cups)) rows.push_back(std::move(r));
  }
  if (want("tokens")) rows.push_back(token_row(s));
  print_table(rows);
  // CERTPRINT_BENCH_KEEP=1 keeps the work folder (logs, stores, paper).
  std::error_code ec;
  if (const char* keep = std::getenv("CERTPRINT_BENCH_KEEP"); keep && std::string(keep) == "1")
    progress("kept " + s.work.string());
  else
    fs::remove_all(s.work, ec);
  for (const auto& r : rows)
    if (!r.pass) return 1;
  return 0;
}
