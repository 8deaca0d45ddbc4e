// Callbacks to a registry stand-in on loopback that is down, then up.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/random.hpp"
#include "daemon/api/callback_http.hpp"
#include "daemon/engine/event_log.hpp"
#include "daemon/engine/outbox.hpp"
#include "daemon/store/store.hpp"
#include "support/fake_clock.hpp"
#include "support/temp_dir.hpp"

using namespace certprint;
using namespace certprint::engine;
using nlohmann::json;

TEST_CASE("signatures are HMAC-SHA256 of the body", "[daemon]") {
  // RFC 4231 test case 2.
  CHECK(sign_body("Jefe", "what do ya want for nothing?") ==
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("callbacks: a registry that is down, then up, gets every event in order, signed",
          "[daemon]") {
  testing::TempDir dir;
  // Stored times, due times and backoff all run on this clock; only the HTTP
  // (real, over loopback) runs on real time.
  testing::FakeClock clock;
  auto opened = store::Store::open(dir / "db", clock);
  REQUIRE(opened.ok());
  store::Store& db = **opened;
  EventLog events(db, system_random(), clock);
  // Two issuances with a few events each.
  for (const char* id : {"A-1", "B-2"}) {
    REQUIRE(db.add_issuance({id, "{}", events.now()}, {},
                            [&] {
                              store::EventRow e;
                              e.event_id = std::string("ev-accepted-") + id;
                              e.issuance_id = id;
                              e.sequence = 1;
                              e.type = "accepted";
                              e.body = json{{"event_id", e.event_id},
                                            {"issuance_id", id},
                                            {"sequence", 1},
                                            {"type", "accepted"}}
                                           .dump();
                              e.created_at = events.now();
                              return e;
                            }())
                .ok());
    for (const char* type : {"page_printed", "page_printed", "booklet_printed"})
      REQUIRE(events.record(id, type, {{"page", "info"}}).ok());
  }

  // The stand-in answers 503 to its first five calls, then 200.
  const std::string secret = "a-shared-secret-of-some-length";
  std::mutex m;
  std::vector<json> received;
  std::vector<bool> signatures_ok;
  std::atomic<int> calls{0};
  httplib::Server registry;
  registry.Post("/hooks/certprint", [&](const httplib::Request& req, httplib::Response& res) {
    if (calls++ < 5) {
      res.status = 503;
      return;
    }
    std::lock_guard g(m);
    received.push_back(json::parse(req.body));
    signatures_ok.push_back(
        req.get_header_value("X-Certprint-Signature") == sign_body(secret, req.body) &&
        req.get_header_value("X-Certprint-Event") == received.back()["event_id"]);
    res.status = 204;
  });
  const int port = registry.bind_to_any_port("127.0.0.1");
  REQUIRE(port > 0);
  std::thread serving([&] { registry.listen_after_bind(); });

  OutboxConfig config;
  config.callback_url = "http://127.0.0.1:" + std::to_string(port) + "/hooks/certprint";
  config.secret = secret;
  config.first_retry = std::chrono::milliseconds(20);
  config.max_retry = std::chrono::milliseconds(50);
  std::vector<std::pair<Priority, std::string>> log;
  api::HttpCallbackTransport transport;
  Outbox outbox(
      db, config, transport, [&](Priority p, const std::string& l) { log.emplace_back(p, l); },
      clock);
  int delivered = 0;
  for (int i = 0; i < 200 && delivered < 8; ++i) {
    delivered += outbox.deliver_due();
    clock.advance(std::chrono::milliseconds(10));
  }
  registry.stop();
  serving.join();

  CHECK(delivered == 8);
  CHECK(calls >= 13);        // 5 refused + 8 accepted
  CHECK_FALSE(log.empty());  // failed attempts were logged ...
  for (const auto& [priority, line] : log) {
    INFO(line);
    CHECK(priority == Priority::warning);  // ... as warnings: the store never failed
  }
  REQUIRE(received.size() == 8);
  for (bool ok : signatures_ok) CHECK(ok);
  // In order per issuance, each event once.
  std::map<std::string, std::int64_t> last;
  std::set<std::string> ids;
  for (const auto& e : received) {
    const std::string issuance = e["issuance_id"];
    CHECK(e["sequence"].get<std::int64_t>() == last[issuance] + 1);
    last[issuance] = e["sequence"];
    CHECK(ids.insert(e["event_id"].get<std::string>()).second);
  }
  CHECK(last["A-1"] == 4);
  CHECK(last["B-2"] == 4);
  // Nothing is left to deliver, and the store says so.
  auto due = db.due_events(clock.wall_ms() + 3'600'000, 100);
  REQUIRE(due.ok());
  CHECK(due->empty());
  // Each refusal was recorded against the event it refused.
  int attempts = 0;
  for (const char* id : {"A-1", "B-2"}) {
    auto stored = db.events(id);
    REQUIRE(stored.ok());
    for (const auto& e : *stored) {
      CHECK(e.delivered_at);
      attempts += e.attempts;
      if (e.attempts > 0) CHECK(e.last_error == "HTTP 503");
    }
  }
  CHECK(attempts == 5);
}

namespace {

// A registry whose answer the test scripts per event type; it keeps what it
// accepted, in order.
class ScriptedRegistry final : public CallbackTransport {
 public:
  std::map<std::string, int> status_for;  // by event type; default 204
  bool down = false;
  std::vector<std::string> delivered;  // event types accepted, in order
  int posts = 0;
  Result<int> post(const std::string&, const Headers&, const std::string& body,
                   std::chrono::milliseconds) override {
    ++posts;
    if (down) return unavailable("connection refused");
    const std::string type = json::parse(body)["type"];
    const auto it = status_for.find(type);
    const int status = it == status_for.end() ? 204 : it->second;
    if (status < 300) delivered.push_back(type);
    return status;
  }
};

struct OutboxRig {
  testing::TempDir dir;
  testing::FakeClock clock;
  std::unique_ptr<store::Store> db;
  std::unique_ptr<EventLog> events;
  ScriptedRegistry registry;
  std::unique_ptr<Outbox> outbox;
  explicit OutboxRig(OutboxConfig config = {}) {
    auto opened = store::Store::open(dir / "db", clock);
    REQUIRE(opened.ok());
    db = std::move(*opened);
    events = std::make_unique<EventLog>(*db, system_random(), clock);
    REQUIRE(db->add_issuance({"A-1", "{}", 1}, {},
                             {"ev-a", "A-1", 1, "accepted", R"({"type":"accepted"})",
                              clock.wall_ms(), 0, clock.wall_ms(), std::nullopt, "", std::nullopt})
                .ok());
    config.callback_url = "http://registry.invalid/hooks";
    config.secret = "0123456789abcdef";
    outbox = std::make_unique<Outbox>(*db, config, registry, null_log(), clock);
  }
  // Delivery passes, the fake clock moving on between them, until nothing
  // is left or the passes run out.
  void run(int passes, std::chrono::milliseconds step) {
    for (int i = 0; i < passes; ++i) {
      outbox->deliver_due();
      clock.advance(step);
    }
  }
};

}  // namespace

TEST_CASE("callbacks: a wall clock stepped back does not hold back the retries", "[daemon]") {
  OutboxRig rig;
  rig.registry.down = true;
  rig.run(1, std::chrono::milliseconds(0));
  REQUIRE(rig.registry.delivered.empty());
  // An administrator (or NTP) sets the clock back an hour; the registry
  // comes back a minute later.
  rig.clock.step_wall(-std::chrono::hours(1));
  rig.registry.down = false;
  rig.run(60, std::chrono::seconds(1));
  CHECK(rig.registry.delivered == std::vector<std::string>{"accepted"});
}

TEST_CASE("callbacks: an event the registry refuses does not block the ones after it", "[daemon]") {
  OutboxRig rig;
  rig.registry.status_for["page_printed"] = 400;
  REQUIRE(rig.events->record("A-1", "page_printed", json::object()).ok());
  REQUIRE(rig.events->record("A-1", "booklet_printed", json::object()).ok());
  rig.run(200, std::chrono::seconds(10));
  // Every other event, in order; the refused one set aside, not retried for ever.
  CHECK(rig.registry.delivered == std::vector<std::string>{"accepted", "booklet_printed"});
  CHECK(rig.registry.posts < 10);
}

TEST_CASE("callbacks: a set-aside event is counted, listed, and goes out once put back",
          "[daemon]") {
  OutboxRig rig;
  rig.registry.status_for["page_printed"] = 422;
  REQUIRE(rig.events->record("A-1", "page_printed", json::object()).ok());
  rig.run(5, std::chrono::seconds(10));
  auto counts = rig.db->outbox_counts();
  REQUIRE(counts.ok());
  CHECK(counts->undelivered == 0);
  CHECK(counts->dead == 1);
  auto dead = rig.db->dead_events(10);
  REQUIRE(dead.ok());
  REQUIRE(dead->size() == 1);
  const auto& e = dead->front();
  CHECK(e.type == "page_printed");
  CHECK(e.dead_at);
  CHECK_THAT(e.last_error, Catch::Contains("refused it (HTTP 422)"));
  // Put back twice: the second is a conflict, it is no longer set aside.
  REQUIRE(rig.db->retry_event(e.event_id, rig.clock.wall_ms()).ok());
  CHECK(rig.db->retry_event(e.event_id, rig.clock.wall_ms()).error().code == ErrorCode::conflict);
  CHECK(rig.db->retry_event("no-such-event", rig.clock.wall_ms()).error().code ==
        ErrorCode::not_found);
  // The registry has been fixed.
  rig.registry.status_for.clear();
  rig.run(3, std::chrono::seconds(1));
  CHECK(rig.registry.delivered == std::vector<std::string>{"accepted", "page_printed"});
  counts = rig.db->outbox_counts();
  REQUIRE(counts.ok());
  CHECK(counts->dead == 0);
  CHECK(counts->undelivered == 0);
}

TEST_CASE("callbacks: a registry that never answers sets an event aside after max attempts",
          "[daemon]") {
  OutboxConfig config;
  config.max_attempts = 4;
  OutboxRig rig(config);
  rig.registry.down = true;
  rig.run(100, std::chrono::minutes(10));
  CHECK(rig.registry.posts == 4);
  auto dead = rig.db->dead_events(10);
  REQUIRE(dead.ok());
  REQUIRE(dead->size() == 1);
  CHECK_THAT(dead->front().last_error, Catch::Contains("4 attempts failed"));
  CHECK_THAT(dead->front().last_error, Catch::Contains("connection refused"));
}

TEST_CASE("callbacks: delivered events older than the retention are pruned, the newest kept",
          "[daemon]") {
  OutboxConfig config;
  config.retain_delivered = std::chrono::hours(24);
  config.prune_interval = std::chrono::hours(1);
  OutboxRig rig(config);
  REQUIRE(rig.events->record("A-1", "page_printed", json::object()).ok());
  REQUIRE(rig.events->record("A-1", "booklet_printed", json::object()).ok());
  rig.run(3, std::chrono::seconds(1));
  REQUIRE(rig.registry.delivered.size() == 3);
  REQUIRE(rig.db->events("A-1")->size() == 3);
  // Two days on, a new event that stays undelivered (the registry is down).
  rig.clock.advance(std::chrono::hours(48));
  rig.registry.down = true;
  REQUIRE(rig.events->record("A-1", "booklet_confirmed", json::object()).ok());
  rig.run(2, std::chrono::hours(1));
  auto left = rig.db->events("A-1");
  REQUIRE(left.ok());
  // The three delivered ones are gone; the undelivered newest stays, and the
  // sequence goes on from where it was.
  REQUIRE(left->size() == 1);
  CHECK(left->front().type == "booklet_confirmed");
  CHECK(left->front().sequence == 4);
  CHECK_FALSE(left->front().delivered_at);
}
