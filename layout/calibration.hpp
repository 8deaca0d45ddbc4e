// A printer's calibration as rendering uses it: per page kind, the correction
// that maps a nominal position on paper (mm from the paper edges) to the
// position the printer must be told to draw at so that ink lands there.
//
// File form (JSON), each page optional (absent = identity):
//   {"printer": "desk-3", "pages": {
//      "info":  {"offset_mm": [0.4, -0.2], "scale": [1.0, 1.0], "skew_deg": 0.0},
//      "page5": {"matrix": [xx, yx, xy, yy, x0, y0]}},
//    "bidirectional": {"offset_360": 2}}
// `bidirectional` (absent = 0) is for passbook printers printing the
// information page in both directions: how far to move every right-to-left
// pass, in 1/360 inch (the driver's BidiOffset).
// How the numbers are measured is the calibration library's business.
#pragma once

#include <filesystem>
#include <string>

#include "common/result.hpp"
#include "layout/geometry.hpp"

namespace certprint::layout {

// The largest bidirectional offset, 0.1 inch (the driver's limit too): a
// printer further off needs service, not calibration.
inline constexpr int kMaxBidiOffset360 = 36;

struct Calibration {
  std::string printer;  // free text naming the printer the numbers belong to
  Affine info;          // info page correction
  Affine page5;         // page 5 correction
  int bidi_offset = 0;  // 1/360 inch, right-to-left passes; |n| <= kMaxBidiOffset360

  const Affine& for_page(std::string_view kind) const { return kind == "page5" ? page5 : info; }
};

// Refuses (ErrorCode::invalid) malformed files, singular maps, mirror images
// and corrections far beyond any real printer's (|offset| > 20 mm, an
// axis's scale outside 0.8..1.25, |skew| or |rotation| > 5°; see
// linear_parts) or a bidirectional offset that is not a whole number within
// kMaxBidiOffset360, naming the page or field and the value.
Result<Calibration> load_calibration(const std::filesystem::path& path);
Result<Calibration> parse_calibration(std::string_view json, std::string_view origin);
std::string to_json(const Calibration& c);

}  // namespace certprint::layout
