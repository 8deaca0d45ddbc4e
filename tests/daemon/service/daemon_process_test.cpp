// certprintd as a process against real cupsd: submit, batch print, and
// kill -9 at many moments of the batch; every page reaches the printer
// exactly once, in order. Settings it cannot honour stop it before it
// listens; a second certprintd on the same store stops at start; and
// `certprintd --check` probes every configured printer.
#include <catch2/catch.hpp>

#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "daemon/booklet/renderer.hpp"
#include "daemon/booklet/tokens.hpp"
#include "support/cups_harness.hpp"
#include "support/daemon_under_test.hpp"
#include "support/pdf_text.hpp"
#include "support/private_file.hpp"
#include "support/process.hpp"
#include "support/qr_decode.hpp"
#include "support/received.hpp"

using namespace certprint;
using namespace certprint::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const issuance::ValidationOptions kValidation{issuance::Date{2026, 11, 28}};
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

namespace {

// A certprintd's files (keys, tokens, a callback secret) and options,
// without a CUPS.
struct Setup {
  TempDir temp;
  fs::path dir = temp.path();
  int port = free_port();
  std::map<std::string, std::string> options;

  Setup() {
    write_private(dir / "tokens", "registry registry-1 " + std::string(kRegistrySecret) +
                                      "\nclerk clerk-1 " + std::string(kClerkSecret) + "\n");
    auto k = token::generate_key(dir / "keys", system_random());
    if (!k) FAIL(k.error().message);
    write_private(dir / "callback-secret", "callback-secret-0123456789abcdef\n");
    options = {{"listen", "127.0.0.1:" + std::to_string(port)},
               {"database", (dir / "certprint.db").string()},
               {"keys", (dir / "keys").string()},
               {"tokens", (dir / "tokens").string()},
               {"templates", (source_dir() / "templates").string()}};
  }
  // The command line: the options with `changes` applied, then `extra`.
  std::vector<std::string> argv(const std::map<std::string, std::string>& changes,
                                const std::vector<std::string>& extra = {}) const {
    auto o = options;
    for (const auto& [k, v] : changes) o[k] = v;
    std::vector<std::string> a{CERTPRINTD_BINARY};
    for (const auto& [k, v] : o) a.push_back("--" + k + "=" + v);
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

struct Outcome {
  std::optional<int> exit_code;  // nothing: it said "listening" (and was killed)
  std::string output;            // stdout and stderr
};

// Runs certprintd until it exits or says it is listening (then kills it).
Outcome run_to_end(const std::vector<std::string>& argv, const fs::path& log) {
  fs::remove(log);
  Process p(argv, log.string());
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < until) {
    if (auto status = p.wait_for(std::chrono::milliseconds(50)))
      return {WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status), slurp(log)};
    if (slurp(log).find("listening") != std::string::npos) break;
  }
  p.kill_hard();
  return {std::nullopt, slurp(log)};
}

void wait_until_listening(const fs::path& log) {
  for (int i = 0; i < 500; ++i) {
    if (slurp(log).find("listening") != std::string::npos) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("certprintd did not come up:\n" << slurp(log));
}

// The output's line for printer `name` (the table's first column).
std::string row(const std::string& output, const std::string& name) {
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(name + " ", 0) == 0) return line;
  return "";
}

}  // namespace

