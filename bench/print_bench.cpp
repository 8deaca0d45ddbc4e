// Print latency through a private cupsd (tests/cups/cups_harness.sh):
//   first  `certprint print --direct` from process start to the first job
//          accepted by cupsd ("submitted as job" on its output)
//   whole  the same command's whole one-click sequence (4 pages, each one
//          submitted after the previous completed), to exit
//   lp     `lp` submitting the same pre-rendered info-page PDF to the same
//          queue, to exit (the anchor)
// Medians over --runs runs, all measured in this one run.
//
//   build/bench/print_bench [--runs N] [--queue raw|everywhere|capture]   (--help)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "bench_options.hpp"

namespace fs = std::filesystem;
namespace bench = certprint::bench;
using Clock = std::chrono::steady_clock;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Runs a command; returns ms to exit and, when `marker` is given, ms until a
// line containing it was printed (negative when never).
std::pair<double, double> timed(const std::string& cmd, const char* marker) {
  const auto t0 = Clock::now();
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return {-1, -1};
  double at_marker = -1;
  char line[1024];
  std::string all;
  while (std::fgets(line, sizeof line, p)) {
    all += line;
    if (marker && at_marker < 0 && std::strstr(line, marker)) at_marker = ms_since(t0);
  }
  const int rc = pclose(p);
  const double total = ms_since(t0);
  if (rc != 0) {
    std::fprintf(stderr, "command failed (%d): %s\n%s", rc, cmd.c_str(), all.c_str());
    std::exit(1);
  }
  return {total, at_marker};
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Usage usage{
      "print_bench",
      "Starts a private cupsd (tests/cups/cups_harness.sh) and measures `certprint print\n"
      "--direct` from process start to the first job accepted, and its whole one-click\n"
      "sequence (4 pages), each against `lp` submitting the same pre-rendered PDF to the\n"
      "same queue (the anchor); medians over the runs.",
      "build/bench/print_bench --runs 5 --queue capture"};
  bench::po::options_description options("print_bench options");
  options.add_options()("runs", bench::po::value<int>()->default_value(5), "runs (medians)")(
      "queue", bench::po::value<std::string>()->default_value("raw"),
      "the harness's queue: raw (to the virtual printer as is), everywhere (IPP\n"
      "Everywhere) or capture (a PPD queue)");
  const auto vm = bench::parse_options(argc, argv, usage, options);
  const int runs = bench::at_least(vm, usage, "runs", 1);
  const std::string queue = vm["queue"].as<std::string>();
  if (queue != "raw" && queue != "everywhere" && queue != "capture") {
    std::fprintf(stderr, "print_bench: --queue %s: expected raw, everywhere or capture\n",
                 queue.c_str());
    return 2;
  }
  const fs::path src = CERTPRINT_SOURCE_DATA_DIR;
  const std::string certprint = CERTPRINT_BINARY;
  char tmpl[] = "/tmp/certprint-bench-XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  const fs::path dir = tmpl;
  fs::permissions(dir, fs::perms(0755));
  const std::string harness = "bash '" + (src / "tests/cups/cups_harness.sh").string() + "'";
  if (std::system((harness + " start '" + (dir / "cups").string() + "' >/dev/null").c_str()) != 0) {
    std::fprintf(stderr, "print_bench: the private CUPS harness did not start\n");
    return 1;
  }
  std::map<std::string, std::string> env;
  {
    std::ifstream f(dir / "cups" / "harness.env");
    std::string line;
    while (std::getline(f, line))
      if (auto eq = line.find('='); eq != std::string::npos)
        env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  const std::string server = env["CUPS_SERVER"];
  const std::string keys = (dir / "keys").string();
  const std::string sample = (src / "samples" / "marriage.json").string();
  timed("'" + certprint + "' keygen --keys '" + keys + "'", nullptr);
  timed("'" + certprint + "' render '" + sample + "' --out '" + (dir / "pdf").string() +
            "' --keys '" + keys + "' --holder male",
        nullptr);
  const std::string pdf = (dir / "pdf" / "440106-20260512-0001-male-info.pdf").string();

  std::vector<double> first, whole, lp;
  for (int i = 0; i < runs; ++i) {
    auto [total, at_first] =
        timed("'" + certprint + "' print --direct '" + sample + "' --printer " + queue +
                  " --cups-server " + server + " --keys '" + keys + "'",
              "submitted as job");
    first.push_back(at_first);
    whole.push_back(total);
    lp.push_back(
        timed("CUPS_SERVER=" + server + " lp -d " + queue + " '" + pdf + "'", nullptr).first);
  }
  std::system((harness + " stop '" + (dir / "cups").string() + "' >/dev/null").c_str());
  fs::remove_all(dir);

  const double f = median(first), w = median(whole), l = median(lp);
  std::printf("print_bench: queue \"%s\" of a private cupsd, median of %d runs\n", queue.c_str(),
              runs);
  std::printf("  lp, one pre-rendered PDF, to exit                 %8.1f ms  (anchor)\n", l);
  std::printf("  certprint print --direct, to first job accepted   %8.1f ms  ratio %.2fx lp\n", f,
              f / l);
  std::printf("  certprint print --direct, whole one-click (4 pp)  %8.1f ms  ratio %.2fx lp\n", w,
              w / l);
  return 0;
}
