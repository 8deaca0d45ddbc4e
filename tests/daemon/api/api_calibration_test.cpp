// The technician's calibration round over the API, as the console makes it:
// print a target, fit from the measured marks, save, refine, download the
// offline chart.
#include <catch2/catch.hpp>

#include "support/api_world.hpp"
#include "support/pdf_text.hpp"

using namespace certprint;
using namespace certprint::api;
using namespace certprint::testing;
using nlohmann::json;

namespace {

// The marks of a target printed now, moved by (dx, dy) as a printer that
// feeds the page off by that much would land them.
json landed_marks(ApiWorld& w, const char* page, double dx, double dy) {
  auto printed = w.api->print_target(kTech, "desk", json{{"page", page}}.dump());
  REQUIRE(printed.status == 200);
  json marks = json::array();
  for (const auto& m : printed.body["marks"])
    marks.push_back({{"label", m["label"]},
                     {"x_mm", m["x_mm"].get<double>() + dx},
                     {"y_mm", m["y_mm"].get<double>() + dy}});
  REQUIRE(marks.size() == 5);
  return marks;
}

json fit(ApiWorld& w, json body, int expect_status = 200) {
  auto r = w.api->fit_calibration(kTech, "desk", body.dump());
  INFO(r.body.dump());
  REQUIRE(r.status == expect_status);
  return r.body;
}

}  // namespace

TEST_CASE("calibration fit: residuals per mark, nothing saved until asked", "[daemon][api]") {
  ApiWorld w;
  const json marks = landed_marks(w, "info", 0.8, -0.4);
  const json preview = fit(w, {{"page", "info"}, {"marks", marks}});
  CHECK(preview["model"] == "affine");
  CHECK(preview["page_mm"] == json::array({94, 128}));
  CHECK(preview["version"].is_null());
  // The correction draws 0.8 mm left and 0.4 mm down of nominal.
  const json m = preview["correction"]["matrix"];
  CHECK(m[4].get<double>() == Approx(-0.8).margin(1e-6));
  CHECK(m[5].get<double>() == Approx(0.4).margin(1e-6));
  REQUIRE(preview["residuals"].size() == 5);
  for (std::size_t i = 0; i < 5; ++i) {
    const json& r = preview["residuals"][i];
    CHECK(r["label"] == marks[i]["label"]);
    CHECK(r["landed_mm"][0].get<double>() == Approx(marks[i]["x_mm"].get<double>()));
    CHECK(r["residual_mm"].get<double>() < 1e-6);
  }
  CHECK(preview["profile"]["pages"]["info"]["matrix"] == preview["correction"]["matrix"]);
  CHECK(w.api->calibration(kTech, "desk").body["versions"].empty());

  // The middle mark measured 0.3 mm off: the fit shows it as that mark's
  // residual (a corner's error an affine map partly absorbs).
  json off = marks;
  off[4]["x_mm"] = off[4]["x_mm"].get<double>() + 0.3;
  const json skewed = fit(w, {{"page", "info"}, {"marks", off}});
  double worst = 0;
  std::string worst_label;
  for (const auto& r : skewed["residuals"])
    if (r["residual_mm"].get<double>() > worst) {
      worst = r["residual_mm"].get<double>();
      worst_label = r["label"];
    }
  CHECK(worst_label == marks[4]["label"]);
  CHECK(worst > 0.1);
  CHECK(skewed["max_residual_mm"].get<double>() == Approx(worst));

  const json saved = fit(w, {{"page", "info"}, {"marks", marks}, {"save", true}});
  CHECK(saved["version"] == 1);
  const auto current = w.api->calibration(kTech, "desk").body["current"];
  CHECK(current["version"] == 1);
  CHECK(current["profile"]["pages"]["info"]["matrix"] == saved["correction"]["matrix"]);
}

TEST_CASE("calibration fit: a corrected target refines the profile in force", "[daemon][api]") {
  ApiWorld w;
  fit(w, {{"page", "page5"}, {"marks", landed_marks(w, "page5", 0.6, 0.2)}, {"save", true}});
  // The verification target, printed with the correction, lands where it
  // should: refitting it keeps the correction and the info page untouched.
  auto printed = w.api->print_target(kTech, "desk", R"({"page":"page5","corrected":true})");
  REQUIRE(printed.status == 200);
  json exact = json::array();
  for (const auto& m : printed.body["marks"])
    exact.push_back({{"label", m["label"]}, {"x_mm", m["x_mm"]}, {"y_mm", m["y_mm"]}});
  const json refit =
      fit(w, {{"page", "page5"}, {"corrected", true}, {"marks", exact}, {"save", true}});
  CHECK(refit["version"] == 2);
  CHECK(refit["correction"]["matrix"][4].get<double>() == Approx(-0.6).margin(1e-6));
  CHECK(refit["correction"]["matrix"][5].get<double>() == Approx(-0.2).margin(1e-6));
  CHECK(refit["profile"]["pages"]["info"]["matrix"] == json::array({1, 0, 0, 1, 0, 0}));
}

