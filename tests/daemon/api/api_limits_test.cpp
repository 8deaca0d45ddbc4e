// The API's limits on what one caller may send (issue 10.13): the void
// reason's length and characters; how many verifies a caller may make, and
// what a verify's audit row costs it.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <chrono>

#include "support/api_world.hpp"
#include "support/faulty_store.hpp"

using namespace certprint;
using namespace certprint::testing;
using nlohmann::json;

namespace {

// A printed marriage issuance whose female booklet can be voided.
std::string printed_issuance(ApiWorld& w) {
  REQUIRE(w.api->submit_issuance(kRegistry, w.sample("marriage.json")).status == 201);
  const std::string id = "440106-20260512-0001";
  auto job = w.api->print(kClerk, id, R"({"printer":"desk"})");
  REQUIRE(job.status == 202);
  w.wait_job(job.body["print_job_id"]);
  return id;
}

api::Reply void_with(ApiWorld& w, const std::string& id, const std::string& reason) {
  return w.api->void_booklet(kClerk, id, "female",
                             json{{"reason", reason}, {"new_stock_serial", "4400269999"}}.dump());
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("void reason: at most 200 characters, counted as characters not bytes", "[daemon][api]") {
  ApiWorld w;
  const std::string id = printed_issuance(w);

  // 201 characters of two bytes each (402 bytes) are too many characters.
  auto too_long = void_with(w, id, repeat("é", 201));
  CHECK(too_long.status == 400);
  CHECK(too_long.body["error"]["fields"][0]["field"] == "reason");
  CHECK_THAT(too_long.body["error"]["message"].get<std::string>(),
             Catch::Contains("201 characters") && Catch::Contains("1..200"));
  // 201 ASCII characters too.
  CHECK(void_with(w, id, std::string(201, 'x')).status == 400);
  // 200 CJK characters (600 bytes) are fine.
  auto ok = void_with(w, id, repeat("墨", 200));
  CHECK(ok.status == 200);
}

TEST_CASE("void reason: control characters are refused, named and escaped", "[daemon][api]") {
  ApiWorld w;
  const std::string id = printed_issuance(w);
  for (const auto& [reason, shown] : {std::pair<std::string, std::string>{"ink\nsmudge", "\\u000A"},
                                      {"ink\tsmudge", "\\u0009"},
                                      {std::string("ink\x7Fsmudge"), "\\u007F"},
                                      {"ink\u0085smudge", "\\u0085"},
                                      {"ink\u009Bsmudge", "\\u009B"},
                                      // A line or paragraph break by another name, and
                                      // text-direction controls that reorder what a
                                      // report or a screen shows.
                                      {"ink\u2028smudge", "\\u2028"},
                                      {"ink\u2029smudge", "\\u2029"},
                                      {"ink\u202Esmudge", "\\u202E"},
                                      {"ink\u2067smudge", "\\u2067"},
                                      {"ink\u200Fsmudge", "\\u200F"},
                                      {"ink\u061Csmudge", "\\u061C"}}) {
    auto r = void_with(w, id, reason);
    CHECK(r.status == 400);
    CHECK(r.body["error"]["code"] == "invalid");
    CHECK(r.body["error"]["fields"][0]["field"] == "reason");
    const std::string message = r.body["error"]["message"].get<std::string>();
    CHECK_THAT(message, Catch::Contains("control character") && Catch::Contains(shown) &&
                            Catch::Contains("reason"));
    // The raw control character never reaches the message.
    CHECK(message.find(reason) == std::string::npos);
  }
  CHECK(void_with(w, id, "ink smudge, 墨").status == 200);
}

TEST_CASE("verify: a caller making too many at once is answered 429 with Retry-After",
          "[daemon][api]") {
  ApiWorld w;
  // The limit's clock stands still: no allowance comes back while the test
  // runs, however slow the machine (under ASan the HTTP call below once came
  // after a refill and was answered 200).
  w.limit_clock = std::chrono::steady_clock::now();
  REQUIRE(w.api->submit_issuance(kRegistry, w.sample("marriage.json")).status == 201);
  const std::string body =
      json{{"token", token_of(*w.store, "440106-20260512-0001", "male")}}.dump();
  // The default allows a burst of 20, then 5 a second.
  int ok = 0;
  api::Reply refused;
  for (int i = 0; i < 30; ++i) {
    auto r = w.api->verify(kVerifier, body);
    if (r.status == 200) ++ok;
    if (r.status == 429) refused = r;
  }
  CHECK(ok >= 20);
  CHECK(ok < 30);
  REQUIRE(refused.status == 429);
  CHECK(refused.body["error"]["code"] == "too_many_requests");
  CHECK_THAT(refused.body["error"]["message"].get<std::string>(),
             Catch::Contains("verifier-1") && Catch::Contains("retry"));
  CHECK(refused.body["error"]["retry_after_s"].get<int>() >= 1);
  // Another caller has its own allowance.
  const api::Caller other{"verifier-2", api::Role::verifier};
  CHECK(w.api->verify(other, body).status == 200);

  // Over HTTP the answer carries Retry-After.
  auto tokens = api::TokenTable::parse(kTokenFile, "tokens");
  REQUIRE(tokens.ok());
  Served served(*w.api, *tokens);
  httplib::Client client("127.0.0.1", served.port);
  const httplib::Headers h = {{"Authorization", "Bearer " + std::string(36, 'v')}};
  auto r = client.Post("/v1/verify", h, body, "application/json");
  REQUIRE(r);
  CHECK(r->status == 429);
  CHECK(std::stoi(r->get_header_value("Retry-After")) >= 1);
  CHECK(json::parse(r->body)["error"]["code"] == "too_many_requests");
}

TEST_CASE("verify: the audit row is written behind the answer, and kept on an orderly stop",
          "[daemon][api]") {
  ApiWorld w;
  REQUIRE(w.api->submit_issuance(kRegistry, w.sample("marriage.json")).status == 201);
  const std::string tok = token_of(*w.store, "440106-20260512-0001", "male");
  // A store whose audit writes take 300 ms (a slow disk's fsync).
  FaultyStore slow(*w.store);
  slow.fail_when([](std::string_view op) {
    if (op == "audit") std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return false;
  });
  auto office = std::make_unique<engine::Office>(
      slow, w.keys, *w.events, *w.engine, source_dir() / "templates", system_random(), null_log());
  for (int i = 0; i < 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto v = office->verify({"verifier-1", "verifier"}, tok);
    const auto took = std::chrono::steady_clock::now() - start;
    REQUIRE(v.ok());
    CHECK(v->result == engine::VerifyResult::match);
    CHECK(took < std::chrono::milliseconds(150));
  }
  office.reset();  // an orderly stop writes what is queued
  auto log = w.store->audit_log(100);
  REQUIRE(log.ok());
  CHECK(std::count_if(log->begin(), log->end(),
                      [](const store::AuditRow& r) { return r.action == "verify"; }) == 3);
}

TEST_CASE("the day's list: its limit counts only issuances in the state asked for, any state",
          "[daemon][api]") {
  ApiWorld w;
  const std::string id = printed_issuance(w);  // the older one, printed
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(w.api->submit_issuance(kRegistry, w.sample("divorce.json")).status == 201);
  const Millis now = system_clock().wall_ms();
  const Millis from = now - 3'600'000, to = now + 3'600'000;
  // One listed at most: the newer issuance has nothing printed, so the
  // printed one must be the one listed, not none.
  auto printed = w.office->issuances_received(from, to, store::BookletState::printed, 1);
  REQUIRE(printed.ok());
  REQUIRE(printed->size() == 1);
  CHECK(printed->front().issuance_id == id);
  // A voided booklet is no live one, but its issuance is listed under voided.
  REQUIRE(void_with(w, id, "ink smudge").status == 200);
  for (auto state : {store::BookletState::voided, store::BookletState::ready}) {
    auto listed = w.office->issuances_received(from, to, state, 10);
    REQUIRE(listed.ok());
    INFO(store::to_string(state));
    CHECK(std::any_of(listed->begin(), listed->end(),
                      [&](const engine::IssuanceSummary& i) { return i.issuance_id == id; }));
  }
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char today[16];
  std::strftime(today, sizeof today, "%Y-%m-%d", &tm);
  CHECK(w.api->issuances(kClerk, today, "voided").body["issuances"].size() == 1);
}
