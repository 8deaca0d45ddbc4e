#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include "layout/calibration.hpp"

using namespace certprint::layout;

TEST_CASE("calibration file: parameters and matrix forms", "[layout]") {
  auto c = parse_calibration(
      R"({"printer":"desk-3","pages":{"info":{"offset_mm":[0.5,-0.25]},
          "page5":{"matrix":[1.01,0,0.002,0.99,-1,2]}}})",
      "c");
  REQUIRE(c.ok());
  CHECK(c->printer == "desk-3");
  CHECK(c->info.apply({10, 10}).x_mm == Approx(10.5));
  CHECK(c->info.apply({10, 10}).y_mm == Approx(9.75));
  CHECK(c->page5.xx == Approx(1.01));
  CHECK(c->page5.y0 == Approx(2));
  // A round trip through to_json keeps the maps.
  auto again = parse_calibration(to_json(*c), "again");
  REQUIRE(again.ok());
  CHECK(again->page5.xy == Approx(0.002));
  CHECK(again->info.x0 == Approx(0.5));
}

TEST_CASE("calibration: the bidirectional offset, kept and checked", "[layout]") {
  auto c = parse_calibration(R"({"bidirectional":{"offset_360":-5}})", "c");
  REQUIRE(c.ok());
  CHECK(c->bidi_offset == -5);
  auto again = parse_calibration(to_json(*c), "again");
  REQUIRE(again.ok());
  CHECK(again->bidi_offset == -5);
  // Left out, it is 0.
  CHECK(parse_calibration(R"({"pages":{}})", "c")->bidi_offset == 0);
  CHECK(parse_calibration(R"({"bidirectional":{}})", "c")->bidi_offset == 0);
  CHECK(parse_calibration(R"({"bidirectional":{"offset_360":36}})", "c")->bidi_offset == 36);
  for (const auto& [text, said] : std::vector<std::pair<std::string, std::string>>{
           {R"({"bidirectional":{"offset_360":37}})", "bidirectional.offset_360 37"},
           {R"({"bidirectional":{"offset_360":-40}})", "bidirectional.offset_360 -40"},
           {R"({"bidirectional":{"offset_360":1.5}})", "bidirectional.offset_360 1.5"},
           {R"({"bidirectional":{"offset_360":"2"}})", "bidirectional.offset_360 \"2\""},
           {R"({"bidirectional":{"offset":2}})", "bidirectional.offset is not known"},
           {R"({"bidirectional":3})", "bidirectional should be an object"}}) {
    INFO(text);
    auto refused = parse_calibration(text, "c");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == certprint::ErrorCode::invalid);
    CHECK_THAT(refused.error().message, Catch::Contains(said));
  }
}

TEST_CASE("implausible or malformed calibrations are refused with the value", "[layout]") {
  auto scale = parse_calibration(R"({"pages":{"info":{"scale":[1.5,1]}}})", "c");
  REQUIRE_FALSE(scale.ok());
  CHECK_THAT(scale.error().message, Catch::Contains("scale") && Catch::Contains("1.5"));

  auto offset = parse_calibration(R"({"pages":{"page5":{"offset_mm":[25,0]}}})", "c");
  REQUIRE_FALSE(offset.ok());
  CHECK_THAT(offset.error().message, Catch::Contains("offset"));

  auto skew = parse_calibration(R"({"pages":{"page5":{"skew_deg":9}}})", "c");
  REQUIRE_FALSE(skew.ok());
  CHECK_THAT(skew.error().message, Catch::Contains("skew"));

  auto singular = parse_calibration(R"({"pages":{"page5":{"matrix":[0,0,0,0,0,0]}}})", "c");
  REQUIRE_FALSE(singular.ok());
  CHECK_THAT(singular.error().message, Catch::Contains("singular"));

  auto unknown = parse_calibration(R"({"pages":{"page7":{}}})", "c");
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.error().message, Catch::Contains("page7"));

  auto field = parse_calibration(R"({"pages":{"info":{"offset":[1,1]}}})", "c");
  REQUIRE_FALSE(field.ok());
  CHECK_THAT(field.error().message, Catch::Contains("offset"));
}

TEST_CASE("a rotated or mirrored calibration is refused, saying which", "[layout]") {
  // A pure rotation keeps both axes' lengths and the angle between them, so
  // only the angle of the axes themselves gives it away.
  auto quarter = parse_calibration(R"({"pages":{"page5":{"matrix":[0,1,-1,0,0,0]}}})", "c");
  REQUIRE_FALSE(quarter.ok());
  CHECK(quarter.error().code == certprint::ErrorCode::invalid);
  CHECK_THAT(quarter.error().message,
             Catch::Contains("pages.page5") &&
                 Catch::Contains("rotated by 90.0°; at most 5.0° is plausible"));

  const double c6 = std::cos(6 * std::numbers::pi / 180), s6 = std::sin(6 * std::numbers::pi / 180);
  auto six = parse_calibration(R"({"pages":{"info":{"matrix":[)" + std::to_string(c6) + "," +
                                   std::to_string(s6) + "," + std::to_string(-s6) + "," +
                                   std::to_string(c6) + ",0,0]}}}",
                               "c");
  REQUIRE_FALSE(six.ok());
  CHECK_THAT(six.error().message, Catch::Contains("rotated by 6.0°"));

  // A mirror image is no feed error at all, whichever axis it flips.
  for (const char* mirror : {R"({"pages":{"info":{"matrix":[1,0,0,-1,0,0]}}})",
                             R"({"pages":{"info":{"matrix":[-1,0,0,1,0,0]}}})",
                             R"({"pages":{"info":{"matrix":[0,1,1,0,0,0]}}})"}) {
    INFO(mirror);
    auto m = parse_calibration(mirror, "c");
    REQUIRE_FALSE(m.ok());
    CHECK(m.error().code == certprint::ErrorCode::invalid);
    CHECK_THAT(m.error().message, Catch::Contains("mirror"));
  }

  // A vertical shear leans the x axis; its skew is as implausible as a
  // horizontal one's.
  auto sheared = parse_calibration(R"({"pages":{"info":{"matrix":[1,0.2,0,1,0,0]}}})", "c");
  REQUIRE_FALSE(sheared.ok());
  CHECK_THAT(sheared.error().message, Catch::Contains("skew"));

  // What a real, slightly askew feed does is still accepted.
  const double c1 = std::cos(1 * std::numbers::pi / 180), s1 = std::sin(1 * std::numbers::pi / 180);
  auto one = parse_calibration(R"({"pages":{"info":{"matrix":[)" + std::to_string(c1) + "," +
                                   std::to_string(s1) + "," + std::to_string(-s1) + "," +
                                   std::to_string(c1) + ",0.5,-0.3]}}}",
                               "c");
  CHECK(one.ok());
  CHECK(
      parse_calibration(R"({"pages":{"page5":{"skew_deg":-4.5,"scale":[1.02,0.98]}}})", "c").ok());
}
