// The registry's side of a booklet's QR: the text it is given (the submit
// answer, the status, the events) is the text the printer received, so the
// registry can store it and a central verifier can compare a scan with it.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support/cups_harness.hpp"
#include "support/daemon_under_test.hpp"
#include "support/pdf_text.hpp"
#include "support/qr_decode.hpp"
#include "support/received.hpp"

using namespace certprint;
using namespace certprint::testing;
using nlohmann::json;

namespace {

json wait_done(Daemon& d, long job) {
  json state;
  for (int i = 0; i < 600; ++i) {
    state = json::parse(d.call("GET", "/v1/print-jobs/" + std::to_string(job), kClerkSecret)->body);
    if (state["state"] == "done" || state["state"] == "failed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return state;
}

// The QR of every page 5 the printer received, in the order received.
std::vector<std::string> scanned_qrs(const CupsHarness& cups) {
  std::vector<std::string> out;
  for (const auto& doc : received(cups.capture(), "")) {
    if (!pdf_text(doc).empty()) continue;  // an information page
    auto qr = decode_qr(rasterize_pdf(doc, 360));
    out.push_back(qr ? *qr : "no QR found");
  }
  return out;
}

// The events of one type in the issuance's status, in order.
std::vector<json> events_of(const json& status, const std::string& type) {
  std::vector<json> out;
  for (const auto& e : status["events"])
    if (e["type"] == type) out.push_back(e);
  return out;
}

}  // namespace

TEST_CASE("the QR in every answer and event is the QR the printer received", "[integration]") {
  CupsHarness cups;
  Daemon d(cups, cups.temp().path());
  d.start();
  auto submitted = d.call("POST", "/v1/issuances", kRegistrySecret,
                          slurp(source_dir() / "samples" / "marriage.json"));
  REQUIRE(submitted);
  REQUIRE(submitted->status == 201);
  const json answer = json::parse(submitted->body);
  const std::string id = answer["issuance_id"];
  REQUIRE(answer["booklets"].size() == 2);
  const std::string male_qr = answer["booklets"][0]["qr"];
  const std::string female_qr = answer["booklets"][1]["qr"];
  CHECK(male_qr.rfind("CP:", 0) == 0);
  CHECK(male_qr != female_qr);

  auto printed = d.call("POST", "/v1/issuances/" + id + "/print", kClerkSecret,
                        json{{"printer", "desk"}}.dump());
  REQUIRE(printed);
  REQUIRE(printed->status == 202);
  REQUIRE(wait_done(d, json::parse(printed->body)["print_job_id"])["state"] == "done");
  CHECK(scanned_qrs(cups) == std::vector<std::string>{male_qr, female_qr});

  json status = json::parse(d.call("GET", "/v1/issuances/" + id, kRegistrySecret)->body);
  CHECK(status["booklets"][0]["qr"] == male_qr);
  CHECK(status["booklets"][1]["qr"] == female_qr);
  const auto accepted = events_of(status, "accepted");
  REQUIRE(accepted.size() == 1);
  REQUIRE(accepted[0]["booklets"].size() == 2);
  CHECK(accepted[0]["booklets"][0] == json{{"holder", "male"},
                                           {"stock_serial", answer["booklets"][0]["stock_serial"]},
                                           {"qr", male_qr}});
  CHECK(accepted[0]["booklets"][1]["qr"] == female_qr);
  auto booklet_printed = events_of(status, "booklet_printed");
  REQUIRE(booklet_printed.size() == 2);
  CHECK(booklet_printed[0]["qr"] == male_qr);
  CHECK(booklet_printed[1]["qr"] == female_qr);

  // The female booklet is spoiled: its new blank has a new QR, given in the
  // void's answer and event, and that is the QR printed on the new blank.
  auto voided = d.call("POST", "/v1/issuances/" + id + "/booklets/female/void", kClerkSecret,
                       json{{"reason", "ink smudged"}, {"new_stock_serial", "4400269001"}}.dump());
  REQUIRE(voided);
  REQUIRE(voided->status == 200);
  const std::string new_qr = json::parse(voided->body)["booklet"]["qr"];
  CHECK(new_qr != female_qr);
  auto reprinted = d.call("POST", "/v1/issuances/" + id + "/print", kClerkSecret,
                          json{{"printer", "desk"}, {"holder", "female"}}.dump());
  REQUIRE(reprinted);
  REQUIRE(reprinted->status == 202);
  REQUIRE(wait_done(d, json::parse(reprinted->body)["print_job_id"])["state"] == "done");
  CHECK(scanned_qrs(cups) == std::vector<std::string>{male_qr, female_qr, new_qr});

  status = json::parse(d.call("GET", "/v1/issuances/" + id, kRegistrySecret)->body);
  const auto void_events = events_of(status, "booklet_voided");
  REQUIRE(void_events.size() == 1);
  CHECK(void_events[0]["new_qr"] == new_qr);
  booklet_printed = events_of(status, "booklet_printed");
  REQUIRE(booklet_printed.size() == 3);
  CHECK(booklet_printed[2]["qr"] == new_qr);
  CHECK(status["booklets"].back()["qr"] == new_qr);
  d.process->signal(SIGTERM);
}
