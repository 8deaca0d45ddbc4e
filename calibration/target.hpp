// Calibration targets: marks at known positions over the printed area of a
// page (page 5: around its QR zone), drawn through the same transform chain
// as real pages (paper mm, the printer's correction, its dot grid), and
// found again in an image of the printed paper.
#pragma once

#include <string>
#include <vector>

#include "calibration/fit.hpp"
#include "common/result.hpp"
#include "layout/raster.hpp"
#include "layout/template.hpp"
#include "layout/text.hpp"

namespace certprint::calibration {

inline constexpr double kMarkRadiusMm = 1.2;

// Five marks: four near the corners of the area the page prints on (the
// field boxes' extent; page 5: the QR zone) and one in its middle.
std::vector<Mark> target_marks(const layout::PageTemplate& page);

// The target as the printer receives it: a filled disc per mark, its label
// beside it, everything mapped through `correction`.
Result<layout::Raster> render_target(layout::TextEngine& text, const layout::PageTemplate& page,
                                     const std::vector<Mark>& marks,
                                     const layout::Affine& correction, layout::Resolution res);

// The same target as a one-page vector PDF (for PDF printers and charts).
Result<std::string> render_target_pdf(layout::TextEngine& text, const layout::PageTemplate& page,
                                      const std::vector<Mark>& marks,
                                      const layout::Affine& correction);

// Refuses a correction under which what the page draws would be clipped
// or land off its place, as layout::plan_page would refuse every real page:
// a field box or the QR's footprint leaving the device page
// (layout::check_device_page), or on page 5 a QR symbol (version 3, as the
// tokens make) landing outside its zone. The error names the page, the
// field or QR, and by how much.
Status check_correction(const layout::PageTemplate& page, const layout::Affine& correction,
                        layout::Resolution res);

// check_correction for page 5; fails on a page without a QR zone.
Status check_qr_zone(const layout::PageTemplate& page5, const layout::Affine& correction,
                     layout::Resolution res);

// Where each mark landed on `paper` (an image of the printed page, its
// resolution in paper dots): the centroid of the disc-sized blob nearest
// the mark's nominal position within `search_mm`. Fails naming a mark that
// cannot be found.
Result<std::vector<Measurement>> find_marks(const layout::Raster& paper,
                                            const std::vector<Mark>& marks, double search_mm = 5.0);

}  // namespace certprint::calibration

namespace certprint::calibration {
// A PNG of the target at `dpi` on white, for a technician to look at.
Result<std::string> render_target_png(layout::TextEngine& text, const layout::PageTemplate& page,
                                      const std::vector<Mark>& marks, double dpi);
}  // namespace certprint::calibration
