// The blank-stock ledger through the API: a technician records deliveries,
// returns and destructions; serials used on booklets leave the stock; the
// reconciliation of the days around them balances, as JSON, CSV and PDF.
#include <catch2/catch.hpp>

#include "support/api_world.hpp"
#include "support/pdf_text.hpp"

using namespace certprint;
using namespace certprint::testing;
using nlohmann::json;

namespace {

api::Reply move(ApiWorld& w, const std::string& kind, const std::string& first,
                const std::string& last, const std::string& reference = "delivery 2026-117") {
  return w.api->record_stock(
      kTech,
      json{{"kind", kind}, {"first_serial", first}, {"last_serial", last}, {"reference", reference}}
          .dump());
}

std::string today() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &tm);
  return text;
}

}  // namespace

TEST_CASE("stock: movements, a serial's state and the day's reconciliation", "[daemon][api]") {
  ApiWorld w;
  auto received = move(w, "received", "4400260101", "4400260200");
  REQUIRE(received.status == 201);
  CHECK(received.body["count"] == 100);
  CHECK(received.body["by"] == "tech-1");

  // Refusals name the field and the value.
  auto bad_kind = move(w, "lost", "4400260201", "4400260300");
  CHECK(bad_kind.status == 400);
  CHECK_THAT(bad_kind.body["error"]["message"].get<std::string>(), Catch::Contains("\"lost\""));
  auto bad_serial = move(w, "received", "44002602", "4400260300");
  CHECK(bad_serial.status == 400);
  CHECK_THAT(bad_serial.body["error"]["message"].get<std::string>(),
             Catch::Contains("first_serial") && Catch::Contains("\"44002602\""));
  auto too_many = move(w, "received", "4400000000", "4400999999");
  CHECK(too_many.status == 400);
  CHECK_THAT(too_many.body["error"]["message"].get<std::string>(),
             Catch::Contains("at most 100000"));
  auto overlap = move(w, "received", "4400260150", "4400260250", "delivery 118");
  CHECK(overlap.status == 409);
  CHECK(overlap.body["error"]["code"] == "stock");
  CHECK_THAT(overlap.body["error"]["message"].get<std::string>(),
             Catch::Contains("delivery 2026-117"));

  // The sample's blanks 4400260101 and 4400260102 go on its booklets.
  REQUIRE(w.api->submit_issuance(kRegistry, w.sample("marriage.json")).status == 201);
  auto on_booklet = move(w, "destroyed", "4400260101", "4400260105", "record 1");
  CHECK(on_booklet.status == 409);
  CHECK_THAT(on_booklet.body["error"]["message"].get<std::string>(),
             Catch::Contains("4400260101") && Catch::Contains("booklet"));
  REQUIRE(move(w, "returned", "4400260191", "4400260200", "slip 4").status == 201);

  // The ledger's history: each movement with who, when and its reference;
  // the refused ones left no trace.
  auto history = w.api->stock_movements(kTech);
  REQUIRE(history.status == 200);
  REQUIRE(history.body["movements"].size() == 2);
  CHECK(history.body["movements"][0]["kind"] == "received");
  CHECK(history.body["movements"][0]["count"] == 100);
  CHECK(history.body["movements"][0]["reference"] == "delivery 2026-117");
  CHECK(history.body["movements"][1]["kind"] == "returned");
  CHECK(history.body["movements"][1]["first_serial"] == "4400260191");
  CHECK(history.body["movements"][1]["by"] == "tech-1");
  CHECK(history.body["movements"][1]["at_ms"] >= history.body["movements"][0]["at_ms"]);

  auto serial = w.api->stock_serial(kTech, "4400260195");
  REQUIRE(serial.status == 200);
  CHECK(serial.body["state"] == "returned");
  CHECK(w.api->stock_serial(kTech, "4400260150").body["state"] == "in_stock");
  CHECK(w.api->stock_serial(kTech, "4400269999").body["state"] == "unknown");
  CHECK(w.api->stock_serial(kTech, "44").status == 400);

  const std::string day = today();
  auto r = w.api->stock_reconciliation(kTech, day, day, "json");
  REQUIRE(r.status == 200);
  CHECK(r.body["balances"] == true);
  CHECK(r.body["figures"]["received"] == 100);
  CHECK(r.body["figures"]["returned"] == 10);
  CHECK(r.body["figures"]["closing_in_stock"] == 90);  // two of them on ready booklets
  CHECK(r.body["closing_stock"][0]["first_serial"] == "4400260101");
  auto csv = w.api->stock_reconciliation(kTech, day, day, "csv");
  REQUIRE(csv.status == 200);
  CHECK(csv.content_type == "text/csv; charset=utf-8");
  CHECK_THAT(csv.raw, Catch::Contains("figure,,,100,received\r\n"));
  // The report a manager signs: the same figures, the day named, who asked.
  auto pdf = w.api->stock_reconciliation(kTech, day, day, "pdf");
  REQUIRE(pdf.status == 200);
  CHECK(pdf.content_type == "application/pdf");
  const std::string text = pdf_text(pdf.raw);
  CHECK_THAT(text, Catch::Contains(day + " – " + day) && Catch::Contains("tech-1") &&
                       Catch::Contains("平衡 balances") && Catch::Contains("4400260101"));
  CHECK(pdf_figure_after(text, "本期入库 Received") == 100);
  CHECK(pdf_figure_after(text, "退回 Returned") == 10);
  CHECK(pdf_figure_after(text, "期末库存 Closing stock (unprinted)") == 90);

  CHECK(w.api->stock_reconciliation(kTech, "2026/11/01", day, "json").status == 400);
  CHECK(w.api->stock_reconciliation(kTech, "2026-02-30", day, "json").status == 400);
  CHECK(w.api->stock_reconciliation(kTech, "2026-+1-01", day, "json").status == 400);
  CHECK(w.api->stock_reconciliation(kTech, " 2026-1-01", day, "json").status == 400);
  auto missing = w.api->stock_reconciliation(kTech, "", day, "json");
  CHECK(missing.status == 400);
  CHECK_THAT(missing.body["error"]["message"].get<std::string>(),
             Catch::Contains("\"from\" is missing"));
  CHECK(w.api->stock_reconciliation(kTech, day, "2020-01-01", "json").status == 400);
  CHECK(w.api->stock_reconciliation(kTech, "2025-01-01", "2026-12-31", "json").status == 400);
  auto xml = w.api->stock_reconciliation(kTech, day, day, "xml");
  CHECK(xml.status == 400);
  CHECK_THAT(xml.body["error"]["message"].get<std::string>(),
             Catch::Contains("\"xml\"") && Catch::Contains("\"pdf\""));
}

