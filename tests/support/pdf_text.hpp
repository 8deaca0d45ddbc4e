// Reads a PDF's text back with Poppler, as a reader of the printed page would.
#pragma once

#include <poppler.h>

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
