// certprintd's settings, checked before anything is opened or bound, and
// the judging of `certprintd --check`'s printer probes (made-up probes
// here; tests/daemon/service/daemon_process_test.cpp probes a real cupsd).
#include <catch2/catch.hpp>

#include <fstream>

#include "common/random.hpp"
#include "daemon/service/config_check.hpp"
#include "daemon/service/printer_check.hpp"
#include "support/private_file.hpp"
#include "support/temp_dir.hpp"
#include "token/token.hpp"

using namespace certprint;
using namespace certprint::service;
using certprint::printing::cups::FilterProbe;
using certprint::printing::cups::QueueProbe;
namespace fs = std::filesystem;

namespace {

// A configuration every check passes, with its files in `dir`.
DaemonConfig good_config(const testing::TempDir& dir) {
  testing::write_private(dir / "tokens", "clerk clerk-1 clerk-secret-0123456789abcdef0123\n");
  auto key = token::generate_key(dir / "keys", system_random());
  if (!key) FAIL(key.error().message);
  DaemonConfig c;
  c.http.host = "127.0.0.1";
  c.http.port = 8631;
  c.database = dir / "certprint.db";
  c.keys_dir = dir / "keys";
  c.tokens_file = dir / "tokens";
  c.templates_dir = testing::source_dir() / "templates";
  engine::PrinterConfig desk;
  desk.name = "desk";
  desk.cups = {"localhost:631", "PLQ20-desk", 10000};
  c.printers.push_back(desk);
  return c;
}

void refused(const Status& s, const std::vector<std::string>& says) {
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == ErrorCode::invalid);
  for (const auto& word : says) CHECK_THAT(s.message(), Catch::Contains(word));
}

}  // namespace

TEST_CASE("host and port: ports 1..65535, hosts, IPv6 in brackets, sockets", "[daemon][service]") {
  auto hp = parse_host_port("--listen", "127.0.0.1:8631", PortRule::required);
  REQUIRE(hp.ok());
  CHECK(hp->host == "127.0.0.1");
  CHECK(hp->port == 8631);
  auto v6 = parse_host_port("--listen", "[::1]:65535", PortRule::required);
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->port == 65535);
  auto bare = parse_host_port("server", "cups.local", PortRule::optional);
  REQUIRE(bare.ok());
  CHECK(bare->port == 0);
  auto socket = parse_host_port("server", "/run/cups/cups.sock", PortRule::optional_or_socket);
  REQUIRE(socket.ok());
  CHECK(socket->host == "/run/cups/cups.sock");

  struct Case {
    const char* text;
    PortRule rule;
    const char* says;
  };
  for (const Case& c : std::vector<Case>{
           {"127.0.0.1:99999", PortRule::required, "port 99999 should be a number 1..65535"},
           {"127.0.0.1:0", PortRule::required, "port 0 should be"},
           {"127.0.0.1:86x1", PortRule::required, "port 86x1 should be"},
           {"127.0.0.1:-1", PortRule::required, "port -1 should be"},
           {"127.0.0.1", PortRule::required, "the port is missing"},
           {"localhost:", PortRule::optional, "the port is missing"},
           {":8631", PortRule::required, "the host is missing"},
           {"", PortRule::optional, "the host is missing"},
           {"::1:631", PortRule::optional, "in brackets"},
           {"[::1:631", PortRule::optional, "']'"},
           {"my host:631", PortRule::optional, "may hold only"},
           {"/run/cups.sock", PortRule::optional, "may hold only"},
       }) {
    INFO(c.text);
    auto r = parse_host_port("--listen", c.text, c.rule);
    refused(r.status(), {"--listen \"" + std::string(c.text) + "\"", c.says});
  }
}

TEST_CASE("seconds: more than 0, at most a day", "[daemon][service]") {
  CHECK(*parse_seconds("--stall-timeout", 1.5) == std::chrono::milliseconds(1500));
  CHECK(*parse_seconds("--job-timeout", 86400) == std::chrono::milliseconds(86'400'000));
  for (double bad : {-5.0, 0.0, 86401.0, 1e300, std::nan("")}) {
    INFO(bad);
    refused(parse_seconds("--stall-timeout", bad).status(), {"--stall-timeout", "more than 0"});
  }
  refused(parse_seconds("--stall-timeout", -5).status(), {"--stall-timeout -5:"});
}

