// The bidirectional alignment pattern for 24-pin passbook printers.
//
// A printer printing both ways lands its right-to-left passes a little to
// one side of its left-to-right ones; the passbook driver moves every
// right-to-left pass by the printer's offset (1/360 inch, BidiOffset) to
// meet them. The pattern measures what offset is needed.
//
// It is a 360x180-dpi raster of identical groups, each exactly two head
// passes of the driver (which starts a pass at the first inked row not yet
// printed, and alternates directions starting left to right):
//   first pass (left to right): a rule, the candidates' numbers -8..8, and
//     a short vertical bar over each number;
//   second pass (right to left): under each bar another bar, drawn k/360
//     inch to the right of the bar above for candidate k.
// Printed with the offset in force, the two bars of the candidate whose k
// makes up the printer's error meet in one straight line: the new offset is
// the one in force plus that k. Printed again with it, candidate 0 meets.
#pragma once

#include <vector>

#include "common/result.hpp"
#include "layout/raster.hpp"

namespace certprint::calibration {

inline constexpr int kBidiCandidates = 8;  // candidates -8..8

struct BidiPattern {
  layout::Raster raster;        // 360x180 dpi
  std::vector<int> group_tops;  // the first row of each group (its first pass)
  // The left column of candidate k's bars, k = -kBidiCandidates..: the
  // upper bar at upper_x[i], the lower one drawn at upper_x[i] + k.
  std::vector<int> upper_x;
  int bar_width = 0;      // columns
  int upper_bar_row = 0;  // a row of the upper bars, from a group's top
  int lower_bar_row = 0;  // a row of the lower bars, from a group's top
};

// The pattern on a page of the given size; refused (ErrorCode::refused)
// on a page too small to hold it, saying the size it needs.
Result<BidiPattern> bidi_pattern(double width_mm, double height_mm);

}  // namespace certprint::calibration
