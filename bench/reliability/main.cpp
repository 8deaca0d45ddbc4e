// reliability: runs certprintd, cupsd and ippeveprinter for real, breaks
// them in the ways issue 10 lists, and prints a table of what it measured
// against each goal, PASS or FAIL per row. Progress goes to stderr.
//
//   reliability [--quick] [--only kill|faults|outbox|http|tokens]...   (--help)
//
// Exit status 0 when every row passed, 1 when one failed, 2 when the
// private CUPS could not start.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

#include "bench_options.hpp"
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
  const certprint::bench::Usage usage{
      "reliability",
      "Breaks the real certprintd, cupsd and ippeveprinter the ways issue 10 lists and\n"
      "prints one Markdown table row per goal with what it measured, PASS or FAIL\n"
      "(exit status 1 when a row failed, 2 when the private CUPS could not start;\n"
      "progress on stderr). Rows: kill, faults (needs root: a tmpfs), outbox, http,\n"
      "tokens.",
      "build/bench/reliability --quick --only kill --only tokens"};
  namespace po = certprint::bench::po;
  po::options_description options("reliability options");
  options.add_options()("quick",
                        "short runs: 10 kill moments, 20-booklet batches, 8 s of HTTP "
                        "load, 10^5 tokens (about a minute)")(
      "only", po::value<std::vector<std::string>>(),
      "run this row only (kill, faults, outbox, http or tokens); may be repeated");
  const auto vm = certprint::bench::parse_options(argc, argv, usage, options);
  Settings s;
  if (vm.count("quick")) {
    s.quick = true;
    s.kill_moments = 10;
    s.booklets = 20;
    s.tokens = 100'000;
    s.http_seconds = 8;
  }
  const std::set<std::string> rows{"kill", "faults", "outbox", "http", "tokens"};
  if (vm.count("only"))
    for (const auto& row : vm["only"].as<std::vector<std::string>>()) {
      if (!rows.count(row)) {
        std::fprintf(stderr,
                     "reliability: --only %s: expected kill, faults, outbox, http or tokens\n",
                     row.c_str());
        std::exit(2);
      }
      only.insert(row);
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
