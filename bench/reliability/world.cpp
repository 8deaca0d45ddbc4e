#include "reliability/world.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <thread>

#include "bench_support.hpp"
#include "support/received.hpp"
#include "token/token.hpp"

namespace certprint::reliability {
namespace {

using Clock = std::chrono::steady_clock;
const Clock::time_point kStart = Clock::now();

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

}  // namespace

void progress(const std::string& line) {
  const double s = std::chrono::duration<double>(Clock::now() - kStart).count();
  std::fprintf(stderr, "[%6.1f s] %s\n", s, line.c_str());
}

Cups::Cups(const fs::path& src, const fs::path& dir) : src_(src), dir_(dir) {
  env_ = bench::start_cups(src, dir);
}

Cups::~Cups() { bench::stop_cups(src_, dir_); }

std::string Cups::get(const std::string& key) const {
  auto it = env_.find(key);
  return it == env_.end() ? "" : it->second;
}

int Cups::run(const std::string& command) const {
  return std::system(("CUPS_SERVER=" + server() + " " + command + " >/dev/null 2>&1").c_str());
}

bool Cups::restart_cupsd() const {
  const fs::path c = dir_ / "cups";
  std::ifstream pid_file(dir_ / "cupsd.pid");
  pid_t pid = 0;
  pid_file >> pid;
  if (pid <= 0) return false;
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) sleep_ms(50);
  // cupsd is the harness's child, not ours: it is reaped by init. Start the
  // same cupsd again, its pid where the harness keeps it (stop finds it).
  const std::string cmd = "cupsd -f -c " + quoted(c / "etc/cupsd.conf") + " -s " +
                          quoted(c / "etc/cups-files.conf") + " >>" + quoted(c / "log/stdout") +
                          " 2>&1 & echo $! > " + quoted(dir_ / "cupsd.pid");
  if (std::system(cmd.c_str()) != 0) return false;
  for (int i = 0; i < 100; ++i) {
    const std::string probe =
        "CUPS_SERVER=" + server() + " lpstat -r 2>/dev/null | grep -q 'scheduler is running'";
    if (std::system(probe.c_str()) == 0) return true;
    sleep_ms(50);
  }
  return false;
}

void Cups::kill_printer() const {
  (void)std::system(("kill -9 $(cat " + quoted(dir_ / "eve.pid") + ") 2>/dev/null").c_str());
}

Daemon::Daemon(const Cups& cups, fs::path dir)
    : cups_(cups), dir_(std::move(dir)), port_(free_port()) {
  fs::create_directories(dir_);
  database = dir_ / "certprint.db";
  std::ofstream(dir_ / "tokens") << "registry r " << kRegistrySecret << "\nclerk c " << kClerkSecret
                                 << "\ntechnician t " << kTechSecret << "\n";
  // certprintd refuses a token file others may read.
  fs::permissions(dir_ / "tokens", fs::perms::owner_read | fs::perms::owner_write);
  if (!fs::exists(dir_ / "keys")) (void)token::generate_key(dir_ / "keys", system_random());
}

Daemon::~Daemon() { kill_hard(); }

bool Daemon::start() {
  std::vector<std::string> argv = wrapper;
  const std::vector<std::string> own = {CERTPRINTD_BINARY,
                                        "--listen",
                                        "127.0.0.1:" + std::to_string(port_),
                                        "--database",
                                        database.string(),
                                        "--keys",
                                        (dir_ / "keys").string(),
                                        "--tokens",
                                        (dir_ / "tokens").string(),
                                        "--templates",
                                        (cups_.src() / "templates").string(),
                                        "--printer",
                                        "desk=" + queue + ",server=" + cups_.server(),
                                        "--stall-timeout",
                                        std::to_string(stall_timeout_s),
                                        "--job-timeout",
                                        std::to_string(job_timeout_s),
                                        "--poll-interval-ms",
                                        "20"};
  argv.insert(argv.end(), own.begin(), own.end());
  argv.insert(argv.end(), extra.begin(), extra.end());
  pid_ = bench::spawn(argv, (dir_ / "certprintd.log").string());
  httplib::Client c("127.0.0.1", port_);
  c.set_connection_timeout(1, 0);
  for (int i = 0; i < 500; ++i) {
    if (auto r = c.Get("/healthz", {{"Authorization", "Bearer " + kClerkSecret}});
        r && r->status == 200)
      return true;
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) break;
    sleep_ms(10);
  }
  return false;
}

void Daemon::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

bool Daemon::running() { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }

void Daemon::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string Daemon::log() const { return testing::slurp(dir_ / "certprintd.log"); }

httplib::Result Daemon::call(const std::string& method, const std::string& path,
                             const std::string& secret, const std::string& body) {
  httplib::Client c("127.0.0.1", port_);
  c.set_connection_timeout(2, 0);
  c.set_read_timeout(10, 0);
  httplib::Headers h = {{"Authorization", "Bearer " + secret}};
  if (method == "POST") return c.Post(path.c_str(), h, body, "application/json");
  return c.Get(path.c_str(), h);
}

json Daemon::get_json(const std::string& path) {
  auto r = call("GET", path);
  if (!r || r->status != 200) return nullptr;
  return json::parse(r->body, nullptr, false);
}

}  // namespace certprint::reliability