TEST_CASE("certprintd refuses a setting it cannot honour: exit 2 naming it, before listening",
          "[integration]") {
  Setup s;
  const std::string secret = (s.dir / "callback-secret").string();
  // Secrets group or others may read (issue 10.13), and a CRLF secret of 15
  // characters that only its "\r" made long enough.
  const std::string open_secret = (s.dir / "open-secret").string();
  write_shared(open_secret, "callback-secret-0123456789abcdef\n");
  const std::string open_tokens = (s.dir / "open-tokens").string();
  write_shared(open_tokens, "clerk clerk-1 " + std::string(kClerkSecret) + "\n");
  const std::string crlf_secret = (s.dir / "crlf-secret").string();
  write_private(crlf_secret, "0123456789abcde\r\n");
  fs::create_directory(s.dir / "open-keys");
  write_shared(s.dir / "open-keys" / "key-1.hex", std::string(64, 'a') + "\n");
  struct Case {
    std::map<std::string, std::string> set;
    std::vector<std::string> says;
  };
  const std::vector<Case> cases = {
      {{{"listen", "127.0.0.1:99999"}}, {"--listen", "99999", "1..65535"}},
      {{{"listen", "127.0.0.1:0"}}, {"--listen", "1..65535"}},
      {{{"listen", "127.0.0.1:86x1"}}, {"--listen", "86x1"}},
      {{{"listen", ":8631"}}, {"--listen", "host"}},
      {{{"callback-url", "ftp://x"}, {"callback-secret-file", secret}},
       {"--callback-url", "ftp://x", "http://"}},
      {{{"callback-url", "http://registry:70000/hooks"}, {"callback-secret-file", secret}},
       {"--callback-url", "70000"}},
      {{{"callback-url", "https:///hooks"}, {"callback-secret-file", secret}},
       {"--callback-url", "host"}},
      {{{"printer", "desk=capture,server=localhost:99999"}}, {"--printer", "99999", "1..65535"}},
      {{{"printer", "desk=ipp:///ipp/print"}}, {"--printer", "ipp:///ipp/print", "host"}},
      {{{"printer", "desk=front desk"}}, {"--printer", "front desk"}},
      {{{"cups-server", "localhost:0"}}, {"--cups-server", "localhost:0"}},
      {{{"stall-timeout", "-5"}}, {"--stall-timeout", "-5"}},
      {{{"job-timeout", "0"}}, {"--job-timeout", "0"}},
      {{{"max-body-bytes", "0"}}, {"--max-body-bytes", "0"}},
      {{{"callback-max-attempts", "0"}}, {"--callback-max-attempts", "0", "1..100000"}},
      {{{"retain-events-days", "-1"}}, {"--retain-events-days", "-1"}},
      {{{"tls-cert", (s.dir / "cert.pem").string()}}, {"--tls-cert", "--tls-key"}},
      {{{"keys", (s.dir / "no-keys").string()}}, {"--keys", "no-keys"}},
      {{{"tokens", (s.dir / "no-tokens").string()}}, {"--tokens", "no-tokens"}},
      {{{"templates", (s.dir / "no-templates").string()}}, {"--templates", "no-templates"}},
      {{{"database", (s.dir / "no-dir" / "certprint.db").string()}}, {"--database", "no-dir"}},
      {{{"tokens", open_tokens}}, {"--tokens", "open-tokens", "0644", "chmod 600"}},
      {{{"keys", (s.dir / "open-keys").string()}}, {"--keys", "key-1.hex", "0644", "chmod 600"}},
      {{{"callback-url", "http://127.0.0.1:9/hooks"}, {"callback-secret-file", open_secret}},
       {"--callback-secret-file", "open-secret", "0644", "chmod 600"}},
      {{{"callback-url", "http://127.0.0.1:9/hooks"}, {"callback-secret-file", crlf_secret}},
       {"--callback-secret-file", "16"}},
  };
  for (const auto& c : cases) {
    for (const bool check : {false, true}) {
      const auto argv =
          s.argv(c.set, check ? std::vector<std::string>{"--check"} : std::vector<std::string>{});
      const Outcome out = run_to_end(argv, s.dir / "certprintd.log");
      INFO((check ? "with --check: " : "")
           << c.set.begin()->first << " = " << c.set.begin()->second << "\n"
           << out.output);
      CHECK(out.exit_code == std::optional<int>(2));
      for (const auto& word : c.says) CHECK_THAT(out.output, Catch::Contains(word));
      CHECK_THAT(out.output, !Catch::Contains("listening"));
    }
  }
  CHECK_FALSE(fs::exists(s.dir / "certprint.db"));  // nothing was opened for writing
}

