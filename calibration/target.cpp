#include "calibration/target.hpp"

#include <cairo-pdf.h>
#include <cairo.h>

#include <cmath>
#include <numbers>

#include "layout/qr.hpp"
#include "layout/render.hpp"

namespace certprint::calibration {

std::vector<Mark> target_marks(const layout::PageTemplate& page) {
  layout::Rect area;
  if (page.qr) {
    area = page.qr->box;
  } else {
    double x0 = page.width_mm, y0 = page.height_mm, x1 = 0, y1 = 0;
    for (const auto& f : page.fields) {
      x0 = std::min(x0, f.box.x_mm);
      y0 = std::min(y0, f.box.y_mm);
      x1 = std::max(x1, f.box.right_mm());
      y1 = std::max(y1, f.box.bottom_mm());
    }
    if (x1 <= x0) x0 = 5, y0 = 5, x1 = page.width_mm - 5, y1 = page.height_mm - 5;
    area = {x0, y0, x1 - x0, y1 - y0};
  }
  const double in = 3;  // keep discs and labels inside the area
  return {{"A", {area.x_mm + in, area.y_mm + in}},
          {"B", {area.right_mm() - in, area.y_mm + in}},
          {"C", {area.x_mm + in, area.bottom_mm() - in}},
          {"D", {area.right_mm() - in, area.bottom_mm() - in}},
          {"E", {area.x_mm + area.w_mm / 2, area.y_mm + area.h_mm / 2}}};
}

namespace {

void draw_marks(cairo_t* cr, layout::TextEngine& text, const std::vector<Mark>& marks,
                const layout::Affine& correction) {
  cairo_matrix_t m;
  cairo_matrix_init(&m, correction.xx, correction.yx, correction.xy, correction.yy, correction.x0,
                    correction.y0);
  cairo_transform(cr, &m);
  cairo_set_source_rgba(cr, 0, 0, 0, 1);
  for (const auto& mark : marks) {
    cairo_new_sub_path(cr);
    cairo_arc(cr, mark.nominal.x_mm, mark.nominal.y_mm, kMarkRadiusMm, 0, 2 * std::numbers::pi);
    cairo_fill(cr);
    text.draw_label(cr, mark.label, {mark.nominal.x_mm + 2.2, mark.nominal.y_mm - 1.6}, 7);
  }
}

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

Result<std::string> render_target_pdf(layout::TextEngine& text, const layout::PageTemplate& page,
                                      const std::vector<Mark>& marks,
                                      const layout::Affine& correction) {
  std::string out;
  const double pt = layout::kPointsPerInch / layout::kMmPerInch;
  cairo_surface_t* s =
      cairo_pdf_surface_create_for_stream(append, &out, page.width_mm * pt, page.height_mm * pt);
  cairo_t* cr = cairo_create(s);
  cairo_scale(cr, pt, pt);
  draw_marks(cr, text, marks, correction);
  cairo_show_page(cr);
  const bool ok = cairo_status(cr) == CAIRO_STATUS_SUCCESS;
  cairo_destroy(cr);
  cairo_surface_finish(s);
  const bool finished = cairo_surface_status(s) == CAIRO_STATUS_SUCCESS;
  cairo_surface_destroy(s);
  if (!ok || !finished) return Error{"Cairo: drawing the target PDF failed"};
  return out;
}

Status check_correction(const layout::PageTemplate& page, const layout::Affine& correction,
                        layout::Resolution res) {
  if (!page.qr) return layout::check_device_page(page, correction, nullptr, res);
  // 29 modules: version 3, the size every token's symbol has.
  auto placed = layout::place_qr(*page.qr, 29, correction, res);
  if (!placed) return placed.error();
  return layout::check_device_page(page, correction, &*placed, res);
}

Status check_qr_zone(const layout::PageTemplate& page5, const layout::Affine& correction,
                     layout::Resolution res) {
  if (!page5.qr) return Error{"the page has no QR zone"};
  return check_correction(page5, correction, res);
}

Result<layout::Raster> render_target(layout::TextEngine& text, const layout::PageTemplate& page,
                                     const std::vector<Mark>& marks,
                                     const layout::Affine& correction, layout::Resolution res) {
  const int w = static_cast<int>(std::ceil(page.width_mm * res.dots_per_mm_x() - 1e-9));
  const int h = static_cast<int>(std::ceil(page.height_mm * res.dots_per_mm_y() - 1e-9));
  cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_A8, w, h);
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(s);
    return Error{"Cairo: cannot create the target raster"};
  }
  cairo_t* cr = cairo_create(s);
  cairo_scale(cr, res.dots_per_mm_x(), res.dots_per_mm_y());
  draw_marks(cr, text, marks, correction);
  const bool ok = cairo_status(cr) == CAIRO_STATUS_SUCCESS;
  cairo_destroy(cr);
  cairo_surface_flush(s);
  if (!ok) {
    cairo_surface_destroy(s);
    return Error{"Cairo: drawing the target failed"};
  }
  layout::Raster r = layout::Raster::blank(w, h, res);
  const unsigned char* data = cairo_image_surface_get_data(s);
  const int stride = cairo_image_surface_get_stride(s);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      if (data[static_cast<std::size_t>(y) * stride + x] >= 128) r.set(x, y);
  cairo_surface_destroy(s);
  return r;
}