TEST_CASE("printer targets: queue names as CUPS takes them, ipp:// URIs with a host",
          "[daemon][service]") {
  using printing::cups::CupsPortConfig;
  for (const char* ok : {"PLQ20-desk1", "capture", "Büro_2", "ipp://10.0.0.7/ipp/print",
                         "ipps://printer.local:631/ipp/print", "ipp://[fe80::1]:8631/ipp/print"}) {
    INFO(ok);
    CHECK(check_printer_target(CupsPortConfig{"", ok, 1000}).ok());
  }
  CHECK(check_printer_target(CupsPortConfig{"/run/cups/cups.sock", "q", 1000}).ok());
  struct Case {
    const char* server;
    const char* printer;
    std::vector<std::string> says;
  };
  for (const Case& c : std::vector<Case>{
           {"", "front desk", {"queue \"front desk\"", "may not hold spaces"}},
           {"", "a/b", {"queue \"a/b\""}},
           {"", "q#1", {"queue \"q#1\""}},
           {"", "ipp:///ipp/print", {"printer URI \"ipp:///ipp/print\"", "host is missing"}},
           {"", "ipp://printer", {"expected ipp://HOST[:PORT]/PATH"}},
           {"", "ipp://printer:99999/ipp/print", {"port 99999"}},
           {"", "ipp://user@printer/ipp/print", {"user name"}},
           {"", "socket://10.0.0.7:9100", {"only ipp:// and ipps://"}},
           {"localhost:99999", "q", {"server \"localhost:99999\"", "port 99999"}},
           {"localhost:0", "q", {"server \"localhost:0\"", "port 0"}},
           {"", "", {"the queue is missing"}},
       }) {
    INFO(c.printer << " on " << c.server);
    refused(check_printer_target(CupsPortConfig{c.server, c.printer, 1000}), c.says);
  }
  refused(check_printer_target(CupsPortConfig{"", std::string(128, 'q'), 1000}), {"127 bytes"});
}

TEST_CASE("callback URL: http or https, a host, a port 1..65535", "[daemon][service]") {
  for (const char* ok : {"", "http://registry/hooks", "https://registry.example:8443/hooks/cp",
                         "http://10.0.0.9:8080", "https://[::1]:8443/x?y=1"}) {
    INFO(ok);
    CHECK(check_callback_url(ok).ok());
  }
  for (const char* bad : {"ftp://x", "registry/hooks", "HTTP//registry", "https:///hooks",
                          "http://registry:70000/hooks", "http://registry:0/", "http://a b/",
                          "https://user:pw@registry/hooks", "http://registry:/x"}) {
    INFO(bad);
    refused(check_callback_url(bad), {"--callback-url \"" + std::string(bad) + "\""});
  }
  refused(check_callback_url("ftp://x"), {"expected http://HOST[:PORT]/PATH or https://"});
}

TEST_CASE("check_config: a good configuration passes; each bad setting is named",
          "[daemon][service]") {
  testing::TempDir dir;
  const DaemonConfig good = good_config(dir);
  REQUIRE(check_config(good).ok());
  CHECK_FALSE(fs::exists(dir / "certprint.db"));  // looked at, never opened

  struct Case {
    std::function<void(DaemonConfig&)> change;
    std::vector<std::string> says;
  };
  const std::vector<Case> cases = {
      {[](auto& c) { c.http.port = 99999; }, {"--listen", "99999", "1..65535"}},
      {[](auto& c) { c.http.port = 0; }, {"--listen", "port 0"}},
      {[](auto& c) { c.http.host = ""; }, {"--listen", "host is missing"}},
      {[&](auto& c) { c.http.tls_cert = dir / "cert.pem"; }, {"--tls-cert", "--tls-key"}},
      {[&](auto& c) { c.http.tls_key = dir / "key.pem"; }, {"--tls-key", "--tls-cert"}},
      {[&](auto& c) { c.http.tls_cert = dir / "cert.pem", c.http.tls_key = dir / "key.pem"; },
       {"--tls-cert", "cert.pem"}},
      {[](auto& c) { c.http.max_body_bytes = 0; }, {"--max-body-bytes \"0\""}},
      {[](auto& c) { c.http.max_body_bytes = std::size_t(-1); }, {"--max-body-bytes"}},
      {[&](auto& c) { c.database = dir / "no-dir" / "x.db"; }, {"--database", "no-dir"}},
      {[&](auto& c) { c.database = dir.path(); }, {"--database", "not a file"}},
      {[&](auto& c) { c.keys_dir = dir / "no-keys"; }, {"--keys", "no-keys"}},
      {[&](auto& c) { c.tokens_file = dir / "no-tokens"; }, {"--tokens", "no-tokens"}},
      {[&](auto& c) { c.templates_dir = dir.path(); }, {"--templates", dir.path().string()}},
      {[](auto& c) { c.cups_server = "localhost:0"; }, {"--cups-server", "localhost:0"}},
      {[](auto& c) { c.printers.push_back(c.printers[0]); }, {"--printer \"desk\"", "twice"}},
      {[](auto& c) { c.printers[0].cups.server = "localhost:99999"; }, {"--printer", "99999"}},
      {[](auto& c) { c.printers[0].cups.printer = "front desk"; }, {"--printer", "front desk"}},
      {[](auto& c) { c.outbox.callback_url = "ftp://x", c.outbox.secret = std::string(16, 's'); },
       {"--callback-url", "ftp://x"}},
      {[](auto& c) { c.outbox.callback_url = "https://registry/hooks"; },
       {"--callback-url", "--callback-secret-file", "16"}},
      {[](auto& c) { c.sequencer.stall_timeout = std::chrono::milliseconds(-5000); },
       {"--stall-timeout", "more than 0"}},
      {[](auto& c) { c.sequencer.job_timeout = std::chrono::milliseconds(0); }, {"--job-timeout"}},
      {[](auto& c) { c.sequencer.poll_interval = std::chrono::milliseconds(0); },
       {"--poll-interval-ms 0", "1..10000"}},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i);
    DaemonConfig c = good;
    cases[i].change(c);
    refused(check_config(c), cases[i].says);
  }
}
