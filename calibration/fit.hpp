// Fitting a printer's correction from where calibration marks landed.
//
// A technician (or the closed-loop test) measures where each mark of a
// printed target landed, in mm from the page's left and top paper edges.
// The printer's distortion D maps where it was told to draw to where ink
// landed; the correction the layout applies is its inverse. With one mark
// the fit is an offset, with two an offset and a scale per axis, with three
// or more a full affine map, each by least squares.
#pragma once

#include <string>
#include <vector>

#include "common/result.hpp"
#include "layout/geometry.hpp"

namespace certprint::calibration {

struct Mark {
  std::string label;      // "A", "B", ...
  layout::Point nominal;  // where the target asked for it, paper mm
};

struct Measurement {
  std::string label;
  layout::Point landed;  // where it was measured, paper mm
};

// "A=12.30,45.60" -> mark A landed at x 12.30 mm, y 45.60 mm from the left
// and top paper edges.
Result<Measurement> parse_mark(std::string_view text);

struct FitLimits {
  double max_residual_mm = 0.5;  // a mark the fit misses by more is refused
  double min_scale = 0.95;       // outside these, the page size or CUPS scaling is wrong
  double max_scale = 1.05;
  double max_skew_deg = 2.0;  // and rotation: a sheet turned further is not fed straight
  // How far a mark may land from where it was drawn: a passbook printer
  // misplaces a page by a few mm; more means mislabelled marks or the
  // wrong edge measured from.
  double max_offset_mm = 6.0;
};

// How far the fit misses one mark: where the fitted map says it should have
// landed, where it was measured, and the distance between them.
struct Residual {
  std::string label;
  layout::Point fitted;  // paper mm
  layout::Point landed;  // paper mm
  double mm = 0;
};

struct FitResult {
  layout::Affine distortion;        // device mm -> landed paper mm, as measured
  layout::Affine correction;        // what rendering applies: nominal -> device mm
  std::vector<Residual> residuals;  // per mark, in the order measured
  double max_residual_mm = 0;
  double mean_residual_mm = 0;
  std::string model;  // "offset", "offset+scale" or "affine"
};

// `drawn_with` is the correction in force when the target was printed
// (identity for a first calibration): the new correction composes with it,
// so a technician can refine an existing profile. Refuses unknown labels,
// duplicate labels, no marks, large residuals, and a printer map that
// mirrors the page or whose scale, skew or rotation (layout::linear_parts)
// is implausible, naming the mark or the value.
Result<FitResult> fit(const std::vector<Mark>& marks, const std::vector<Measurement>& measured,
                      const layout::Affine& drawn_with, const FitLimits& limits);

}  // namespace certprint::calibration
