// The API's limits on what one caller may send (issue 10.13): the void
// reason's length and characters.
#include <catch2/catch.hpp>

#include "support/api_world.hpp"

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
                                      {"ink\u009Bsmudge", "\\u009B"}}) {
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
