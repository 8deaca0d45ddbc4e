#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "layout/qr.hpp"
#include "layout_fixture.hpp"
#include "support/qr_decode.hpp"

using namespace certprint::layout;
using certprint::testing::sample_payload;

TEST_CASE("a token-sized payload is QR version 3 at level Q", "[layout]") {
  auto m = encode_qr(sample_payload());
  REQUIRE(m.ok());
  CHECK(m->version == 3);
  CHECK(m->size == 29);
  // Finder pattern in the top-left corner: a 7×7 ring around a 3×3 core.
  const std::string text = m->to_text();
  CHECK(text.substr(0, 7) == "XXXXXXX");
  CHECK(text.substr(30, 7) == "X     X");
  CHECK(text.substr(60, 7) == "X XXX X");
}

TEST_CASE("payloads outside alphanumeric mode are refused", "[layout]") {
  CHECK_FALSE(encode_qr("cp:lowercase").ok());
  CHECK_FALSE(encode_qr("名字").ok());
  CHECK_FALSE(encode_qr("").ok());
  CHECK_FALSE(encode_qr(std::string(3000, 'A')).ok());  // 40-Q holds 2420
}

TEST_CASE("module grid: whole dots, square on paper, at least 4 dots and 0.5 mm", "[layout]") {
  QrZone zone{{12, 86, 70, 36}, 0.5, 4, 4};
  struct Case {
    Resolution res;
    int nx, ny;
  };
  for (const Case& c : {Case{{180, 180}, 4, 4}, Case{{360, 180}, 8, 4}, Case{{300, 300}, 6, 6},
                        Case{{600, 600}, 12, 12}, Case{{203, 203}, 4, 4}}) {
    INFO(c.res.describe());
    auto g = module_grid(zone, c.res);
    REQUIRE(g.ok());
    CHECK(g->dots_per_module_x == c.nx);
    CHECK(g->dots_per_module_y == c.ny);
    CHECK(g->module_mm >= 0.5);
    CHECK(g->dots_per_module_x / c.res.dots_per_mm_x() == Approx(g->module_mm));
    CHECK(g->dots_per_module_y / c.res.dots_per_mm_y() == Approx(g->module_mm));
  }
  // 0.7 mm minimum at 180 dpi needs 5 dots.
  QrZone big = zone;
  big.module_min_mm = 0.7;
  CHECK(module_grid(big, {180, 180})->dots_per_module_x == 5);
}

TEST_CASE("a symbol larger than the zone is refused", "[layout]") {
  QrZone tiny{{12, 86, 15, 15}, 0.5, 4, 4};
  auto p = place_qr(tiny, 29, Affine::identity(), {180, 180});
  REQUIRE_FALSE(p.ok());
  CHECK_THAT(p.error().message, Catch::Contains("zone is only"));
}

TEST_CASE("a page-5 correction moves the symbol by its whole amount, whatever the head",
          "[layout]") {
  // A 24-pin printer once had the symbol's top snapped to a 24-row band:
  // any vertical correction under 12 rows (1.7 mm at 180 dpi) was lost.
  QrZone zone{{12, 86, 70, 36}, 0.5, 4, 4};
  auto home = place_qr(zone, 29, Affine::identity(), {360, 180});
  REQUIRE(home.ok());
  for (double dy : {0.3, -1.1, 1.5, 2.7}) {
    INFO("dy " << dy << " mm");
    auto p = place_qr(zone, 29, Affine::translation(0, dy), {360, 180});
    REQUIRE(p.ok());
    const double nominal_y = 86 + (36 - p->total_modules * p->module_mm) / 2;
    CHECK(p->origin_y_dots == std::lround((nominal_y + dy) * 180 / 25.4));
    CHECK(p->origin_y_dots != home->origin_y_dots);
  }
}

namespace {

// Independent oracle for the zone rule: where the footprint's corners land
// on paper for this correction, computed without the library's helpers.
bool footprint_inside(const QrPlacement& p, const Affine& c, Resolution r, const Rect& zone) {
  const Affine inv = *c.inverse();
  for (int cx : {0, 1})
    for (int cy : {0, 1}) {
      const double x = (p.origin_x_dots + cx * p.width_dots()) * 25.4 / r.x_dpi;
      const double y = (p.origin_y_dots + cy * p.height_dots()) * 25.4 / r.y_dpi;
      const Point paper = inv.apply({x, y});
      if (paper.x_mm < zone.x_mm - 1e-3 || paper.x_mm > zone.right_mm() + 1e-3 ||
          paper.y_mm < zone.y_mm - 1e-3 || paper.y_mm > zone.bottom_mm() + 1e-3)
        return false;
    }
  return true;
}

}  // namespace