TEST_CASE("calibration fit: bad marks are named, and nothing is saved", "[daemon][api]") {
  ApiWorld w;
  const json marks = landed_marks(w, "info", 0, 0);
  auto message = [](const json& body) { return body["error"]["message"].get<std::string>(); };

  CHECK_THAT(message(fit(w, {{"page", "info"}, {"marks", json::array()}}, 400)),
             Catch::Contains("\"marks\""));
  json bad = marks;
  bad[1]["x_mm"] = "12";
  CHECK_THAT(message(fit(w, {{"page", "info"}, {"marks", bad}}, 400)),
             Catch::Contains("marks[1].x_mm") && Catch::Contains("\"12\""));
  bad = marks;
  bad[0]["label"] = "Z";
  CHECK_THAT(message(fit(w, {{"page", "info"}, {"marks", bad}, {"save", true}}, 422)),
             Catch::Contains("mark \"Z\""));
  bad = marks;
  bad[4]["y_mm"] = bad[4]["y_mm"].get<double>() + 5;
  CHECK_THAT(message(fit(w, {{"page", "info"}, {"marks", bad}, {"save", true}}, 422)),
             Catch::Contains("mark \"") && Catch::Contains("re-measure"));
  CHECK_THAT(message(fit(w, {{"page", "cover"}, {"marks", marks}}, 400)),
             Catch::Contains("\"page\""));
  CHECK_THAT(message(fit(w, {{"page", "info"}, {"marks", marks}, {"save", "yes"}}, 400)),
             Catch::Contains("\"save\""));
  CHECK(w.api->fit_calibration(kTech, "nowhere", json{{"page", "info"}, {"marks", marks}}.dump())
            .status == 404);
  CHECK(w.api->calibration(kTech, "desk").body["versions"].empty());
}

TEST_CASE("calibration chart: the uncorrected target as a PDF of the page's size",
          "[daemon][api]") {
  ApiWorld w;
  for (const char* page : {"info", "page5"}) {
    auto chart = w.api->target_chart(kTech, page);
    REQUIRE(chart.status == 200);
    CHECK(chart.content_type == "application/pdf");
    const auto [w_pt, h_pt] = pdf_page_size(chart.raw);
    CHECK(w_pt * 25.4 / 72 == Approx(94).margin(0.5));
    CHECK(h_pt * 25.4 / 72 == Approx(128).margin(0.5));
    // Every mark's label is on it.
    const std::string text = pdf_text(chart.raw);
    for (const char* label : {"A", "B", "C", "D", "E"}) CHECK_THAT(text, Catch::Contains(label));
  }
  auto bad = w.api->target_chart(kTech, "cover");
  CHECK(bad.status == 400);
  CHECK_THAT(bad.body["error"]["message"].get<std::string>(), Catch::Contains("\"cover\""));
}

TEST_CASE("calibration fit: a profile changed since the target printed is a conflict",
          "[daemon][api]") {
  ApiWorld w;
  fit(w, {{"page", "info"}, {"marks", landed_marks(w, "info", 0.5, 0)}, {"save", true}});
  auto printed = w.api->print_target(kTech, "desk", R"({"page":"info","corrected":true})");
  REQUIRE(printed.status == 200);
  CHECK(printed.body["profile_version"] == 1);
  json exact = json::array();
  for (const auto& m : printed.body["marks"])
    exact.push_back({{"label", m["label"]}, {"x_mm", m["x_mm"]}, {"y_mm", m["y_mm"]}});
  // Meanwhile another technician rolls back to no correction.
  REQUIRE(w.api->set_calibration(kTech, "desk", "{}").status == 200);
  const json refused = fit(w,
                           {{"page", "info"},
                            {"corrected", true},
                            {"printed_with_version", 1},
                            {"marks", exact},
                            {"save", true}},
                           409);
  CHECK(refused["error"]["code"] == "calibration_changed");
  CHECK_THAT(refused["error"]["message"].get<std::string>(),
             Catch::Contains("version 1") && Catch::Contains("version 2"));
  CHECK(w.api->calibration(kTech, "desk").body["current"]["version"] == 2);
  // Printed again with version 2, it fits.
  auto again = w.api->print_target(kTech, "desk", R"({"page":"info","corrected":true})");
  CHECK(again.body["profile_version"] == 2);
  CHECK(fit(w, {{"page", "info"},
                {"corrected", true},
                {"printed_with_version", 2},
                {"marks", exact}})["version"]
            .is_null());
  CHECK(fit(w, {{"page", "info"}, {"printed_with_version", -1}, {"marks", exact}},
            400)["error"]["message"]
            .get<std::string>()
            .find("printed_with_version") != std::string::npos);
}
