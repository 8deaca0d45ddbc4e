// A layout raster as a CUPS raster stream (application/vnd.cups-raster),
// the input of CUPS raster drivers such as the passbook filter.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"

#include "daemon/printing/port.hpp"
#include "issuance/record.hpp"
#include "layout/raster.hpp"

namespace certprint::printing::cups {

// One page, 1 bit per pixel, colour space K (1 = ink), the page size in
// points from the raster's size and resolution, no margins: the document
// covers the whole booklet page, measured from its paper edges.
Result<std::string> to_cups_raster(const layout::Raster& raster);

// One drawn page as the job a printer of `format` takes: its PDF, or its
// raster as CUPS raster. Fails when the page was not drawn in that form.
Result<PageJob> page_job(DocumentFormat format, const std::string& pdf,
                         const std::optional<layout::Raster>& raster, double width_mm,
                         double height_mm);

// The passbook driver's options for a page (rastertopassbook, ppd/):
// page 5 always Direction=Unidirectional (the QR is never printed in two
// directions); the information page in the queue's own direction, with
// BidiOffset=`bidi_offset` (1/360 inch) for its right-to-left passes.
std::vector<std::pair<std::string, std::string>> passbook_options(issuance::PageKind kind,
                                                                  int bidi_offset);

// Reads back the first page of a CUPS raster stream (for tests and tools).
Result<layout::Raster> from_cups_raster(const std::string& stream);

}  // namespace certprint::printing::cups
