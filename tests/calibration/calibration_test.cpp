// Calibration in a closed loop: a simulated printer with a known offset,
// scale and skew distorts rendered targets; marks are found automatically;
// the fit recovers the distortion; a corrected target lands on nominal.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <random>

#include "calibration/fit.hpp"
#include "calibration/target.hpp"
#include "support/temp_dir.hpp"

using namespace certprint;
using namespace certprint::calibration;
using layout::Affine;
using layout::Point;

namespace {

layout::Template marriage() {
  auto t = layout::load_template(testing::source_dir() / "templates" / "marriage.json");
  REQUIRE(t.ok());
  return *t;
}

// The paper a printer with distortion `d` (device mm -> paper mm) makes of
// a device raster, imaged at `paper_dpi`.
layout::Raster simulate(const layout::Raster& device, const Affine& d, double width_mm,
                        double height_mm, int paper_dpi) {
  const auto inv = *d.inverse();
  const int w = static_cast<int>(width_mm * paper_dpi / 25.4),
            h = static_cast<int>(height_mm * paper_dpi / 25.4);
  auto paper = layout::Raster::blank(w, h, {paper_dpi, paper_dpi});
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const Point q = inv.apply({(x + 0.5) * 25.4 / paper_dpi, (y + 0.5) * 25.4 / paper_dpi});
      const int dx = static_cast<int>(std::floor(q.x_mm * device.res.dots_per_mm_x()));
      const int dy = static_cast<int>(std::floor(q.y_mm * device.res.dots_per_mm_y()));
      if (dx >= 0 && dy >= 0 && dx < device.width && dy < device.height && device.ink(dx, dy))
        paper.set(x, y);
    }
  return paper;
}

}  // namespace

TEST_CASE("fit: offset from one mark, offset and scale from two, affine from three or more",
          "[calibration]") {
  const std::vector<Mark> marks = {
      {"A", {10, 10}}, {"B", {80, 10}}, {"C", {10, 110}}, {"D", {80, 110}}};
  const Affine truth = Affine::from_params(0.8, -0.5, 1.01, 0.99, 0.3);
  auto measure = [&](std::initializer_list<const char*> labels) {
    std::vector<Measurement> out;
    for (const char* l : labels)
      for (const auto& m : marks)
        if (m.label == l) out.push_back({l, truth.apply(m.nominal)});
    return out;
  };
  auto one = fit(marks, {{"A", {10.7, 9.4}}}, Affine::identity(), {});
  REQUIRE(one.ok());
  CHECK(one->model == "offset");
  CHECK(one->correction.apply({10, 10}).x_mm == Approx(9.3));

  auto two = fit(marks, {{"A", {10.5, 10.2}}, {"D", {81.2, 111.2}}}, Affine::identity(), {});
  REQUIRE(two.ok());
  CHECK(two->model == "offset+scale");
  CHECK(two->distortion.xx == Approx(70.7 / 70));

  auto four = fit(marks, measure({"A", "B", "C", "D"}), Affine::identity(), {});
  REQUIRE(four.ok());
  CHECK(four->model == "affine");
  CHECK(four->max_residual_mm < 1e-9);
  for (const auto& m : marks) {
    const Point p = truth.apply(four->correction.apply(m.nominal));
    CHECK(p.x_mm == Approx(m.nominal.x_mm).margin(1e-6));
    CHECK(p.y_mm == Approx(m.nominal.y_mm).margin(1e-6));
  }
}

TEST_CASE("fit refuses what no real printer does, naming why", "[calibration]") {
  const std::vector<Mark> marks = {
      {"A", {10, 10}}, {"B", {80, 10}}, {"C", {10, 110}}, {"D", {80, 110}}};
  auto scaled =
      fit(marks, {{"A", {10, 10}}, {"B", {90, 10}}, {"C", {10, 126}}}, Affine::identity(), {});
  REQUIRE_FALSE(scaled.ok());
  CHECK_THAT(scaled.error().message, Catch::Contains("scale") && Catch::Contains("CUPS scaling"));
  auto outlier = fit(marks, {{"A", {10, 10}}, {"B", {80, 10}}, {"C", {10, 110}}, {"D", {82, 112}}},
                     Affine::identity(), {});
  REQUIRE_FALSE(outlier.ok());
  CHECK_THAT(outlier.error().message, Catch::Contains("off the fit"));
  CHECK_FALSE(fit(marks, {{"Z", {1, 1}}}, Affine::identity(), {}).ok());
  CHECK_FALSE(fit(marks, {{"A", {1, 1}}, {"A", {1, 1}}}, Affine::identity(), {}).ok());
  CHECK_FALSE(fit(marks, {}, Affine::identity(), {}).ok());
  auto line = fit({{"A", {10, 10}}, {"B", {20, 20}}, {"C", {30, 30}}},
                  {{"A", {10, 10}}, {"B", {20, 20}}, {"C", {30, 30}}}, Affine::identity(), {});
  REQUIRE_FALSE(line.ok());
  CHECK_THAT(line.error().message, Catch::Contains("one line"));
}