TEST_CASE("zone rule over random calibrations: inside is drawn, outside refused", "[layout]") {
  // A correction pre-compensates the printer, so a symbol lands where it was
  // meant to except for what whole dots cannot follow: the printer's scale and
  // skew act on a symbol that cannot be pre-scaled, and rounding moves it. A zone barely larger
  // than the symbol makes those count.
  auto tmpl = certprint::testing::marriage_template();
  auto text = certprint::testing::text_engine(tmpl.font_family);
  tmpl.page5.qr->box = {35, 93, 22, 22};
  const Rect zone = tmpl.page5.qr->box;
  std::mt19937 rng(20261128);
  std::uniform_real_distribution<double> dx(-10, 10), dy(-10, 10), scale(0.95, 1.05), skew(-2, 2);
  const Resolution resolutions[] = {{180, 180}, {360, 180}, {300, 300}, {600, 600}};
  int drawn = 0, refused = 0;

  for (int i = 0; i < 240; ++i) {
    const Affine c = Affine::from_params(dx(rng), dy(rng), scale(rng), scale(rng), skew(rng));
    const Resolution res = resolutions[i % 4];
    DeviceProfile device{res};
    auto plan = plan_page(*text, tmpl.page5, {{}, certprint::testing::sample_payload()}, c, device);

    // The oracle places the symbol by the rule written out here (centred on
    // paper, mapped, rounded to dots) and judges it.
    auto grid = module_grid(*tmpl.page5.qr, res);
    REQUIRE(grid.ok());
    QrPlacement would = *grid;
    would.total_modules = 29 + 8;
    const double size_mm = would.total_modules * would.module_mm;
    const Point dev =
        c.apply({zone.x_mm + (zone.w_mm - size_mm) / 2, zone.y_mm + (zone.h_mm - size_mm) / 2});
    would.origin_x_dots = static_cast<int>(std::lround(dev.x_mm * res.x_dpi / 25.4));
    would.origin_y_dots = static_cast<int>(std::lround(dev.y_mm * res.y_dpi / 25.4));
    // ... and the printer must be able to draw all of it: the footprint on
    // the device page, 0..width x 0..height mm.
    const bool on_page = would.origin_x_dots >= 0 && would.origin_y_dots >= 0 &&
                         (would.origin_x_dots + would.width_dots()) * 25.4 / res.x_dpi <=
                             tmpl.page5.width_mm + 1e-3 &&
                         (would.origin_y_dots + would.height_dots()) * 25.4 / res.y_dpi <=
                             tmpl.page5.height_mm + 1e-3;
    const bool inside = footprint_inside(would, c, res, zone) && on_page;
    INFO("case " << i << " res " << res.describe());
    REQUIRE(plan.ok() == inside);

    if (!plan.ok()) {
      ++refused;
      CHECK_THAT(plan.error().message, Catch::Contains("outside page 5's QR zone") ||
                                           Catch::Contains("edge (128.0 mm)") ||
                                           Catch::Contains("edge (94.0 mm)"));
      continue;
    }
    ++drawn;
    auto raster = render_raster(*text, *plan);
    REQUIRE(raster.ok());
    // Every inked dot, mapped back to paper, lies inside the zone.
    const Affine inv = *c.inverse();
    bool all_inside = true;
    for (int y = 0; y < raster->height && all_inside; ++y)
      for (int x = 0; x < raster->width; ++x)
        if (raster->ink(x, y)) {
          const Point p = inv.apply({(x + 0.5) * 25.4 / res.x_dpi, (y + 0.5) * 25.4 / res.y_dpi});
          if (!zone.contains(p)) {
            all_inside = false;
            break;
          }
        }
    CHECK(all_inside);
    if (i % 8 == 0) {
      auto decoded = certprint::testing::decode_qr(*raster);
      REQUIRE(decoded);
      CHECK(*decoded == certprint::testing::sample_payload());
    }
  }
  // Both outcomes must have been exercised for the rule to be tested at all.
  INFO("drawn " << drawn << ", refused " << refused);
  CHECK(drawn >= 60);
  CHECK(refused >= 60);
}
