// Reads a PDF's text back with Poppler, as a reader of the printed page would.
#pragma once

#include <poppler.h>

#include <cmath>
#include <regex>

#include <string>
#include <string_view>

namespace certprint::testing {

// All text of all pages, or a string starting with "ERROR:" when Poppler
// cannot open the document.
inline std::string pdf_text(std::string_view pdf) {
  GBytes* bytes = g_bytes_new(pdf.data(), pdf.size());
  GError* err = nullptr;
  PopplerDocument* doc = poppler_document_new_from_bytes(bytes, nullptr, &err);
  g_bytes_unref(bytes);
  if (!doc) {
    std::string msg = std::string("ERROR: ") + (err ? err->message : "unknown");
    if (err) g_error_free(err);
    return msg;
  }
  std::string all;
  for (int i = 0; i < poppler_document_get_n_pages(doc); ++i) {
    PopplerPage* page = poppler_document_get_page(doc, i);
    char* text = poppler_page_get_text(page);
    if (text) all += text;
    g_free(text);
    g_object_unref(page);
  }
  g_object_unref(doc);
  return all;
}

// The number Poppler reads next after `label`, -1 when none follows it or
// the label is missing: a table's cell beside its label (Poppler reads a
// row's cells in turn, with or without white space between them).
inline long long pdf_figure_after(const std::string& text, const std::string& label) {
  const auto at = text.find(label);
  if (at == std::string::npos) return -1;
  const std::string rest = text.substr(at + label.size(), 40);
  std::smatch m;
  if (!std::regex_search(rest, m, std::regex("^\\s*([0-9]+)(\\s|$)"))) return -1;
  return std::stoll(m[1]);
}

// The text Poppler reads inside a rectangle of the first page, given in mm
// from the paper's top-left corner (a template field's box): the characters
// whose centre lies inside, a "\n" where others came between, no white
// space at either end. A string starting with "ERROR:" when Poppler cannot
// read the page.
inline std::string pdf_text_in(std::string_view pdf, double x_mm, double y_mm, double w_mm,
                               double h_mm) {
  GBytes* bytes = g_bytes_new(pdf.data(), pdf.size());
  PopplerDocument* doc = poppler_document_new_from_bytes(bytes, nullptr, nullptr);
  g_bytes_unref(bytes);
  if (!doc) return "ERROR: Poppler cannot open the PDF";
  PopplerPage* page = poppler_document_get_page(doc, 0);
  char* text = poppler_page_get_text(page);
  PopplerRectangle* rects = nullptr;
  guint n = 0;
  poppler_page_get_text_layout(page, &rects, &n);
  std::string out = "ERROR: Poppler's text and its layout disagree";
  if (text && static_cast<glong>(n) == g_utf8_strlen(text, -1)) {
    out.clear();
    const double mm = 25.4 / 72;
    bool gap = false;
    const char* p = text;
    for (guint i = 0; i < n; ++i, p = g_utf8_next_char(p)) {
      const double cx = (rects[i].x1 + rects[i].x2) / 2 * mm;
      const double cy = (rects[i].y1 + rects[i].y2) / 2 * mm;
      if (cx < x_mm || cx > x_mm + w_mm || cy < y_mm || cy > y_mm + h_mm) {
        gap = !out.empty();
        continue;
      }
      if (gap) out += '\n';
      gap = false;
      out.append(p, g_utf8_next_char(p) - p);
    }
    const auto first = out.find_first_not_of(" \n");
    const auto last = out.find_last_not_of(" \n");
    out = first == std::string::npos ? "" : out.substr(first, last - first + 1);
  }
  g_free(rects);
  g_free(text);
  g_object_unref(page);
  g_object_unref(doc);
  return out;
}

// Text read from a PDF as one name: its lines joined by a space when the
// name has spaces (a Latin name wraps between words, dropping the space),
// else with nothing between them, and with no other whitespace.
inline std::string read_as_name(const std::string& pdf_text, std::string_view name) {
  const bool spaced = name.find(' ') != std::string_view::npos;
  std::string out;
  for (char c : pdf_text) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
      out += c;
    else if (spaced && !out.empty() && out.back() != ' ')
      out += ' ';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// Page size in points of the first page; {0,0} on failure.
inline std::pair<double, double> pdf_page_size(std::string_view pdf) {
  GBytes* bytes = g_bytes_new(pdf.data(), pdf.size());
  PopplerDocument* doc = poppler_document_new_from_bytes(bytes, nullptr, nullptr);
  g_bytes_unref(bytes);
  if (!doc) return {0, 0};
  PopplerPage* page = poppler_document_get_page(doc, 0);
  double w = 0, h = 0;
  poppler_page_get_size(page, &w, &h);
  g_object_unref(page);
  g_object_unref(doc);
  return {w, h};
}

}  // namespace certprint::testing

#include <cairo.h>

#include "layout/raster.hpp"

namespace certprint::testing {

// The first page drawn by Poppler at `dpi`, thresholded at 50 %: what a
// PDF printer would put on paper. An empty raster when Poppler fails.
inline layout::Raster rasterize_pdf(std::string_view pdf, int dpi, int ink_alpha = 128) {
  GBytes* bytes = g_bytes_new(pdf.data(), pdf.size());
  PopplerDocument* doc = poppler_document_new_from_bytes(bytes, nullptr, nullptr);
  g_bytes_unref(bytes);
  if (!doc) return {};
  PopplerPage* page = poppler_document_get_page(doc, 0);
  double w_pt = 0, h_pt = 0;
  poppler_page_get_size(page, &w_pt, &h_pt);
  const int w = static_cast<int>(std::ceil(w_pt / 72 * dpi - 1e-9));
  const int h = static_cast<int>(std::ceil(h_pt / 72 * dpi - 1e-9));
  cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
  cairo_t* cr = cairo_create(s);
  cairo_scale(cr, dpi / 72.0, dpi / 72.0);
  poppler_page_render_for_printing(page, cr);
  cairo_destroy(cr);
  cairo_surface_flush(s);
  layout::Raster r = layout::Raster::blank(w, h, {dpi, dpi});
  const unsigned char* data = cairo_image_surface_get_data(s);
  const int stride = cairo_image_surface_get_stride(s);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      if (data[static_cast<std::size_t>(y) * stride + 4 * x + 3] >= ink_alpha) r.set(x, y);
  cairo_surface_destroy(s);
  g_object_unref(page);
  g_object_unref(doc);
  return r;
}

}  // namespace certprint::testing
