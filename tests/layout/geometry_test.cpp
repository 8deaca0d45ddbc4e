#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

#include "layout/geometry.hpp"

using namespace certprint::layout;

TEST_CASE("affine inverse undoes the map", "[layout]") {
  const Affine a = Affine::from_params(1.5, -0.75, 1.02, 0.98, 0.8);
  const auto inv = a.inverse();
  REQUIRE(inv);
  for (Point p : {Point{0, 0}, Point{94, 128}, Point{12.5, 88}}) {
    const Point q = inv->apply(a.apply(p));
    CHECK(q.x_mm == Approx(p.x_mm).margin(1e-9));
    CHECK(q.y_mm == Approx(p.y_mm).margin(1e-9));
  }
  CHECK(a.compose(*inv).is_identity(1e-9));
}

TEST_CASE("from_params: offset, scale, skew", "[layout]") {
  const Affine a = Affine::from_params(2, 3, 1, 1, 0);
  CHECK(a.apply({10, 20}).x_mm == Approx(12));
  CHECK(a.apply({10, 20}).y_mm == Approx(23));
  // A 45° shear moves x by y.
  const Affine s = Affine::from_params(0, 0, 1, 1, 45);
  CHECK(s.apply({0, 10}).x_mm == Approx(10));
  CHECK(s.apply({0, 10}).y_mm == Approx(10));
}

TEST_CASE("a singular map has no inverse", "[layout]") {
  CHECK_FALSE(Affine{0, 0, 0, 0, 1, 1}.inverse());
}

TEST_CASE("compose applies the right-hand map first", "[layout]") {
  const Affine t = Affine::translation(5, 0);
  const Affine s = Affine::from_params(0, 0, 2, 2, 0);
  CHECK(s.compose(t).apply({1, 1}).x_mm == Approx(12));  // (1+5)·2
  CHECK(t.compose(s).apply({1, 1}).x_mm == Approx(7));   // 1·2+5
}

TEST_CASE("resolution option parsing", "[layout]") {
  CHECK(parse_resolution("180")->x_dpi == 180);
  CHECK(parse_resolution("360x180")->x_dpi == 360);
  CHECK(parse_resolution("360x180")->y_dpi == 180);
  for (const char* bad : {"", "x", "abc", "10", "180x", "99999", "180x180x1"}) {
    INFO(bad);
    auto r = parse_resolution(bad);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("dpi"));
  }
}

TEST_CASE("linear parts: each axis's scale, the rotation, the skew, a mirror", "[layout]") {
  const double deg = std::numbers::pi / 180;
  const auto fed = linear_parts(Affine::from_params(3, 4, 1.02, 0.98, 1.5));
  CHECK(fed.scale_x == Approx(1.02));
  CHECK(fed.scale_y == Approx(0.98 / std::cos(1.5 * deg)));
  CHECK(fed.rotation_deg == Approx(0).margin(1e-9));
  CHECK(fed.skew_deg == Approx(1.5));
  CHECK_FALSE(fed.mirrored());

  // A rotation turns both axes alike: no skew, whatever the angle.
  for (double a : {90.0, -90.0, 3.0, 179.0, -179.0}) {
    INFO(a << "°");
    const auto turned = linear_parts(
        Affine{std::cos(a * deg), std::sin(a * deg), -std::sin(a * deg), std::cos(a * deg), 0, 0});
    CHECK(turned.rotation_deg == Approx(a));
    CHECK(turned.skew_deg == Approx(0).margin(1e-9));
    CHECK(turned.scale_x == Approx(1));
    CHECK(turned.scale_y == Approx(1));
    CHECK_FALSE(turned.mirrored());
  }
  // A skewed sheet turned 2°: the skew is measured from the turned x axis.
  const auto both = linear_parts(
      Affine{std::cos(2 * deg), std::sin(2 * deg), -std::sin(2 * deg), std::cos(2 * deg), 0, 0}
          .compose(Affine::from_params(0, 0, 1, 1, 0.7)));
  CHECK(both.rotation_deg == Approx(2));
  CHECK(both.skew_deg == Approx(0.7));

  CHECK(linear_parts(Affine{1, 0, 0, -1, 0, 0}).mirrored());
  CHECK(linear_parts(Affine{0, 1, 1, 0, 0, 0}).mirrored());
  CHECK(linear_parts(Affine{1, 0, 0, -1, 0, 0}).skew_deg == Approx(180));
}
