// certprintd under load on loopback, as its own process with its embedded
// SQLite store (durable commits: WAL, synchronous=FULL):
//   intake  --submissions distinct issuances from --clients concurrent
//           registry connections: submissions/s, p50 and p99 latency
//   memory  RSS idle, and peak RSS while printing a batch of --booklets
//           booklets (one-click, both pages each) to the virtual printer
// Targets: 1,000 submissions/s, p99 under 25 ms, under 64 MiB.
//
//   build/bench/daemon_bench [--submissions 4000] [--clients 8] [--booklets 1000]   (--help)
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "bench_options.hpp"
#include "bench_support.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace certprint::bench;

int main(int argc, char** argv) {
  const Usage usage{
      "daemon_bench",
      "Runs certprintd as its own process on a private CUPS: the intake rate and\n"
      "p50/p99 latency of submissions from concurrent registry clients (durable\n"
      "commits), and its memory idle and while printing a batch of booklets. Targets:\n"
      "1,000 submissions/s, p99 under 25 ms, under 64 MiB.",
      "build/bench/daemon_bench --submissions 4000 --clients 8 --booklets 1000"};
  po::options_description options("daemon_bench options");
  options.add_options()("submissions", po::value<int>()->default_value(4000),
                        "distinct issuances submitted")(
      "clients", po::value<int>()->default_value(8), "concurrent registry connections")(
      "booklets", po::value<int>()->default_value(1000),
      "booklets printed in the memory batch (even, at most 2 per submission)");
  const auto vm = parse_options(argc, argv, usage, options);
  const int submissions = at_least(vm, usage, "submissions", 1);
  const int clients = at_least(vm, usage, "clients", 1);
  int booklets = at_least(vm, usage, "booklets", 2);
  booklets = std::max(2, std::min(booklets, 2 * submissions)) / 2 * 2;
  const fs::path src = CERTPRINT_SOURCE_DATA_DIR;
  char tmpl[] = "/tmp/certprint-daemon-bench-XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  const fs::path dir = tmpl;
  fs::permissions(dir, fs::perms(0755));
  auto env = start_cups(src, dir / "cups");
  if (env.empty()) {
    std::fprintf(stderr, "daemon_bench: the private CUPS harness did not start\n");
    return 1;
  }
  const std::string registry = "registry-bench-0123456789abcdef0123456789",
                    clerk = "clerk-bench-0123456789abcdef0123456789ab";
  // Owner-only: certprintd refuses a token file its group or others may read.
  std::ofstream(dir / "tokens") << "registry r " << registry << "\nclerk c " << clerk << "\n";
  fs::permissions(dir / "tokens", fs::perms::owner_read | fs::perms::owner_write);
  (void)std::system(("'" + std::string(CERTPRINT_BINARY) + "' keygen --keys '" +
                     (dir / "keys").string() + "' >/dev/null")
                        .c_str());
  // A port the kernel just gave out (not one derived from the pid, which
  // the private cupsd or another test could hold).
  const int port = free_port();
  if (port <= 0) {
    std::fprintf(stderr, "daemon_bench: no free loopback port\n");
    stop_cups(src, dir / "cups");
    return 1;
  }
  const pid_t pid =
      spawn({CERTPRINTD_BINARY, "--listen", "127.0.0.1:" + std::to_string(port), "--database",
             (dir / "certprint.db").string(), "--keys", (dir / "keys").string(), "--tokens",
             (dir / "tokens").string(), "--templates", (src / "templates").string(), "--printer",
             "desk=" + env["EVE_URI"], "--poll-interval-ms", "5"},
            (dir / "certprintd.log").string());
  httplib::Client probe("127.0.0.1", port);
  bool up = false;
  for (int i = 0; i < 1500 && !up; ++i) {  // up to 30 s: a loaded machine starts it slowly
    auto r = probe.Get("/healthz", {{"Authorization", "Bearer " + clerk}});
    up = r && r->status == 200;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!up) {
    std::fprintf(stderr, "daemon_bench: certprintd did not start (see %s)\n",
                 (dir / "certprintd.log").c_str());
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    stop_cups(src, dir / "cups");  // nothing it started outlives it
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const long idle_kib = proc_kib(pid, "VmRSS");

  // Distinct issuances from the marriage sample: new ids and stock serials.
  std::ifstream f(src / "samples" / "marriage.json");
  std::stringstream ss;
  ss << f.rdbuf();
  const json base = json::parse(ss.str());
  auto document = [&](int i) {
    json d = base;
    d["issuance_id"] = "bench-" + std::to_string(i);
    char serial[16];
    std::snprintf(serial, sizeof serial, "9%09d", 2 * i);
    d["booklets"]["male"]["stock_serial"] = serial;
    std::snprintf(serial, sizeof serial, "9%09d", 2 * i + 1);
    d["booklets"]["female"]["stock_serial"] = serial;
    return d.dump();
  };
  std::vector<std::string> docs;
  for (int i = 0; i < submissions; ++i) docs.push_back(document(i));

  std::vector<std::vector<double>> latencies(clients);
  std::atomic<int> next{0}, failures{0};
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      const httplib::Headers h = {{"Authorization", "Bearer " + registry}};
      for (int i; (i = next++) < submissions;) {
        const auto s = Clock::now();
        auto r = client.Post("/v1/issuances", h, docs[i], "application/json");
        latencies[c].push_back(std::chrono::duration<double, std::milli>(Clock::now() - s).count());
        if (!r || r->status != 201) failures++;
      }
    });
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const long after_intake_kib = proc_kib(pid, "VmRSS");
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());

  // A batch of `booklets` booklets (one-click issuances) to the virtual printer.
  json ids = json::array();
  for (int i = 0; i < booklets / 2; ++i) ids.push_back("bench-" + std::to_string(i));
  httplib::Client clerk_client("127.0.0.1", port);
  clerk_client.set_read_timeout(60, 0);
  const httplib::Headers ch = {{"Authorization", "Bearer " + clerk}};
  const auto b0 = Clock::now();
  auto queued =
      clerk_client.Post("/v1/print-batches", ch,
                        json{{"printer", "desk"}, {"issuances", ids}}.dump(), "application/json");
  if (!queued || queued->status != 202) {
    std::fprintf(stderr, "daemon_bench: the batch was refused: %s\n",
                 queued ? queued->body.c_str() : "no answer");
    return 1;
  }
  const std::string job = json::parse(queued->body)["print_job_id"].dump();
  long peak_batch_kib = 0, peak_anon_kib = 0, peak_file_kib = 0;
  json state;
  for (;;) {
    peak_batch_kib = std::max(peak_batch_kib, proc_kib(pid, "VmRSS"));
    peak_anon_kib = std::max(peak_anon_kib, proc_kib(pid, "RssAnon"));
    peak_file_kib = std::max(peak_file_kib, proc_kib(pid, "RssFile"));
    auto s = clerk_client.Get(("/v1/print-jobs/" + job).c_str(), ch);
    if (s && s->status == 200) {
      state = json::parse(s->body);
      if (state["state"] == "done" || state["state"] == "failed") break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  const double batch_s = std::chrono::duration<double>(Clock::now() - b0).count();
  const long hwm_kib = proc_kib(pid, "VmHWM");
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  stop_cups(src, dir / "cups");
  fs::remove_all(dir);

  const double rate = submissions / seconds, p50 = percentile(all, 0.5),
               p99 = percentile(all, 0.99);
  std::printf("daemon_bench: certprintd on loopback, SQLite WAL with synchronous=FULL\n");
  std::printf("  intake: %d submissions from %d clients in %.2f s, %d failed\n", submissions,
              clients, seconds, failures.load());
  std::printf("    submissions/s  %8.0f   ratio to target 1000/s: %.2fx\n", rate, rate / 1000);
  std::printf("    p50 latency    %8.2f ms\n", p50);
  std::printf("    p99 latency    %8.2f ms  ratio to target 25 ms: %.2fx (lower is better)\n", p99,
              p99 / 25);
  std::printf("  memory: idle %.1f MiB, after intake %.1f MiB\n", idle_kib / 1024.0,
              after_intake_kib / 1024.0);
  std::printf(
      "  batch: %d booklets (%s pages) %s in %.1f s; peak RSS while printing %.1f MiB (VmHWM %.1f "
      "MiB)\n",
      booklets, state["pages_total"].dump().c_str(), state["state"].get<std::string>().c_str(),
      batch_s, peak_batch_kib / 1024.0, hwm_kib / 1024.0);
  std::printf(
      "    of which: private (RssAnon) peak %.1f MiB, file-backed (RssFile: fonts, libraries) peak "
      "%.1f MiB\n",
      peak_anon_kib / 1024.0, peak_file_kib / 1024.0);
  std::printf("    peak RSS ratio to target 64 MiB: %.2fx (lower is better)\n",
              hwm_kib / 1024.0 / 64);
  return 0;
}
