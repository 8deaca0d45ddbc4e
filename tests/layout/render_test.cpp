#include <cairo.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "layout/render.hpp"
#include "layout_fixture.hpp"
#include "support/pdf_text.hpp"
#include "support/qr_decode.hpp"

using namespace certprint::layout;
using namespace certprint::testing;

namespace {

std::string without_whitespace(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != ' ' && c != '\n' && c != '\t' && c != '\r') out += c;
  return out;
}

// A PNG as 0xRRGGBB pixels, read back with Cairo.
struct Pixels {
  int width = 0, height = 0;
  std::vector<std::uint32_t> rgb;
  std::uint32_t at(int x, int y) const { return rgb[static_cast<std::size_t>(y) * width + x]; }
};

Pixels decode_png(const std::string& png) {
  struct Reader {
    const std::string* data;
    std::size_t at = 0;
  } reader{&png};
  auto read = [](void* closure, unsigned char* out, unsigned int length) {
    auto* r = static_cast<Reader*>(closure);
    if (r->at + length > r->data->size()) return CAIRO_STATUS_READ_ERROR;
    std::memcpy(out, r->data->data() + r->at, length);
    r->at += length;
    return CAIRO_STATUS_SUCCESS;
  };
  cairo_surface_t* s = cairo_image_surface_create_from_png_stream(read, &reader);
  REQUIRE(cairo_surface_status(s) == CAIRO_STATUS_SUCCESS);
  Pixels p{cairo_image_surface_get_width(s), cairo_image_surface_get_height(s), {}};
  const int stride = cairo_image_surface_get_stride(s);
  const unsigned char* data = cairo_image_surface_get_data(s);
  for (int y = 0; y < p.height; ++y)
    for (int x = 0; x < p.width; ++x) {
      std::uint32_t v;
      std::memcpy(&v, data + y * stride + 4 * x, 4);
      p.rgb.push_back(v & 0xffffff);
    }
  cairo_surface_destroy(s);
  return p;
}

}  // namespace

TEST_CASE("the info page PDF holds every field's text at the template's page size", "[layout]") {
  auto tmpl = marriage_template();
  auto text = text_engine(tmpl.font_family);
  auto fields = sample_info_fields();
  fields["remarks"] = "补发证件备注";
  auto plan = plan_page(*text, tmpl.info, {fields, ""}, Affine::identity(), {});
  REQUIRE(plan.ok());
  auto pdf = render_pdf(*text, *plan);
  REQUIRE(pdf.ok());
  const auto [w, h] = pdf_page_size(*pdf);
  CHECK(w == Approx(94 * 72 / 25.4).margin(0.01));
  CHECK(h == Approx(128 * 72 / 25.4).margin(0.01));
  const std::string got = without_whitespace(pdf_text(*pdf));
  for (const auto& [name, value] : fields) {
    INFO(name << " = " << value);
    CHECK(got.find(value) != std::string::npos);
  }
}

TEST_CASE("every template field needs a value", "[layout]") {
  auto tmpl = marriage_template();
  auto text = text_engine(tmpl.font_family);
  auto fields = sample_info_fields();
  fields.erase("female.id_number");
  auto plan = plan_page(*text, tmpl.info, {fields, ""}, Affine::identity(), {});
  REQUIRE_FALSE(plan.ok());
  CHECK_THAT(plan.error().message, Catch::Contains("female.id_number"));
}

TEST_CASE("a character the font lacks is an error naming it, never a box", "[layout]") {
  auto tmpl = marriage_template();
  auto text = text_engine(tmpl.font_family);
  auto fields = sample_info_fields();
  fields["male.name"] = "王\xee\x80\x80明";  // U+E000, private use: no font draws it
  auto plan = plan_page(*text, tmpl.info, {fields, ""}, Affine::identity(), {});
  REQUIRE_FALSE(plan.ok());
  CHECK_THAT(plan.error().message, Catch::Contains("male.name") && Catch::Contains("U+E000"));
}

TEST_CASE("long names shrink to fit their box; too long is refused", "[layout]") {
  auto tmpl = marriage_template();
  auto text = text_engine(tmpl.font_family);
  const FieldBox& box = tmpl.info.fields[4];  // male.name, 30 mm
  REQUIRE(box.name == "male.name");

  auto short_name = text->fit(box, "王明");
  REQUIRE(short_name.ok());
  CHECK(short_name->size_pt == box.size_pt);

  auto longer = text->fit(box, "阿卜杜热合曼·买买提");
  REQUIRE(longer.ok());
  CHECK(longer->size_pt < box.size_pt);
  CHECK(longer->size_pt >= box.min_size_pt);
  CHECK(longer->width_mm <= box.box.w_mm + 1e-6);

  auto too_long = text->fit(box, "MAXIMILIANA-ALEXANDRA VON HOHENSTEIN-WARTENBERG");
  REQUIRE_FALSE(too_long.ok());
  CHECK_THAT(too_long.error().message,
             Catch::Contains("male.name") && Catch::Contains("does not fit"));
}

