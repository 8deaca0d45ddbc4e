// Rendering one booklet page: plan once (fit every text, place the QR, check
// every rule), then draw the same plan as vector PDF, as 1-bit device raster,
// or as a PNG preview over the blank form. A plan that breaks a rule is
// refused before anything is drawn, so no output is ever half right.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "layout/geometry.hpp"
#include "layout/qr.hpp"
#include "layout/raster.hpp"
#include "layout/template.hpp"
#include "layout/text.hpp"

namespace certprint::layout {

// How a printer takes pages.
struct DeviceProfile {
  Resolution res;  // the printer's own dot grid
};

// What goes on one page.
struct PageContent {
  std::map<std::string, std::string> fields;  // template field name -> text
  std::string qr_payload;                     // page 5 only
};

struct PagePlan {
  const PageTemplate* page = nullptr;  // not owned; outlives the plan
  Affine correction;                   // paper mm -> device mm
  DeviceProfile device;
  std::vector<FittedText> texts;
  std::optional<QrMatrix> qr;
  std::optional<QrPlacement> qr_at;
};

// Checks and resolves a page. Every template field needs a value (it may be
// empty); page 5 needs a QR payload and the QR must land inside its zone;
// everything drawn must stay on the device page (check_device_page).
Result<PagePlan> plan_page(TextEngine& text, const PageTemplate& page, const PageContent& content,
                           const Affine& correction, const DeviceProfile& device);

// The printer draws nothing outside its page, so content the correction
// moves past an edge is clipped even when it would land in place on paper.
// Refuses (ErrorCode::refused) when a field box, mapped through
// `correction`, or the QR's footprint on the device grid (quiet zone
// included; `qr` may be null) is not within 0..width_mm x 0..height_mm of
// the page, naming the page, the field or "QR", the edge and by how much:
// `page5 QR: would end 5.49 mm below the page's bottom edge (128.0 mm)`.
Status check_device_page(const PageTemplate& page, const Affine& correction, const QrPlacement* qr,
                         Resolution res);

// One-page PDF, page size from the template, QR modules on the device grid.
Result<std::string> render_pdf(TextEngine& text, const PagePlan& plan);

// The page at the device resolution, text thresholded at 50 %.
Result<Raster> render_raster(TextEngine& text, const PagePlan& plan);

// The drawn stand-in of the blank form (the template's form items) as a
// one-page PDF, for previews when no scan of a real blank is supplied.
Result<std::string> render_form_pdf(TextEngine& text, const PageTemplate& page);

// The resolution a preview of a `device` raster is drawn at: the smallest
// common multiple of its two resolutions that is at least 300 dpi (at most
// 1200: else the finer resolution's multiple), so that
// every printer dot becomes a whole block of pixels (180 dpi: 2 x 2) and
// each character reads as the printer will print it, not blurred by a
// fractional resampling.
double preview_dpi_for(Resolution device);

// A PNG at `preview_dpi` showing the form PDF's first page (scaled to the
// page) with the device raster on top where it lands on paper, and the QR
// zone outlined on page 5.
Result<std::string> render_preview_png(const PagePlan& plan, const Raster& device,
                                       std::string_view form_pdf, double preview_dpi);

}  // namespace certprint::layout
