// certprintd as a process against real cupsd: submit, batch print, and
// kill -9 at many moments of the batch; every page reaches the printer
// exactly once, in order.
#include <catch2/catch.hpp>

#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "daemon/booklet/renderer.hpp"
#include "daemon/booklet/tokens.hpp"
#include "support/cups_harness.hpp"
#include "support/pdf_text.hpp"
#include "support/process.hpp"
#include "support/qr_decode.hpp"
#include "support/received.hpp"

using namespace certprint;
using namespace certprint::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const issuance::ValidationOptions kValidation{issuance::Date{2026, 11, 28}};
const std::string kRegistrySecret = "registry-secret-0123456789abcdef0123";
const std::string kClerkSecret = "clerk-secret-0123456789abcdef0123456";

int free_port() {
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

struct Daemon {
  const CupsHarness& cups;
  fs::path dir;
  int port = free_port();
  std::unique_ptr<Process> process;
  std::string queue = "capture";  // the private cupsd's queue the printer "desk" uses

  Daemon(const CupsHarness& c, fs::path d) : cups(c), dir(std::move(d)) {
    std::ofstream(dir / "tokens") << "registry registry-1 " << kRegistrySecret << "\nclerk clerk-1 "
                                  << kClerkSecret << "\n";
    auto k = token::generate_key(dir / "keys", system_random());
    if (!k) FAIL(k.error().message);
  }
  void start() {
    process = std::make_unique<Process>(
        std::vector<std::string>{CERTPRINTD_BINARY, "--listen", "127.0.0.1:" + std::to_string(port),
                                 "--database", (dir / "certprint.db").string(), "--keys",
                                 (dir / "keys").string(), "--tokens", (dir / "tokens").string(),
                                 "--templates", (source_dir() / "templates").string(), "--printer",
                                 "desk=" + queue + ",server=" + cups.server(), "--stall-timeout",
                                 "5", "--job-timeout", "20"},
        (dir / "certprintd.log").string());
    httplib::Client c("127.0.0.1", port);
    for (int i = 0; i < 200; ++i) {
      if (auto r = c.Get("/healthz", {{"Authorization", "Bearer " + kClerkSecret}});
          r && r->status == 200)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL("certprintd did not come up:\n" << slurp(dir / "certprintd.log"));
  }
  httplib::Result call(const std::string& method, const std::string& path,
                       const std::string& secret, const std::string& body = "") {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(10, 0);
    httplib::Headers h = {{"Authorization", "Bearer " + secret}};
    if (method == "POST") return c.Post(path.c_str(), h, body, "application/json");
    return c.Get(path.c_str(), h);
  }
};

}  // namespace

TEST_CASE("kill -9 at many moments of a batch: every page printed exactly once, in order",
          "[integration]") {
  CupsHarness cups;
  Daemon d(cups, cups.temp().path());
  d.start();
  std::vector<issuance::Issuance> records;
  for (const char* name : {"marriage.json", "divorce.json", "replacement.json"}) {
    const std::string doc = slurp(source_dir() / "samples" / name);
    auto r = d.call("POST", "/v1/issuances", kRegistrySecret, doc);
    REQUIRE(r);
    REQUIRE(r->status == 201);
    records.push_back(*issuance::load_issuance_file(source_dir() / "samples" / name, kValidation));
  }
  // Killed right after answering: the submissions survive.
  d.process->kill_hard();
  d.start();
  for (const auto& rec : records)
    CHECK(d.call("GET", "/v1/issuances/" + rec.issuance_id, kClerkSecret)->status == 200);

  json batch = {
      {"printer", "desk"},
      {"issuances", {records[0].issuance_id, records[1].issuance_id, records[2].issuance_id}}};
  auto queued = d.call("POST", "/v1/print-batches", kClerkSecret, batch.dump());
  REQUIRE(queued);
  REQUIRE(queued->status == 202);
  const long job = json::parse(queued->body)["print_job_id"];

  // Kill at spread-out moments while the ten pages print, restarting each time.
  int kills = 0;
  for (int delay_ms : {60, 150, 90, 250, 40, 200, 120, 300}) {
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    auto s = d.call("GET", "/v1/print-jobs/" + std::to_string(job), kClerkSecret);
    if (s && json::parse(s->body)["state"] == "done") break;
    d.process->kill_hard();
    ++kills;
    d.start();
  }
  json state;
  for (int i = 0; i < 600; ++i) {
    state = json::parse(d.call("GET", "/v1/print-jobs/" + std::to_string(job), kClerkSecret)->body);
    if (state["state"] == "done" || state["state"] == "failed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  INFO(state.dump(2) << "\n" << slurp(d.dir / "certprintd.log"));
  CHECK(kills >= 3);
  REQUIRE(state["state"] == "done");
  CHECK(state["pages_done"] == 10);

  auto keys = token::KeyRing::load_dir(d.dir / "keys");
  REQUIRE(keys.ok());
  std::vector<std::string> got;
  for (const auto& doc : received(cups.capture(), "")) got.push_back(identify(doc, records, *keys));
  std::vector<std::string> want;
  for (const auto& r : records)
    for (auto h : r.holders())
      for (const char* page : {" info", " page5"})
        want.push_back(r.issuance_id + " " + std::string(issuance::to_string(h)) + page);
  CHECK(got == want);

  // The booklets are printed and the events tell the story in order.
  auto status =
      json::parse(d.call("GET", "/v1/issuances/" + records[0].issuance_id, kClerkSecret)->body);
  CHECK(status["booklets"][0]["state"] == "printed");
  CHECK(status["booklets"][1]["state"] == "printed");
  d.process->signal(SIGTERM);
}

TEST_CASE("SIGTERM during a batch: nothing new is sent, the daemon exits soon, a restart finishes",
          "[integration]") {
  CupsHarness cups;
  Daemon d(cups, cups.temp().path());
  d.queue = "raw";  // through cupsd to the virtual printer: about a second a page
  d.start();
  std::vector<issuance::Issuance> records;
  std::vector<std::string> ids;
  for (const char* name : {"marriage.json", "divorce.json", "replacement.json"}) {
    auto r =
        d.call("POST", "/v1/issuances", kRegistrySecret, slurp(source_dir() / "samples" / name));
    REQUIRE(r);
    REQUIRE(r->status == 201);
    records.push_back(*issuance::load_issuance_file(source_dir() / "samples" / name, kValidation));
    ids.push_back(records.back().issuance_id);
  }
  auto queued = d.call("POST", "/v1/print-batches", kClerkSecret,
                       json{{"printer", "desk"}, {"issuances", ids}}.dump());
  REQUIRE(queued);
  REQUIRE(queued->status == 202);
  const std::string job = "/v1/print-jobs/" + json::parse(queued->body)["print_job_id"].dump();
  for (int i = 0; i < 600; ++i) {
    if (json::parse(d.call("GET", job, kClerkSecret)->body)["pages_done"] >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::size_t done_before = received(cups.spool(), ".pdf").size();
  REQUIRE(done_before >= 2);
  REQUIRE(done_before < 10);

  const auto asked = std::chrono::steady_clock::now();
  const int status = d.process->signal(SIGTERM);
  const double took_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count();
  INFO(slurp(d.dir / "certprintd.log"));
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(took_s < 12.0);  // the documented bound: poll interval + one CUPS call (10 s)
  // Nothing new after the signal: at most the page under way finishes.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  CHECK(received(cups.spool(), ".pdf").size() <= done_before + 1);

  d.start();
  json state;
  for (int i = 0; i < 1200; ++i) {
    state = json::parse(d.call("GET", job, kClerkSecret)->body);
    if (state["state"] == "done" || state["state"] == "failed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(state["state"] == "done");
  auto keys = token::KeyRing::load_dir(d.dir / "keys");
  REQUIRE(keys.ok());
  std::vector<std::string> got, want;
  for (const auto& doc : received(cups.spool(), ".pdf"))
    got.push_back(identify(doc, records, *keys));
  for (const auto& r : records)
    for (auto h : r.holders())
      for (const char* page : {" info", " page5"})
        want.push_back(r.issuance_id + " " + std::string(issuance::to_string(h)) + page);
  CHECK(got == want);
  d.process->signal(SIGTERM);
}