// The README once showed marks measured against another target's layout: a
// clean fit, 8.3 mm off, accepted. No passbook printer misplaces a page by
// that much; such marks are mislabelled or measured from the wrong edge.
TEST_CASE("fit refuses a mark that landed implausibly far from where it was drawn",
          "[calibration]") {
  const std::vector<Mark> marks = {{"A", {23, 12}}, {"B", {85, 12}}, {"C", {23, 118.5}}};
  auto far = fit(marks, {{"A", {15.2, 12.1}}, {"B", {77.4, 12.0}}, {"C", {15.1, 118.6}}},
                 Affine::identity(), {});
  REQUIRE_FALSE(far.ok());
  CHECK_THAT(far.error().message, Catch::Contains("mark \"A\" landed 7.8 mm from") &&
                                      Catch::Contains("(23.0, 12.0)") &&
                                      Catch::Contains("at most 6.0 mm"));
  auto near = fit(marks, {{"A", {23.4, 11.8}}, {"B", {85.4, 11.7}}, {"C", {23.3, 118.2}}},
                  Affine::identity(), {});
  CHECK(near.ok());
  FitLimits lenient;
  lenient.max_offset_mm = 10;
  CHECK(fit(marks, {{"A", {15.2, 12.1}}, {"B", {77.4, 12.0}}, {"C", {15.1, 118.6}}},
            Affine::identity(), lenient)
            .ok());
}

TEST_CASE("closed loop over random printers: corrected marks land within 0.1 mm", "[calibration]") {
  const auto tmpl = marriage();
  auto text = layout::TextEngine::create(tmpl.font_family);
  REQUIRE(text.ok());
  std::mt19937 rng(2026);
  std::uniform_real_distribution<double> off(-2, 2), scale(0.985, 1.015), skew(-0.6, 0.6);
  double worst = 0, sum = 0;
  int count = 0;
  for (int printer = 0; printer < 12; ++printer) {
    const Affine truth = Affine::from_params(off(rng), off(rng), scale(rng), scale(rng), skew(rng));
    for (const layout::PageTemplate* page : {&tmpl.info, &tmpl.page5}) {
      const auto marks = target_marks(*page);
      const layout::Resolution res =
          printer % 2 ? layout::Resolution{360, 180} : layout::Resolution{180, 180};
      auto first = render_target(**text, *page, marks, Affine::identity(), res);
      REQUIRE(first.ok());
      auto seen = find_marks(simulate(*first, truth, page->width_mm, page->height_mm, 600), marks);
      REQUIRE(seen.ok());
      auto f = fit(marks, *seen, Affine::identity(), {});
      REQUIRE(f.ok());
      auto corrected = render_target(**text, *page, marks, f->correction, res);
      REQUIRE(corrected.ok());
      auto landed =
          find_marks(simulate(*corrected, truth, page->width_mm, page->height_mm, 600), marks);
      REQUIRE(landed.ok());
      for (std::size_t i = 0; i < marks.size(); ++i) {
        const double e = std::hypot((*landed)[i].landed.x_mm - marks[i].nominal.x_mm,
                                    (*landed)[i].landed.y_mm - marks[i].nominal.y_mm);
        INFO("printer " << printer << " " << page->kind << " mark " << marks[i].label);
        CHECK(e <= 0.1);
        worst = std::max(worst, e);
        sum += e;
        ++count;
      }
    }
  }
  WARN("closed loop: max " << worst << " mm, mean " << sum / count << " mm over " << count
                           << " marks");
}