TEST_CASE("stock: with refuse_unreceived, a blank no delivery holds is refused at intake and void",
          "[daemon][api]") {
  ApiWorld w;
  w.office->set_stock_policy({true});
  auto refused = w.api->submit_issuance(kRegistry, w.sample("marriage.json"));
  REQUIRE(refused.status == 409);
  CHECK(refused.body["error"]["code"] == "stock_serial");
  CHECK_THAT(refused.body["error"]["message"].get<std::string>(),
             Catch::Contains("booklets.male.stock_serial \"4400260101\"") &&
                 Catch::Contains("never received"));
  REQUIRE(move(w, "received", "4400260101", "4400260102").status == 201);
  REQUIRE(w.api->submit_issuance(kRegistry, w.sample("marriage.json")).status == 201);
  // The void's new blank too.
  const std::string id = "440106-20260512-0001";
  auto job = w.api->print(kClerk, id, R"({"printer":"desk"})");
  REQUIRE(job.status == 202);
  w.wait_job(job.body["print_job_id"]);
  auto v = w.api->void_booklet(kClerk, id, "female",
                               R"({"reason":"smudge","new_stock_serial":"4400269999"})");
  REQUIRE(v.status == 409);
  CHECK_THAT(v.body["error"]["message"].get<std::string>(),
             Catch::Contains("new_stock_serial \"4400269999\""));
  REQUIRE(move(w, "received", "4400269990", "4400269999").status == 201);
  CHECK(w.api
            ->void_booklet(kClerk, id, "female",
                           R"({"reason":"smudge","new_stock_serial":"4400269999"})")
            .status == 200);
}
