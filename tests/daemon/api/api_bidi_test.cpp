// Bidirectional alignment over the API: the pattern printed at a passbook
// printer with the offset in force, the technician's reading applied as a
// profile version, and every later information page sent with it (page 5
// always one way).
#include <catch2/catch.hpp>

#include "calibration/bidi_pattern.hpp"
#include "daemon/printing/cups/cups_raster.hpp"
#include "support/api_world.hpp"

using namespace certprint;
using namespace certprint::api;
using namespace certprint::testing;
using nlohmann::json;
using Options = std::vector<std::pair<std::string, std::string>>;

namespace {

void passbook(engine::PrinterConfig& p) {
  p.format = printing::DocumentFormat::cups_raster;
  p.feed = engine::PrinterConfig::Feed::passbook;
}

printing::PageJob last_page(ApiWorld& w) {
  std::lock_guard g(w.tray.m);
  REQUIRE_FALSE(w.tray.pages.empty());
  return w.tray.pages.back();
}

json align(ApiWorld& w, const json& body, int expect_status) {
  auto r = w.api->align_bidi(kTech, "desk", body.dump());
  INFO(r.body.dump());
  REQUIRE(r.status == expect_status);
  return r.body;
}

}  // namespace

TEST_CASE("bidi alignment: the pattern, the reading, the offset on every information page",
          "[daemon][api]") {
  ApiWorld w(true, nullptr, passbook);
  auto printed = w.api->print_bidi_pattern(kTech, "desk", "");
  INFO(printed.body.dump());
  REQUIRE(printed.status == 200);
  CHECK(printed.body["profile_version"] == 0);
  CHECK(printed.body["bidi_offset"] == 0);
  CHECK(printed.body["candidates"] == 8);
  // What reached the printer: the pattern, both ways, with the offset.
  const auto pattern = last_page(w);
  CHECK(pattern.driver_options == Options{{"Direction", "Bidirectional"}, {"BidiOffset", "0"}});
  auto raster = printing::cups::from_cups_raster(pattern.document);
  REQUIRE(raster.ok());
  CHECK(raster->res.x_dpi == 360);
  CHECK(raster->bits == calibration::bidi_pattern(94, 128)->raster.bits);

  // The technician saw candidate -3 meet.
  json set = align(w, {{"aligned", -3}, {"printed_with_version", 0}}, 200);
  CHECK(set["bidi_offset"] == -3);
  CHECK(set["version"] == 1);
  CHECK(set["changed"] == true);
  CHECK(w.api->calibration(kTech, "desk").body["current"]["profile"]["bidirectional"] ==
        json{{"offset_360", -3}});
  // Printed again, 0 meets: nothing changes.
  REQUIRE(w.api->print_bidi_pattern(kTech, "desk", "{}").status == 200);
  CHECK(last_page(w).driver_options ==
        Options{{"Direction", "Bidirectional"}, {"BidiOffset", "-3"}});
  set = align(w, {{"aligned", 0}, {"printed_with_version", 1}}, 200);
  CHECK(set["changed"] == false);
  CHECK(set["version"] == 1);

  // A booklet: the information page with the offset, page 5 one way.
  REQUIRE(w.api->submit_issuance(kRegistry, w.sample("marriage.json")).status == 201);
  auto job = w.api->print(kClerk, "440106-20260512-0001", R"({"printer":"desk"})");
  REQUIRE(job.status == 202);
  REQUIRE(w.wait_job(job.body["print_job_id"])["state"] == "done");
  std::lock_guard g(w.tray.m);
  REQUIRE(w.tray.pages.size() == 6);
  for (std::size_t i = 2; i < 6; ++i) {
    INFO("page " << i - 2);
    CHECK(w.tray.pages[i].driver_options ==
          (i % 2 == 0 ? Options{{"BidiOffset", "-3"}} : Options{{"Direction", "Unidirectional"}}));
  }
}

TEST_CASE("bidi alignment: stale, wrong or out-of-range readings are refused, naming them",
          "[daemon][api]") {
  ApiWorld w(true, nullptr, passbook);
  json set = align(w, {{"aligned", 4}, {"printed_with_version", 0}}, 200);
  REQUIRE(set["version"] == 1);
  // A reading of a pattern printed before version 1.
  json stale = align(w, {{"aligned", 2}, {"printed_with_version", 0}}, 409);
  CHECK(stale["error"]["code"] == "calibration_changed");
  for (const auto& [body, said] : std::vector<std::pair<json, std::string>>{
           {{{"aligned", 9}, {"printed_with_version", 1}}, "field \"aligned\" 9"},
           {{{"aligned", "2"}, {"printed_with_version", 1}}, "field \"aligned\" \"2\""},
           {{{"aligned", 1.5}, {"printed_with_version", 1}}, "field \"aligned\" 1.5"},
           {{{"aligned", 1}}, "field \"printed_with_version\" null"},
           {{{"aligned", 1}, {"printed_with_version", 1}, {"offset", 3}}, "\"offset\""}}) {
    INFO(body.dump());
    CHECK_THAT(align(w, body, 400)["error"]["message"].get<std::string>(), Catch::Contains(said));
  }
  // Beyond what calibration can make up.
  REQUIRE(w.api->set_calibration(kTech, "desk", R"({"bidirectional":{"offset_360":34}})").status ==
          200);
  json far = align(w, {{"aligned", 5}, {"printed_with_version", 2}}, 422);
  CHECK_THAT(far["error"]["message"].get<std::string>(), Catch::Contains("39/360"));
  CHECK(w.api->calibration(kTech, "desk").body["versions"].size() == 2);
  // A fit of a page keeps the offset.
  json marks = json::array();
  auto target = w.api->print_target(kTech, "desk", R"({"page":"info"})");
  REQUIRE(target.status == 200);
  CHECK(last_page(w).driver_options == Options{{"BidiOffset", "34"}});
  for (const auto& m : target.body["marks"])
    marks.push_back({{"label", m["label"]}, {"x_mm", m["x_mm"]}, {"y_mm", m["y_mm"]}});
  auto fitted = w.api->fit_calibration(
      kTech, "desk", json{{"page", "info"}, {"marks", marks}, {"save", true}}.dump());
  REQUIRE(fitted.status == 200);
  CHECK(fitted.body["profile"]["bidirectional"]["offset_360"] == 34);
  // Only technicians; only printers of the passbook driver.
  CHECK(w.api->print_bidi_pattern(kClerk, "desk", "").status == 403);
  CHECK(w.api->align_bidi(kClerk, "desk", "{}").status == 403);
  CHECK(w.api->print_bidi_pattern(kTech, "nowhere", "").status == 404);
  CHECK(w.api->print_bidi_pattern(kTech, "desk", R"({"page":"info"})").status == 400);
  ApiWorld pdf;
  auto refused = pdf.api->print_bidi_pattern(kTech, "desk", "");
  CHECK(refused.status == 422);
  CHECK_THAT(refused.body["error"]["message"].get<std::string>(), Catch::Contains("takes PDF"));
}
