// Events: numbered per issuance, random ids, stamped with the clock, stored
// with what they describe or not at all.
#include <catch2/catch.hpp>

#include <set>
#include <thread>

#include "daemon/engine/event_log.hpp"
#include "support/fake_clock.hpp"
#include "support/temp_dir.hpp"

using namespace certprint;
using namespace certprint::testing;
using nlohmann::json;

namespace {

struct Fixture {
  TempDir dir;
  FakeClock clock;
  std::unique_ptr<store::Store> store;
  Fixture() {
    auto s = store::Store::open(dir / "certprint.db", clock);
    if (!s) FAIL(s.error().message);
    store = std::move(*s);
    for (const char* id : {"I-1", "I-2"}) {
      const std::string sid(id);
      auto added = store->add_issuance(
          {sid, "{}", 1}, {},
          {"ev-" + sid, sid, 1, "accepted", "{}", 1, 0, 1, std::nullopt, "", std::nullopt});
      if (!added) FAIL(added.message());
    }
  }
};

}  // namespace

TEST_CASE("event log: sequences per issuance, ids, times and bodies", "[daemon][engine]") {
  Fixture f;
  engine::EventLog log(*f.store, system_random(), f.clock);
  const Millis t0 = f.clock.wall_ms();
  REQUIRE(log.record("I-1", "page_printed", {{"page", "info"}}).ok());
  f.clock.advance(std::chrono::milliseconds(250));
  REQUIRE(log.record("I-1", "page_printed", {{"page", "page5"}}).ok());
  REQUIRE(log.record("I-2", "booklet_printed", json::object()).ok());

  auto events = f.store->events("I-1");
  REQUIRE(events.ok());
  REQUIRE(events->size() == 3);  // the accepted event, then ours
  CHECK((*events)[1].sequence == 2);
  CHECK((*events)[2].sequence == 3);
  CHECK((*events)[1].created_at == t0);
  CHECK((*events)[2].created_at == t0 + 250);
  CHECK((*events)[1].next_attempt_at == t0);
  const json body = json::parse((*events)[2].body);
  CHECK(body["type"] == "page_printed");
  CHECK(body["page"] == "page5");
  CHECK(body["issuance_id"] == "I-1");
  CHECK(body["sequence"] == 3);
  CHECK(body["at_ms"] == t0 + 250);
  CHECK(body["event_id"] == (*events)[2].event_id);
  CHECK_THAT((*events)[2].event_id, Catch::Matches("ev-[0-9a-f]{32}"));
  CHECK((*events)[1].event_id != (*events)[2].event_id);
  CHECK(f.store->events("I-2")->back().sequence == 2);
}

TEST_CASE("event log: the write decides; a refused write stores nothing", "[daemon][engine]") {
  Fixture f;
  engine::EventLog log(*f.store, system_random(), f.clock);
  auto s = log.record("I-1", "booklet_printed", json::object(),
                      [](const store::EventRow&) -> Status { return Error{"disk full"}; });
  REQUIRE_FALSE(s.ok());
  CHECK(s.message() == "disk full");
  CHECK(f.store->events("I-1")->size() == 1);
  // A random source that fails is reported, not papered over.
  engine::EventLog broken(
      *f.store, [](std::span<std::uint8_t>) -> Status { return Error{"no entropy"}; }, f.clock);
  auto r = broken.record("I-1", "page_printed", json::object());
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.message(), Catch::Contains("no entropy"));
  CHECK(f.store->events("I-1")->size() == 1);
}

TEST_CASE("event log: concurrent writers never share a sequence number", "[daemon][engine]") {
  Fixture f;
  engine::EventLog log(*f.store, system_random(), f.clock);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) REQUIRE(log.record("I-1", "page_waiting", json::object()).ok());
    });
  for (auto& t : threads) t.join();
  auto events = f.store->events("I-1");
  REQUIRE(events->size() == 101);
  std::set<std::int64_t> seqs;
  for (const auto& e : *events) seqs.insert(e.sequence);
  CHECK(seqs.size() == 101);
  CHECK(*seqs.rbegin() == 101);
}