TEST_CASE("text lands in its box on the raster", "[layout]") {
  auto tmpl = marriage_template();
  auto text = text_engine(tmpl.font_family);
  auto plan =
      plan_page(*text, tmpl.info, {sample_info_fields(), ""}, Affine::identity(), {{180, 180}});
  REQUIRE(plan.ok());
  auto raster = render_raster(*text, *plan);
  REQUIRE(raster.ok());
  CHECK(raster->width == 667);   // ceil(94 mm × 180 / 25.4)
  CHECK(raster->height == 908);  // ceil(128 mm × 180 / 25.4)
  // Every inked dot is inside some field box (no overflow anywhere).
  int outside = 0, inked = 0;
  for (int y = 0; y < raster->height; ++y)
    for (int x = 0; x < raster->width; ++x) {
      if (!raster->ink(x, y)) continue;
      ++inked;
      const Point p{(x + 0.5) * 25.4 / 180, (y + 0.5) * 25.4 / 180};
      bool in_any = false;
      for (const auto& f : tmpl.info.fields) in_any = in_any || f.box.contains(p, 0.3);
      if (!in_any) ++outside;
    }
  CHECK(inked > 2000);
  CHECK(outside == 0);
}

TEST_CASE("calibration moves the text by the correction", "[layout]") {
  auto tmpl = marriage_template();
  auto text = text_engine(tmpl.font_family);
  auto ink_centroid_x = [&](const Affine& c) {
    auto plan = plan_page(*text, tmpl.info, {sample_info_fields(), ""}, c, {{180, 180}});
    REQUIRE(plan.ok());
    auto r = render_raster(*text, *plan);
    REQUIRE(r.ok());
    double sum = 0;
    std::size_t n = 0;
    for (int y = 0; y < r->height; ++y)
      for (int x = 0; x < r->width; ++x)
        if (r->ink(x, y)) sum += x, ++n;
    return sum / n * 25.4 / 180;
  };
  CHECK(ink_centroid_x(Affine::translation(2, 0)) - ink_centroid_x(Affine::identity()) ==
        Approx(2).margin(0.05));
}

TEST_CASE("page 5 raster decodes at every supported resolution", "[layout]") {
  auto tmpl = marriage_template();
  auto text = text_engine(tmpl.font_family);
  for (Resolution res :
       {Resolution{180, 180}, Resolution{360, 180}, Resolution{300, 300}, Resolution{600, 600}}) {
    INFO(res.describe());
    auto plan = plan_page(*text, tmpl.page5, {{}, sample_payload()}, Affine::identity(), {res});
    REQUIRE(plan.ok());
    auto raster = render_raster(*text, *plan);
    REQUIRE(raster.ok());
    // Modules are exact: ink count is dark modules × dots per module.
    std::size_t dark = 0;
    for (auto m : plan->qr->modules) dark += m;
    CHECK(raster->ink_count() ==
          dark * plan->qr_at->dots_per_module_x * plan->qr_at->dots_per_module_y);
    auto decoded = decode_qr(*raster);
    REQUIRE(decoded);
    CHECK(*decoded == sample_payload());
  }
}

TEST_CASE("a QR is never drawn on the info page", "[layout]") {
  auto tmpl = marriage_template();
  auto text = text_engine(tmpl.font_family);
  auto plan =
      plan_page(*text, tmpl.info, {sample_info_fields(), sample_payload()}, Affine::identity(), {});
  REQUIRE_FALSE(plan.ok());
  CHECK_THAT(plan.error().message, Catch::Contains("page 5 only"));
}

TEST_CASE("page 5 PDF holds the QR on the device grid and no text", "[layout]") {
  auto tmpl = marriage_template();
  auto text = text_engine(tmpl.font_family);
  auto plan =
      plan_page(*text, tmpl.page5, {{}, sample_payload()}, Affine::identity(), {{180, 180}});
  REQUIRE(plan.ok());
  auto pdf = render_pdf(*text, *plan);
  REQUIRE(pdf.ok());
  CHECK(pdf->rfind("%PDF-", 0) == 0);
  CHECK(without_whitespace(pdf_text(*pdf)).empty());
}

