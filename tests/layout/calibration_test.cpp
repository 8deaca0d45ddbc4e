#include <catch2/catch.hpp>

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
