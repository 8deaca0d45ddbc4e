#include "layout/render.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <poppler.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <numeric>

namespace certprint::layout {
namespace {

struct CairoSurface {
  cairo_surface_t* s = nullptr;
  ~CairoSurface() {
    if (s) cairo_surface_destroy(s);
  }
};
struct CairoContext {
  cairo_t* cr = nullptr;
  ~CairoContext() {
    if (cr) cairo_destroy(cr);
  }
};

cairo_status_t append_to_string(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

Status cairo_ok(cairo_t* cr, const char* what) {
  if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
    return Error{std::string("Cairo: ") + what + ": " + cairo_status_to_string(cairo_status(cr))};
  return {};
}

Status surface_ok(cairo_surface_t* s, const char* what) {
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
    return Error{std::string("Cairo: ") + what + ": " +
                 cairo_status_to_string(cairo_surface_status(s))};
  return {};
}

void set_matrix(cairo_t* cr, const Affine& a) {
  cairo_matrix_t m;
  cairo_matrix_init(&m, a.xx, a.yx, a.xy, a.yy, a.x0, a.y0);
  cairo_transform(cr, &m);
}

// Dark modules as one path of horizontal runs, in device dots; the caller's
// user space must be device dots.
void qr_path(cairo_t* cr, const QrMatrix& m, const QrPlacement& p) {
  for (int y = 0; y < m.size; ++y) {
    int x = 0;
    while (x < m.size) {
      if (!m.dark(x, y)) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < m.size && m.dark(x + run, y)) ++run;
      cairo_rectangle(cr, p.origin_x_dots + (p.quiet_modules + x) * p.dots_per_module_x,
                      p.origin_y_dots + (p.quiet_modules + y) * p.dots_per_module_y,
                      run * p.dots_per_module_x, p.dots_per_module_y);
      x += run;
    }
  }
}

// Texts in paper mm through the correction, then the QR on the dot grid.
// `paper_to_user` maps paper mm to the surface's units; `dot_to_user` scales
// device dots to them.
Status draw_plan(TextEngine& text, cairo_t* cr, const PagePlan& plan, double units_per_mm_x,
                 double units_per_mm_y, TextEngine::GlyphPath glyphs) {
  cairo_save(cr);
  cairo_scale(cr, units_per_mm_x, units_per_mm_y);
  set_matrix(cr, plan.correction);
  cairo_set_source_rgb(cr, 0, 0, 0);
  for (const auto& t : plan.texts)
    if (auto s = text.draw(cr, t, glyphs); !s) return s;
  cairo_restore(cr);

  if (plan.qr && plan.qr_at) {
    cairo_save(cr);
    cairo_scale(cr, units_per_mm_x / plan.device.res.dots_per_mm_x(),
                units_per_mm_y / plan.device.res.dots_per_mm_y());
    cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
    cairo_set_source_rgb(cr, 0, 0, 0);
    qr_path(cr, *plan.qr, *plan.qr_at);
    cairo_fill(cr);
    cairo_restore(cr);
  }
  return cairo_ok(cr, "drawing the page");
}

// A dot is inked when a quarter of it is covered. At 180 dpi a Song face's
// hairline strokes are thinner than one dot; at half coverage they vanish
// (日 prints as H), at a quarter every stroke wider than half a dot keeps at
// least one row of dots.
constexpr unsigned char kInkCoverage = 64;

int dots(double mm, double dots_per_mm) {
  return static_cast<int>(std::ceil(mm * dots_per_mm - 1e-9));
}

// A rectangle on the device page, device mm.
struct Extent {
  double x0_mm, y0_mm, x1_mm, y1_mm;
};

// Where a paper-space box lands on the device: the bounding box of its
// corners, as a skewed correction turns it into a parallelogram.
Extent device_extent(const Rect& box, const Affine& correction) {
  Extent e{1e300, 1e300, -1e300, -1e300};
  for (Point c : {Point{box.x_mm, box.y_mm}, Point{box.right_mm(), box.y_mm},
                  Point{box.x_mm, box.bottom_mm()}, Point{box.right_mm(), box.bottom_mm()}}) {
    const Point d = correction.apply(c);
    e = {std::min(e.x0_mm, d.x_mm), std::min(e.y0_mm, d.y_mm), std::max(e.x1_mm, d.x_mm),
         std::max(e.y1_mm, d.y_mm)};
  }
  return e;
}

// Names the edge `e` crosses furthest, if any; `what` is "page5 QR" or
// "info field \"holder\"".
Status on_page(const Extent& e, const PageTemplate& page, const std::string& what) {
  struct Edge {
    double over_mm;
    const char* verb;
    const char* where;
    double edge_mm;
  };
  const Edge edges[] = {
      {-e.y0_mm, "start", "above the page's top edge", 0},
      {e.y1_mm - page.height_mm, "end", "below the page's bottom edge", page.height_mm},
      {-e.x0_mm, "start", "left of the page's left edge", 0},
      {e.x1_mm - page.width_mm, "end", "right of the page's right edge", page.width_mm}};
  const Edge* worst = &edges[0];
  for (const Edge& edge : edges)
    if (edge.over_mm > worst->over_mm) worst = &edge;
  // The same 1 µm allowance for rounding as Rect::contains.
  if (!(worst->over_mm > 1e-3)) return {};
  char buf[160];
  std::snprintf(buf, sizeof buf, ": would %s %.2f mm %s (%.1f mm) after calibration", worst->verb,
                worst->over_mm, worst->where, worst->edge_mm);
  return refused(what + buf);
}

}  // namespace

Status check_device_page(const PageTemplate& page, const Affine& correction, const QrPlacement* qr,
                         Resolution res) {
  for (const FieldBox& f : page.fields)
    if (auto s = on_page(device_extent(f.box, correction), page,
                         page.kind + " field \"" + f.name + "\"");
        !s)
      return s;
  if (!qr) return {};
  const Extent footprint{qr->origin_x_dots / res.dots_per_mm_x(),
                         qr->origin_y_dots / res.dots_per_mm_y(),
                         (qr->origin_x_dots + qr->width_dots()) / res.dots_per_mm_x(),
                         (qr->origin_y_dots + qr->height_dots()) / res.dots_per_mm_y()};
  return on_page(footprint, page, page.kind + " QR");
}

Result<PagePlan> plan_page(TextEngine& text, const PageTemplate& page, const PageContent& content,
                           const Affine& correction, const DeviceProfile& device) {
  if (device.res.x_dpi < 72 || device.res.y_dpi < 72 || device.res.x_dpi > 2400 ||
      device.res.y_dpi > 2400)
    return Error{"resolution " + device.res.describe() + " is outside 72..2400 dpi"};
  if (!correction.inverse()) return Error{page.kind + " calibration is singular"};
  PagePlan plan;
  plan.page = &page;
  plan.correction = correction;
  plan.device = device;
  for (const FieldBox& box : page.fields) {
    auto it = content.fields.find(box.name);
    if (it == content.fields.end())
      return Error{page.kind + " page: no value for template field \"" + box.name + "\""};
    auto fitted = text.fit(box, it->second);
    if (!fitted) return fitted.error();
    plan.texts.push_back(std::move(*fitted));
  }
  if (page.qr) {
    if (content.qr_payload.empty()) return Error{"page 5 needs a QR payload"};
    auto matrix = encode_qr(content.qr_payload);
    if (!matrix) return matrix.error();
    auto at = place_qr(*page.qr, matrix->size, correction, device.res);
    if (!at) return at.error();
    plan.qr = std::move(*matrix);
    plan.qr_at = *at;
  } else if (!content.qr_payload.empty()) {
    return Error{"a QR may be printed on page 5 only, not on the " + page.kind + " page"};
  }
  if (auto s = check_device_page(page, correction, plan.qr_at ? &*plan.qr_at : nullptr, device.res);
      !s)
    return s.error();
  return plan;
}

Result<std::string> render_pdf(TextEngine& text, const PagePlan& plan) {
  if (auto s = text.prepare_subset(plan.texts); !s) return s.error();
  std::string out;
  const double mm_to_pt = kPointsPerInch / kMmPerInch;
  CairoSurface surface{cairo_pdf_surface_create_for_stream(
      append_to_string, &out, plan.page->width_mm * mm_to_pt, plan.page->height_mm * mm_to_pt)};
  if (auto s = surface_ok(surface.s, "creating a PDF"); !s) return s.error();
  {
    CairoContext c{cairo_create(surface.s)};
    if (auto s =
            draw_plan(text, c.cr, plan, mm_to_pt, mm_to_pt, TextEngine::GlyphPath::embedded_subset);
        !s)
      return s.error();
    cairo_show_page(c.cr);
  }
  cairo_surface_finish(surface.s);
  if (auto s = surface_ok(surface.s, "writing the PDF"); !s) return s.error();
  return out;
}

Result<Raster> render_raster(TextEngine& text, const PagePlan& plan) {
  const Resolution res = plan.device.res;
  const int w = dots(plan.page->width_mm, res.dots_per_mm_x());
  const int h = dots(plan.page->height_mm, res.dots_per_mm_y());
  CairoSurface surface{cairo_image_surface_create(CAIRO_FORMAT_A8, w, h)};
  if (auto s = surface_ok(surface.s, "creating a raster"); !s) return s.error();
  {
    CairoContext c{cairo_create(surface.s)};
    if (auto s = draw_plan(text, c.cr, plan, res.dots_per_mm_x(), res.dots_per_mm_y(),
                           TextEngine::GlyphPath::pango);
        !s)
      return s.error();
  }
  cairo_surface_flush(surface.s);
  Raster r = Raster::blank(w, h, res);
  const unsigned char* data = cairo_image_surface_get_data(surface.s);
  const int stride = cairo_image_surface_get_stride(surface.s);
  for (int y = 0; y < h; ++y) {
    const unsigned char* row = data + static_cast<std::size_t>(y) * stride;
    std::uint8_t* out = &r.bits[static_cast<std::size_t>(y) * r.stride];
    for (int x = 0; x < w; ++x)
      if (row[x] >= kInkCoverage) out[x >> 3] |= static_cast<std::uint8_t>(0x80 >> (x & 7));
  }
  return r;
}

Result<std::string> render_form_pdf(TextEngine& text, const PageTemplate& page) {
  std::string out;
  const double mm_to_pt = kPointsPerInch / kMmPerInch;
  CairoSurface surface{cairo_pdf_surface_create_for_stream(
      append_to_string, &out, page.width_mm * mm_to_pt, page.height_mm * mm_to_pt)};
  if (auto s = surface_ok(surface.s, "creating the form PDF"); !s) return s.error();
  {
    CairoContext c{cairo_create(surface.s)};
    cairo_t* cr = c.cr;
    cairo_scale(cr, mm_to_pt, mm_to_pt);
    // Pre-printed forms are coloured; a muted red keeps them apart from the
    // black the printer adds.
    cairo_set_source_rgb(cr, 0.72, 0.25, 0.22);
    cairo_set_line_width(cr, 0.25);
    for (const FormItem& item : page.form) {
      switch (item.kind) {
        case FormItem::Kind::text:
          text.draw_label(cr, item.text, item.at, item.size_pt);
          break;
        case FormItem::Kind::line:
          cairo_move_to(cr, item.at.x_mm, item.at.y_mm);
          cairo_line_to(cr, item.to.x_mm, item.to.y_mm);
          cairo_stroke(cr);
          break;
        case FormItem::Kind::rect:
          cairo_rectangle(cr, item.rect.x_mm, item.rect.y_mm, item.rect.w_mm, item.rect.h_mm);
          cairo_stroke(cr);
          break;
      }
    }
    if (auto s = cairo_ok(cr, "drawing the form"); !s) return s.error();
    cairo_show_page(cr);
  }
  cairo_surface_finish(surface.s);
  if (auto s = surface_ok(surface.s, "writing the form PDF"); !s) return s.error();
  return out;
}

namespace {

// The form PDF's first page, stretched over the w x h pixel preview.
Status draw_form_page(cairo_t* cr, std::string_view form_pdf, int w, int h) {
  GBytes* bytes = g_bytes_new(form_pdf.data(), form_pdf.size());
  GError* err = nullptr;
  PopplerDocument* doc = poppler_document_new_from_bytes(bytes, nullptr, &err);
  g_bytes_unref(bytes);
  if (!doc) {
    std::string msg = err ? err->message : "unknown error";
    if (err) g_error_free(err);
    return Error{"Poppler: the form PDF cannot be read: " + msg};
  }
  PopplerPage* page = poppler_document_get_page(doc, 0);
  if (!page) {
    g_object_unref(doc);
    return Error{"Poppler: the form PDF has no page"};
  }
  double pw = 0, ph = 0;
  poppler_page_get_size(page, &pw, &ph);
  cairo_save(cr);
  cairo_scale(cr, w / pw, h / ph);  // a scan of another size is fitted to the page
  poppler_page_render(page, cr);
  cairo_restore(cr);
  g_object_unref(page);
  g_object_unref(doc);
  return {};
}

// `mask` must be an A8 surface of the device raster's size.
void fill_ink_mask(cairo_surface_t* mask, const Raster& device) {
  cairo_surface_flush(mask);
  unsigned char* data = cairo_image_surface_get_data(mask);
  const int stride = cairo_image_surface_get_stride(mask);
  for (int y = 0; y < device.height; ++y)
    for (int x = 0; x < device.width; ++x)
      data[static_cast<std::size_t>(y) * stride + x] = device.ink(x, y) ? 255 : 0;
  cairo_surface_mark_dirty(mask);
}

// The device raster as a mask, mapped back to where it lands on paper.
Status draw_device_ink(cairo_t* cr, const Raster& device, const Affine& correction,
                       double px_per_mm) {
  CairoSurface mask{cairo_image_surface_create(CAIRO_FORMAT_A8, device.width, device.height)};
  if (auto s = surface_ok(mask.s, "creating the preview mask"); !s) return s;
  fill_ink_mask(mask.s, device);

  const auto inverse = correction.inverse();
  cairo_save(cr);
  cairo_scale(cr, px_per_mm, px_per_mm);
  if (inverse) set_matrix(cr, *inverse);
  cairo_scale(cr, 1 / device.res.dots_per_mm_x(), 1 / device.res.dots_per_mm_y());
  cairo_pattern_t* pattern = cairo_pattern_create_for_surface(mask.s);
  cairo_pattern_set_filter(pattern, CAIRO_FILTER_NEAREST);
  cairo_set_source_rgb(cr, 0.05, 0.05, 0.1);
  cairo_mask(cr, pattern);
  cairo_pattern_destroy(pattern);
  cairo_restore(cr);
  return {};
}

void outline_qr_zone(cairo_t* cr, const Rect& z, double px_per_mm) {
  cairo_save(cr);
  cairo_scale(cr, px_per_mm, px_per_mm);
  cairo_set_source_rgb(cr, 0.1, 0.4, 0.9);
  cairo_set_line_width(cr, 0.2);
  const double dash[] = {1.0, 1.0};
  cairo_set_dash(cr, dash, 2, 0);
  cairo_rectangle(cr, z.x_mm, z.y_mm, z.w_mm, z.h_mm);
  cairo_stroke(cr);
  cairo_restore(cr);
}

}  // namespace

double preview_dpi_for(Resolution device) {
  const int common = std::lcm(std::max(device.x_dpi, 1), std::max(device.y_dpi, 1));
  // Resolutions with no small common multiple (360 x 200): the finer one,
  // so a preview never grows past 1200 dpi.
  int dpi = common <= 1200 ? common : std::max(device.x_dpi, device.y_dpi);
  const int step = dpi;
  while (dpi < 300) dpi += step;
  return std::min(dpi, std::max(1200, step));
}

Result<std::string> render_preview_png(const PagePlan& plan, const Raster& device,
                                       std::string_view form_pdf, double preview_dpi) {
  const double px_per_mm = preview_dpi / kMmPerInch;
  int w = dots(plan.page->width_mm, px_per_mm);
  int h = dots(plan.page->height_mm, px_per_mm);
  // At a whole multiple of the printer's resolution, the whole raster: its
  // last dot is not cut in half where the page's width is not whole dots.
  const double kx = preview_dpi / device.res.x_dpi, ky = preview_dpi / device.res.y_dpi;
  if (kx == std::floor(kx) && ky == std::floor(ky)) {
    w = device.width * static_cast<int>(kx);
    h = device.height * static_cast<int>(ky);
  }
  CairoSurface surface{cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h)};
  if (auto s = surface_ok(surface.s, "creating the preview"); !s) return s.error();
  CairoContext c{cairo_create(surface.s)};
  cairo_t* cr = c.cr;
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);

  if (!form_pdf.empty()) {
    if (auto s = draw_form_page(cr, form_pdf, w, h); !s) return s.error();
  }
  if (auto s = draw_device_ink(cr, device, plan.correction, px_per_mm); !s) return s.error();
  if (plan.page->qr) outline_qr_zone(cr, plan.page->qr->box, px_per_mm);
  if (auto s = cairo_ok(cr, "drawing the preview"); !s) return s.error();

  std::string png;
  cairo_surface_flush(surface.s);
  if (cairo_surface_write_to_png_stream(surface.s, append_to_string, &png) != CAIRO_STATUS_SUCCESS)
    return Error{"Cairo: writing the preview PNG failed"};
  return png;
}

}  // namespace certprint::layout
