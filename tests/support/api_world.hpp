// A daemon without its HTTP server or CUPS, for tests of the API and its
// clients: a real store in a temporary directory, the real engine and
// Office, and a printer that completes every job at once and keeps what it
// got. `Served` puts the API on a free loopback port. Every answer the tests
// get, called directly or over HTTP, goes to the contract log when it is on
// (support/contract_log.hpp).
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "daemon/api/api.hpp"
#include "daemon/api/http_server.hpp"
#include "daemon/engine/event_log.hpp"
#include "daemon/engine/office.hpp"
#include "daemon/engine/print_engine.hpp"
#include "daemon/store/store.hpp"
#include "support/contract_log.hpp"
#include "support/read_file.hpp"
#include "support/recorded_api.hpp"
#include "support/temp_dir.hpp"

namespace certprint::testing {

// What the instant printer received.
struct PaperTray {
  std::mutex m;
  std::vector<printing::PageJob> pages;
};

// Completes every job at once. It remembers its jobs by name (as a cupsd
// does) unless told it forgets them (as a printer addressed directly may).
class InstantPort final : public printing::PrinterPort {
 public:
  explicit InstantPort(PaperTray& tray, bool remembers = true)
      : tray_(tray), remembers_(remembers) {}
  const std::string& name() const override { return name_; }
  Result<int> submit(const printing::PageJob& job) override {
    std::lock_guard g(tray_.m);
    tray_.pages.push_back(job);
    return static_cast<int>(tray_.pages.size());
  }
  Result<printing::JobStatus> job_status(int id) override {
    return printing::JobStatus{id, printing::JobPhase::completed, {}, ""};
  }
  Result<printing::PrinterStatus> printer_status() override {
    return printing::PrinterStatus{"idle", {}, "", true};
  }
  Status cancel(int) override { return {}; }
  Result<std::optional<int>> find_job(const std::string& job_name) override {
    std::lock_guard g(tray_.m);
    if (remembers_)
      for (std::size_t i = 0; i < tray_.pages.size(); ++i)
        if (tray_.pages[i].job_name == job_name) return std::optional<int>(static_cast<int>(i + 1));
    return std::optional<int>{};
  }
  bool remembers_jobs() const override { return remembers_; }

 private:
  PaperTray& tray_;
  bool remembers_;
  std::string name_ = "desk";
};

inline const api::Caller kRegistry{"registry-1", api::Role::registry},
    kClerk{"clerk-1", api::Role::clerk}, kTech{"tech-1", api::Role::technician},
    kVerifier{"verifier-1", api::Role::verifier}, kMonitor{"prometheus", api::Role::monitor};

struct ApiWorld {
  TempDir dir;
  std::unique_ptr<store::Store> store;
  token::KeyRing keys = token::KeyRing::from_keys({token::Key{3, {}}});
  std::unique_ptr<engine::EventLog> events;
  PaperTray tray;
  std::unique_ptr<engine::PrintEngine> engine;
  std::unique_ptr<engine::Office> office;
  std::unique_ptr<RecordedApi> api;
  // When set, the verify rate limit's clock stands still at this instant
  // (a test of the limit must not depend on how fast the machine is).
  std::optional<std::chrono::steady_clock::time_point> limit_clock;

  // Makes the printer's port; the instant printer unless a test brings its own.
  using PortMaker = std::function<std::unique_ptr<printing::PrinterPort>(PaperTray&)>;
  PortMaker make_port = [](PaperTray& t) { return std::make_unique<InstantPort>(t); };

  // `tune` changes the printer "desk" (a 180-dpi PDF printer) before it starts.
  explicit ApiWorld(bool start_printing = true, PortMaker port = nullptr,
                    const std::function<void(engine::PrinterConfig&)>& tune = nullptr) {
    if (port) make_port = std::move(port);
    auto s = store::Store::open(dir / "certprint.db");
    if (!s) FAIL(s.error().message);
    store = std::move(*s);
    events = std::make_unique<engine::EventLog>(*store, system_random(), system_clock());
    engine::PrinterConfig desk;
    desk.name = "desk";
    desk.res = {180, 180};
    if (tune) tune(desk);
    engine::PrintEngineConfig pe{
        {desk},
        source_dir() / "templates",
        {std::chrono::milliseconds(5), std::chrono::seconds(2), std::chrono::seconds(5)}};
    engine = std::make_unique<engine::PrintEngine>(
        *store, *events, pe,
        [this](const engine::PrinterConfig&) -> Result<std::unique_ptr<printing::PrinterPort>> {
          return make_port(tray);
        },
        system_clock(), null_log());
    if (start_printing) engine->start();
    office = std::make_unique<engine::Office>(
        *store, keys, *events, *engine, source_dir() / "templates", system_random(), null_log());
    api::ApiConfig config{64 * 1024, [] { return issuance::Date{2026, 11, 28}; }};
    config.now = [this] { return limit_clock ? *limit_clock : std::chrono::steady_clock::now(); };
    api = std::make_unique<RecordedApi>(*office, *engine, std::move(config));
  }
  ~ApiWorld() { engine->stop(); }

  std::string sample(const char* name) const { return slurp(source_dir() / "samples" / name); }

  // Waits for a print job to end; returns its final JSON.
  nlohmann::json wait_job(long id) {
    for (int i = 0; i < 400; ++i) {
      auto r = api->print_job(kClerk, std::to_string(id));
      REQUIRE(r.status == 200);
      if (r.body["state"] == "done" || r.body["state"] == "failed") return r.body;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL("print job " << id << " did not end");
    return {};
  }
};

// The token of the live booklet of `holder` ("male" or "female").
inline std::string token_of(store::Store& store, const std::string& issuance_id,
                            const std::string& holder) {
  auto bs = store.booklets(issuance_id);
  REQUIRE(bs.ok());
  std::string tok;
  for (const auto& b : *bs)
    if (issuance::to_string(b.holder) == holder && store::is_live(b.state)) tok = b.token;
  return tok;
}

// A free loopback port, answers recorded when the contract log is on.
inline api::HttpConfig loopback_http() {
  return contract_observed({"127.0.0.1", 0, std::nullopt, std::nullopt, 64 * 1024});
}

// The API served on a free loopback port for the test's lifetime.
struct Served {
  std::unique_ptr<api::HttpServer> server;
  std::thread thread;
  int port = 0;
  Served(api::Api& api, const api::TokenTable& tokens,
         api::HttpConfig config = {"127.0.0.1", 0, std::nullopt, std::nullopt, 64 * 1024}) {
    auto s = api::HttpServer::create(contract_observed(std::move(config)), api, tokens, null_log());
    if (!s) FAIL(s.error().message);
    server = std::move(*s);
    auto p = server->bind();
    if (!p) FAIL(p.error().message);
    port = *p;
    thread = std::thread([this] { server->serve(); });
  }
  ~Served() {
    server->stop();
    thread.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

// A throwaway self-signed certificate and key for localhost and 127.0.0.1
// in `dir` (cert.pem, key.pem), made by openssl; false when it could not be
// made. Self-signed, it is also the CA a client can be given.
inline bool make_tls_certificate(const std::filesystem::path& dir) {
  const std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
      "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '" +
      (dir / "key.pem").string() + "' -out '" + (dir / "cert.pem").string() + "' >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

inline const char* kTokenFile =
    "registry registry-1 rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr\n"
    "clerk clerk-1 cccccccccccccccccccccccccccccccccccc\n"
    "verifier verifier-1 vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv\n"
    "technician tech-1 tttttttttttttttttttttttttttttttttttt\n";

}  // namespace certprint::testing