namespace {

// A connected blob of ink: sums for its centroid, its area in dots, its bounding box.
struct Blob {
  double sx = 0, sy = 0;
  long area = 0;
  int x0 = 1 << 30, y0 = 1 << 30, x1 = -1, y1 = -1;
};

std::size_t dot_index(const layout::Raster& paper, int x, int y) {
  return static_cast<std::size_t>(y) * paper.width + x;
}

// Labels every ink dot 4-connected to (x, y) with `id`, adding each to `b`.
void grow_blob(const layout::Raster& paper, int x, int y, int id, std::vector<int>& label,
               Blob& b) {
  std::vector<std::pair<int, int>> stack(1, {x, y});
  label[dot_index(paper, x, y)] = id;
  while (!stack.empty()) {
    auto [cx, cy] = stack.back();
    stack.pop_back();
    b.sx += cx + 0.5;
    b.sy += cy + 0.5;
    ++b.area;
    b.x0 = std::min(b.x0, cx), b.x1 = std::max(b.x1, cx), b.y0 = std::min(b.y0, cy),
    b.y1 = std::max(b.y1, cy);
    const int nx[4] = {cx + 1, cx - 1, cx, cx}, ny[4] = {cy, cy, cy + 1, cy - 1};
    for (int k = 0; k < 4; ++k) {
      if (nx[k] < 0 || ny[k] < 0 || nx[k] >= paper.width || ny[k] >= paper.height) continue;
      auto& l = label[dot_index(paper, nx[k], ny[k])];
      if (l < 0 && paper.ink(nx[k], ny[k])) {
        l = id;
        stack.push_back({nx[k], ny[k]});
      }
    }
  }
}

// Every blob of ink on the paper (4-neighbour flood fill).
std::vector<Blob> find_blobs(const layout::Raster& paper) {
  std::vector<int> label(static_cast<std::size_t>(paper.width) * paper.height, -1);
  std::vector<Blob> blobs;
  for (int y = 0; y < paper.height; ++y)
    for (int x = 0; x < paper.width; ++x) {
      if (!paper.ink(x, y) || label[dot_index(paper, x, y)] >= 0) continue;
      const int id = static_cast<int>(blobs.size());
      blobs.emplace_back();
      grow_blob(paper, x, y, id, label, blobs.back());
    }
  return blobs;
}

// Label text and smudges are blobs too: only one of about a disc's area and
// roughly as tall as wide on paper can be a mark.
bool disc_like(const Blob& b, layout::Resolution res, double disc_area) {
  if (b.area < 0.6 * disc_area || b.area > 1.6 * disc_area) return false;
  const double w = b.x1 - b.x0 + 1, h = b.y1 - b.y0 + 1;
  return !(w > 1.5 * h * res.x_dpi / res.y_dpi || h > 1.5 * w * res.y_dpi / res.x_dpi);
}

layout::Point centroid_mm(const Blob& b, layout::Resolution res) {
  return {b.sx / b.area / res.dots_per_mm_x(), b.sy / b.area / res.dots_per_mm_y()};
}

// The disc-like blob nearest `mark`, if one lies closer than `search_mm`.
const Blob* nearest_disc(const std::vector<Blob>& blobs, const Mark& mark, layout::Resolution res,
                         double search_mm) {
  const double disc_area =
      std::numbers::pi * kMarkRadiusMm * kMarkRadiusMm * res.dots_per_mm_x() * res.dots_per_mm_y();
  const Blob* best = nullptr;
  double best_d = search_mm;
  for (const auto& b : blobs) {
    if (!disc_like(b, res, disc_area)) continue;
    const layout::Point c = centroid_mm(b, res);
    const double d = std::hypot(c.x_mm - mark.nominal.x_mm, c.y_mm - mark.nominal.y_mm);
    if (d < best_d) best_d = d, best = &b;
  }
  return best;
}

}  // namespace

Result<std::vector<Measurement>> find_marks(const layout::Raster& paper,
                                            const std::vector<Mark>& marks, double search_mm) {
  const std::vector<Blob> blobs = find_blobs(paper);
  std::vector<Measurement> found;
  for (const auto& m : marks) {
    const Blob* best = nearest_disc(blobs, m, paper.res, search_mm);
    if (!best)
      return Error{"mark \"" + m.label + "\" was not found within " + std::to_string(search_mm) +
                   " mm of where it belongs"};
    found.push_back({m.label, centroid_mm(*best, paper.res)});
  }
  return found;
}

}  // namespace certprint::calibration

namespace certprint::calibration {

Result<std::string> render_target_png(layout::TextEngine& text, const layout::PageTemplate& page,
                                      const std::vector<Mark>& marks, double dpi) {
  const double px = dpi / layout::kMmPerInch;
  const int w = static_cast<int>(std::ceil(page.width_mm * px)),
            h = static_cast<int>(std::ceil(page.height_mm * px));
  cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
  cairo_t* cr = cairo_create(s);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_scale(cr, px, px);
  draw_marks(cr, text, marks, layout::Affine::identity());
  cairo_destroy(cr);
  std::string png;
  const bool ok = cairo_surface_write_to_png_stream(s, append, &png) == CAIRO_STATUS_SUCCESS;
  cairo_surface_destroy(s);
  if (!ok) return Error{"Cairo: writing the chart PNG failed"};
  return png;
}

}  // namespace certprint::calibration