TEST_CASE("a second certprintd on the same database stops at start, naming the database",
          "[integration]") {
  Setup s;
  Process first(s.argv({}), (s.dir / "first.log").string());
  wait_until_listening(s.dir / "first.log");

  const Outcome second = run_to_end(
      s.argv({{"listen", "127.0.0.1:" + std::to_string(free_port())}}), s.dir / "second.log");
  INFO(second.output);
  REQUIRE(second.exit_code.has_value());  // it did not get as far as listening
  CHECK(*second.exit_code != 0);
  CHECK_THAT(second.output, Catch::Contains((s.dir / "certprint.db").string()));
  CHECK_THAT(second.output, Catch::Contains("another certprintd"));

  // The first one is untouched and still answers.
  httplib::Client c("127.0.0.1", s.port);
  auto r = c.Get("/healthz", {{"Authorization", "Bearer " + kClerkSecret}});
  REQUIRE(r);
  CHECK(r->status == 200);
  const int status = first.signal(SIGTERM);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE(
    "certprintd --check: a row per printer, exit 0 when all are well, beside a running daemon",
    "[integration]") {
  CupsHarness cups;
  Setup s;
  const std::string server = ",server=" + cups.server();
  // A daemon holds the store and the port: --check needs neither.
  Process daemon(s.argv({}, {"--printer=desk=capture" + server}), (s.dir / "daemon.log").string());
  wait_until_listening(s.dir / "daemon.log");

  const Outcome out =
      run_to_end(s.argv({}, {"--check", "--printer=desk=capture" + server,
                             "--printer=eve=everywhere" + server, "--printer=rawq=raw" + server,
                             "--printer=direct=" + cups.printer_uri() + ",format=raster"}),
                 s.dir / "check.log");
  INFO(out.output);
  CHECK(out.exit_code == std::optional<int>(0));
  CHECK_THAT(out.output, Catch::Contains("PRINTER"));  // the table's head
  for (const char* name : {"desk", "eve", "rawq", "direct"}) {
    INFO(name);
    const std::string line = row(out.output, name);
    REQUIRE_FALSE(line.empty());
    CHECK_THAT(line, Catch::Contains(" ok "));
  }
  CHECK_THAT(row(out.output, "desk"), Catch::Contains("capture"));
  CHECK_THAT(row(out.output, "eve"), Catch::Contains("everywhere"));
  CHECK_THAT(row(out.output, "direct"), Catch::Contains(cups.printer_uri()));
  CHECK_THAT(out.output, !Catch::Contains("listening"));
  CHECK(daemon.running());
  daemon.signal(SIGTERM);
}

TEST_CASE("certprintd --check: exit 1 and what to do for each printer with a problem",
          "[integration]") {
  CupsHarness cups;
  Setup s;
  const std::string server = ",server=" + cups.server();
  // A queue whose driver names a filter that is not installed.
  std::string ppd = slurp(cups.dir() / "badfilter.ppd");
  for (auto at = ppd.find("/filters/fail"); at != std::string::npos; at = ppd.find("/filters/fail"))
    ppd.replace(at, 13, "/filters/not-installed");
  std::ofstream(s.dir / "nofilter.ppd") << ppd;
  REQUIRE(cups.run("lpadmin -p nofilter -E -v file:///dev/null -P '" +
                   (s.dir / "nofilter.ppd").string() + "'") == 0);
  struct Case {
    std::string printer;
    std::vector<std::string> says;
  };
  const std::vector<Case> cases = {
      {"gone=no-such-queue" + server, {"no-such-queue", "lpadmin"}},
      {"down=capture,server=localhost:" + std::to_string(free_port()), {"no", "cupsd"}},
      {"nofilter=nofilter" + server, {"not-installed", "missing"}},
      {"evefmt=everywhere,format=raster" + server, {"raster", "format=pdf"}},
      {"evedpi=everywhere,dpi=360x180" + server, {"360x180", "600"}},
  };
  for (const auto& c : cases) {
    const std::string name = c.printer.substr(0, c.printer.find('='));
    const Outcome out = run_to_end(
        s.argv({}, {"--check", "--printer=desk=capture" + server, "--printer=" + c.printer}),
        s.dir / "check.log");
    INFO(c.printer << "\n" << out.output);
    CHECK(out.exit_code == std::optional<int>(1));
    CHECK_THAT(row(out.output, "desk"), Catch::Contains(" ok "));
    const std::string line = row(out.output, name);
    CHECK_THAT(line, Catch::Contains("PROBLEM"));
    for (const auto& word : c.says) CHECK_THAT(line, Catch::Contains(word));
  }

  // The badfilter queue's filter is installed and runs, and fails: a job it
  // stopped is reported.
  std::ofstream(s.dir / "page.txt") << "a page\n";
  REQUIRE(cups.run("lp -d badfilter '" + (s.dir / "page.txt").string() + "'") == 0);
  Outcome out;
  for (int i = 0; i < 40; ++i) {
    out = run_to_end(s.argv({}, {"--check", "--printer=bad=badfilter" + server}),
                     s.dir / "check.log");
    if (out.exit_code != std::optional<int>(0)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  INFO(out.output);
  CHECK(out.exit_code == std::optional<int>(1));
  CHECK_THAT(row(out.output, "bad"), Catch::Contains("PROBLEM"));
  CHECK_THAT(row(out.output, "bad"), Catch::Contains("stopped"));
  CHECK_THAT(row(out.output, "bad"), Catch::Contains("injected filter failure"));
}
