// Plain geometry for page layout. All lengths are millimetres measured from
// the page's left and top paper edges (套打 practice), x to the right, y down.
#pragma once

#include <array>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace certprint::layout {

inline constexpr double kMmPerInch = 25.4;
inline constexpr double kPointsPerInch = 72.0;

struct Point {
  double x_mm = 0;
  double y_mm = 0;
};

struct Rect {
  double x_mm = 0;
  double y_mm = 0;
  double w_mm = 0;
  double h_mm = 0;
  double right_mm() const { return x_mm + w_mm; }
  double bottom_mm() const { return y_mm + h_mm; }
  // Inclusive containment with a tolerance for rounding (default 1 µm).
  bool contains(Point p, double tolerance_mm = 1e-3) const {
    return p.x_mm >= x_mm - tolerance_mm && p.x_mm <= right_mm() + tolerance_mm &&
           p.y_mm >= y_mm - tolerance_mm && p.y_mm <= bottom_mm() + tolerance_mm;
  }
  std::string describe() const;  // "x 12.0–82.0 mm, y 86.0–122.0 mm"
};

// An affine map p' = (xx·x + xy·y + x0, yx·x + yy·y + y0), the layout of
// cairo_matrix_t.
struct Affine {
  double xx = 1, yx = 0, xy = 0, yy = 1, x0 = 0, y0 = 0;

  static Affine identity() { return {}; }
  static Affine translation(double dx_mm, double dy_mm) { return {1, 0, 0, 1, dx_mm, dy_mm}; }
  // Scale about the page origin, then a horizontal shear of skew_deg
  // (x grows by tan(skew)·y, the way a sheet fed slightly askew lands), then
  // an offset.
  static Affine from_params(double dx_mm, double dy_mm, double scale_x, double scale_y,
                            double skew_deg);

  Point apply(Point p) const {
    return {xx * p.x_mm + xy * p.y_mm + x0, yx * p.x_mm + yy * p.y_mm + y0};
  }
  double determinant() const { return xx * yy - xy * yx; }
  // nullopt when the map is singular.
  std::optional<Affine> inverse() const;
  // (this ∘ other)(p) = this(other(p))
  Affine compose(const Affine& other) const;
  bool is_identity(double eps = 1e-12) const;
};

// The linear part of an affine map, read the way a printer distorts a page:
// each axis's scale is the length of the image of that axis (a column of the
// matrix), the rotation is the angle of the image of the x axis, and the
// skew is how far the image of the y axis leans from perpendicular to it,
// toward +x (Affine::from_params's skew_deg). Comparing the two columns'
// angles, rather than each with its own axis, is what tells a rotation,
// which turns both alike, from a skew, which opens the angle between them.
struct LinearParts {
  double scale_x = 1;
  double scale_y = 1;
  double rotation_deg = 0;  // -180..180; positive turns +x toward +y (clockwise on paper)
  double skew_deg = 0;      // -180..180; a mirror reads as about ±180
  double determinant = 1;   // negative: the map mirrors the page
  bool mirrored() const { return determinant < 0; }
};

LinearParts linear_parts(const Affine& a);

// A device resolution in dots per inch, per axis.
struct Resolution {
  int x_dpi = 180;
  int y_dpi = 180;
  double dots_per_mm_x() const { return x_dpi / kMmPerInch; }
  double dots_per_mm_y() const { return y_dpi / kMmPerInch; }
  std::string describe() const;  // "360x180 dpi"
};

// Parses "180" or "360x180" (72..2400 per axis); the error quotes the text.
Result<Resolution> parse_resolution(std::string_view text);

}  // namespace certprint::layout