TEST_CASE("preview over the form: form from Poppler, print on top", "[layout]") {
  auto tmpl = marriage_template();
  auto text = text_engine(tmpl.font_family);
  auto form = render_form_pdf(*text, tmpl.page5);
  REQUIRE(form.ok());
  CHECK_THAT(pdf_text(*form), Catch::Contains("二维码区域"));
  auto plan =
      plan_page(*text, tmpl.page5, {{}, sample_payload()}, Affine::identity(), {{180, 180}});
  REQUIRE(plan.ok());
  auto raster = render_raster(*text, *plan);
  REQUIRE(raster.ok());
  auto png = render_preview_png(*plan, *raster, *form, 150);
  REQUIRE(png.ok());
  CHECK(png->substr(1, 3) == "PNG");
  auto bad = render_preview_png(*plan, *raster, "not a pdf", 150);
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.error().message, Catch::Contains("form PDF"));
}

TEST_CASE("a preview shows every printer dot as a whole block of pixels", "[layout]") {
  CHECK(preview_dpi_for({180, 180}) == 360);
  CHECK(preview_dpi_for({360, 180}) == 360);
  CHECK(preview_dpi_for({600, 600}) == 600);
  CHECK(preview_dpi_for({300, 300}) == 300);
  // No small common multiple: bounded, not 1800 or 60900 dpi.
  CHECK(preview_dpi_for({360, 200}) == 360);
  CHECK(preview_dpi_for({300, 203}) == 300);
  CHECK(preview_dpi_for({2400, 1200}) == 2400);
  auto tmpl = marriage_template();
  auto text = text_engine(tmpl.font_family);
  auto plan =
      plan_page(*text, tmpl.info, {sample_info_fields(), ""}, Affine::identity(), {{180, 180}});
  REQUIRE(plan.ok());
  auto raster = render_raster(*text, *plan);
  REQUIRE(raster.ok());
  auto png = render_preview_png(*plan, *raster, "", preview_dpi_for(raster->res));
  REQUIRE(png.ok());
  const auto image = decode_png(*png);
  REQUIRE(image.width == 2 * raster->width);
  REQUIRE(image.height == 2 * raster->height);
  // Each dot: a 2 x 2 block of one colour, ink exactly where the printer
  // puts ink (a 150-dpi preview blends neighbouring dots and turns 年 into 午).
  long inked = 0, mismatches = 0;
  for (int y = 0; y < raster->height; ++y)
    for (int x = 0; x < raster->width; ++x) {
      const std::uint32_t c = image.at(2 * x, 2 * y);
      const bool same = image.at(2 * x + 1, 2 * y) == c && image.at(2 * x, 2 * y + 1) == c &&
                        image.at(2 * x + 1, 2 * y + 1) == c;
      const bool ink = raster->ink(x, y);
      inked += ink;
      if (!same || ink != (c != 0xffffff)) ++mismatches;
    }
  CHECK(inked > 1000);
  CHECK(mismatches == 0);
}

TEST_CASE("the PDF draws the same text, same place and size, as the raster", "[layout]") {
  auto tmpl = marriage_template();
  auto text = text_engine(tmpl.font_family);
  auto plan = plan_page(*text, tmpl.info, {sample_info_fields(), ""}, Affine::translation(1, -1),
                        {{180, 180}});
  REQUIRE(plan.ok());
  auto raster = render_raster(*text, *plan);
  auto pdf = render_pdf(*text, *plan);
  REQUIRE(raster.ok());
  REQUIRE(pdf.ok());
  auto from_pdf = rasterize_pdf(*pdf, 180, 64);  // the raster inks a dot at 25 % coverage
  REQUIRE(from_pdf.width == raster->width);
  REQUIRE(from_pdf.height == raster->height);
  std::size_t both = 0, either = 0;
  for (int y = 0; y < raster->height; ++y)
    for (int x = 0; x < raster->width; ++x) {
      const bool a = raster->ink(x, y), b = from_pdf.ink(x, y);
      both += a && b;
      either += a || b;
    }
  REQUIRE(either > 2000);
  // Anti-aliasing differs between the two paths at glyph edges only.
  CHECK(static_cast<double>(both) / either > 0.8);
}

TEST_CASE("glyphs sit at the font's own advances, so the PDF reads Latin text as written",
          "[layout]") {
  // Pango rounds glyph positions to whole layout units unless told not to,
  // and a layout's unit here is the millimetre: at 10.5 pt "A" (2.66 mm)
  // took 3 mm and "n" (2.45 mm) 2 mm, and Poppler read "An n a Sch midt".
  auto tmpl = marriage_template();
  auto text = text_engine(tmpl.font_family);
  const FieldBox box{"f", {5, 5, 80, 8}, 10.5, 10.5, Align::left, 1};
  auto anna = text->fit(box, "Anna");
  REQUIRE(anna.ok());
  // A 0.718 em, n 0.661 em, a 0.557 em in Noto Serif CJK SC; 1 em = 3.704 mm.
  CHECK(anna->width_mm == Approx((0.718 + 2 * 0.661 + 0.557) * 10.5 * 25.4 / 72).margin(0.01));

  auto fields = sample_info_fields();
  fields["female.name"] = "Anna Schmidt";
  fields["female.id_number"] = "C01X00T47";
  auto plan = plan_page(*text, tmpl.info, {fields, ""}, Affine::identity(), {{180, 180}});
  REQUIRE(plan.ok());
  auto pdf = render_pdf(*text, *plan);
  REQUIRE(pdf.ok());
  for (const auto& f : tmpl.info.fields) {
    if (f.name != "female.name" && f.name != "female.id_number") continue;
    INFO(f.name);
    CHECK(pdf_text_in(*pdf, f.box.x_mm, f.box.y_mm, f.box.w_mm, f.box.h_mm) == fields[f.name]);
  }
}