TEST_CASE("a page 5 correction that would push the QR out of its zone is refused",
          "[calibration]") {
  auto tmpl = marriage();
  tmpl.page5.qr->box = {36, 95, 22, 22};  // barely larger than the symbol
  CHECK(check_qr_zone(tmpl.page5, Affine::identity(), {180, 180}).ok());
  auto refused = check_qr_zone(tmpl.page5, Affine::from_params(0, 0, 0.96, 0.96, 0), {180, 180});
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.message(), Catch::Contains("QR zone"));
}

TEST_CASE("charts render as PDF and PNG", "[calibration]") {
  const auto tmpl = marriage();
  auto text = layout::TextEngine::create(tmpl.font_family);
  REQUIRE(text.ok());
  auto pdf = render_target_pdf(**text, tmpl.page5, target_marks(tmpl.page5), Affine::identity());
  REQUIRE(pdf.ok());
  CHECK(pdf->rfind("%PDF-", 0) == 0);
  auto png = render_target_png(**text, tmpl.info, target_marks(tmpl.info), 100);
  REQUIRE(png.ok());
  CHECK(png->substr(1, 3) == "PNG");
  // Page 5's marks stand around the QR zone.
  for (const auto& m : target_marks(tmpl.page5)) CHECK(tmpl.page5.qr->box.contains(m.nominal));
}

TEST_CASE("fit refuses a rotated or mirrored printer, saying which", "[calibration]") {
  // Marks measured as if the page had turned by a quarter about its centre:
  // every length and right angle is kept, so only the axes' angle shows it.
  const std::vector<Mark> marks = {
      {"A", {10, 10}}, {"B", {80, 10}}, {"C", {10, 110}}, {"D", {80, 110}}};
  auto measured = [&](const Affine& d) {
    std::vector<Measurement> out;
    for (const auto& m : marks) out.push_back({m.label, d.apply(m.nominal)});
    return out;
  };
  auto about_centre = [](double deg) {
    const double r = deg * std::numbers::pi / 180, c = std::cos(r), s = std::sin(r);
    // Rotate about (45, 60): p' = R(p - c) + c.
    return Affine{c, s, -s, c, 45 - c * 45 + s * 60, 60 - s * 45 - c * 60};
  };
  auto quarter = fit(marks, measured(about_centre(90)), Affine::identity(), {});
  REQUIRE_FALSE(quarter.ok());
  CHECK_THAT(quarter.error().message,
             Catch::Contains("rotated by 90.0°; at most 2.0° is plausible"));
  auto three = fit(marks, measured(about_centre(-3)), Affine::identity(), {});
  REQUIRE_FALSE(three.ok());
  CHECK_THAT(three.error().message, Catch::Contains("rotated by -3.0°"));
  // Within the limit, a rotation is a feed error the correction undoes.
  CHECK(fit(marks, measured(about_centre(0.5)), Affine::identity(), {}).ok());

  // Marks measured from the right edge instead of the left: a mirror image.
  auto mirrored = fit(marks, measured(Affine{-1, 0, 0, 1, 90, 0}), Affine::identity(), {});
  REQUIRE_FALSE(mirrored.ok());
  CHECK_THAT(mirrored.error().message, Catch::Contains("mirror"));
  // Two marks, swapped along x, mirror the offset+scale model too.
  auto swapped = fit(marks, {{"A", {80, 10}}, {"D", {10, 110}}}, Affine::identity(), {});
  REQUIRE_FALSE(swapped.ok());
  CHECK_THAT(swapped.error().message, Catch::Contains("mirror"));
}

TEST_CASE("a correction that would move the QR or a field off the device page is refused",
          "[calibration]") {
  auto tmpl = marriage();
  // The QR still lands in its zone on paper, but the printer is told to
  // draw it past the page's bottom edge, where nothing is drawn.
  auto down = check_qr_zone(tmpl.page5, Affine::translation(0, 19), {180, 180});
  REQUIRE_FALSE(down.ok());
  CHECK(down.code() == ErrorCode::refused);
  CHECK_THAT(down.message(),
             Catch::Contains("page5 QR: would end") && Catch::Contains("bottom edge (128.0 mm)"));
  CHECK(check_correction(tmpl.page5, Affine::translation(0, 13), {180, 180}).ok());

  auto info = check_correction(tmpl.info, Affine::translation(0, 7), {180, 180});
  REQUIRE_FALSE(info.ok());
  CHECK_THAT(info.message(), Catch::Contains("info field \"female.id_number\": would end 0.50 mm"));
  CHECK(check_correction(tmpl.info, Affine::translation(0, 6), {180, 180}).ok());
}