TEST_CASE("hairline strokes survive the 1-bit raster", "[layout]") {
  auto tmpl = marriage_template();
  auto text = text_engine(tmpl.font_family);
  PageTemplate page;
  page.kind = "info";
  page.width_mm = 40;
  page.height_mm = 20;
  page.fields.push_back({"f", {5, 5, 30, 8}, 10.5, 10.5, Align::center, 1});
  // 三 has three horizontal strokes; a vertical line through its middle must
  // cross three separate runs of ink.
  for (Resolution res : {Resolution{180, 180}, Resolution{360, 180}}) {
    INFO(res.describe());
    auto plan = plan_page(*text, page, {{{"f", "三"}}, ""}, Affine::identity(), {res});
    REQUIRE(plan.ok());
    auto r = render_raster(*text, *plan);
    REQUIRE(r.ok());
    const int x = r->width / 2;
    int runs = 0;
    bool in_ink = false;
    for (int y = 0; y < r->height; ++y) {
      if (r->ink(x, y) && !in_ink) ++runs;
      in_ink = r->ink(x, y);
    }
    CHECK(runs == 3);
  }
}

TEST_CASE("a correction that would move drawn content off the device page is refused", "[layout]") {
  // The correction moves what the printer is told to draw; the printer draws
  // nothing outside its page (0..width_mm x 0..height_mm), so content
  // pushed past an edge is clipped even when it would land in its zone.
  auto tmpl = marriage_template();
  auto text = text_engine(tmpl.font_family);
  const DeviceProfile device{{180, 180}};
  auto qr_down =
      plan_page(*text, tmpl.page5, {{}, sample_payload()}, Affine::translation(0, 19), device);
  REQUIRE_FALSE(qr_down.ok());
  CHECK(qr_down.error().code == certprint::ErrorCode::refused);
  CHECK_THAT(
      qr_down.error().message,
      Catch::Contains("page5 QR: would end 5.49 mm below the page's bottom edge (128.0 mm)"));
  // The same at 360x180 dpi, and just inside the edge.
  CHECK_FALSE(
      plan_page(*text, tmpl.page5, {{}, sample_payload()}, Affine::translation(0, 19), {{360, 180}})
          .ok());
  CHECK(plan_page(*text, tmpl.page5, {{}, sample_payload()}, Affine::translation(0, 13), device)
            .ok());

  struct Case {
    Affine correction;
    const char* expected;
  };
  for (const Case& c :
       {Case{Affine::translation(0, 7),
             "info field \"female.id_number\": would end 0.50 mm below the page's bottom edge "
             "(128.0 mm)"},
        Case{Affine::translation(7, 0),
             "info field \"male.birth_date\": would end 1.00 mm right of the page's right edge "
             "(94.0 mm)"},
        Case{Affine::translation(0, -10),
             "info field \"holder\": would start 1.00 mm above the page's top edge (0.0 mm)"}}) {
    INFO(c.expected);
    auto plan = plan_page(*text, tmpl.info, {sample_info_fields(), ""}, c.correction, device);
    REQUIRE_FALSE(plan.ok());
    CHECK(plan.error().code == certprint::ErrorCode::refused);
    CHECK_THAT(plan.error().message, Catch::Contains(c.expected));
  }
  CHECK(plan_page(*text, tmpl.info, {sample_info_fields(), ""}, Affine::translation(0, 6), device)
            .ok());

  PageTemplate page;
  page.kind = "info";
  page.width_mm = 40;
  page.height_mm = 20;
  page.fields.push_back({"f", {2, 5, 30, 8}, 10.5, 6, Align::left, 1});
  auto left = plan_page(*text, page, {{{"f", ""}}, ""}, Affine::translation(-3, 0), device);
  REQUIRE_FALSE(left.ok());
  CHECK_THAT(left.error().message,
             Catch::Contains("info field \"f\": would start 1.00 mm left of the page's left edge "
                             "(0.0 mm)"));
}
