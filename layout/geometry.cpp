#include "layout/geometry.hpp"

#include <charconv>
#include <cstdio>
#include <numbers>
#include <optional>

namespace certprint::layout {

std::string Rect::describe() const {
  char buf[96];
  std::snprintf(buf, sizeof buf, "x %.1f–%.1f mm, y %.1f–%.1f mm", x_mm, right_mm(), y_mm,
                bottom_mm());
  return buf;
}

Affine Affine::from_params(double dx_mm, double dy_mm, double scale_x, double scale_y,
                           double skew_deg) {
  const double shear = std::tan(skew_deg * std::numbers::pi / 180.0);
  // x' = sx·x + shear·sy·y + dx ; y' = sy·y + dy
  return Affine{scale_x, 0, shear * scale_y, scale_y, dx_mm, dy_mm};
}

std::optional<Affine> Affine::inverse() const {
  const double det = determinant();
  if (std::fabs(det) < 1e-12) return std::nullopt;
  Affine r;
  r.xx = yy / det;
  r.xy = -xy / det;
  r.yx = -yx / det;
  r.yy = xx / det;
  r.x0 = -(r.xx * x0 + r.xy * y0);
  r.y0 = -(r.yx * x0 + r.yy * y0);
  return r;
}

Affine Affine::compose(const Affine& o) const {
  Affine r;
  r.xx = xx * o.xx + xy * o.yx;
  r.xy = xx * o.xy + xy * o.yy;
  r.yx = yx * o.xx + yy * o.yx;
  r.yy = yx * o.xy + yy * o.yy;
  r.x0 = xx * o.x0 + xy * o.y0 + x0;
  r.y0 = yx * o.x0 + yy * o.y0 + y0;
  return r;
}

bool Affine::is_identity(double eps) const {
  return std::fabs(xx - 1) < eps && std::fabs(yy - 1) < eps && std::fabs(xy) < eps &&
         std::fabs(yx) < eps && std::fabs(x0) < eps && std::fabs(y0) < eps;
}

LinearParts linear_parts(const Affine& a) {
  constexpr double kDegPerRad = 180.0 / std::numbers::pi;
  LinearParts p;
  p.scale_x = std::hypot(a.xx, a.yx);
  p.scale_y = std::hypot(a.xy, a.yy);
  p.determinant = a.determinant();
  p.rotation_deg = std::atan2(a.yx, a.xx) * kDegPerRad;
  // The y column in the frame the x column turned into: its component along
  // the x column against its component along that column's perpendicular
  // (both times the x column's length, which the angle does not need).
  const double along = a.xy * a.xx + a.yy * a.yx;
  p.skew_deg = std::atan2(along, p.determinant) * kDegPerRad;
  return p;
}

std::string Resolution::describe() const {
  return std::to_string(x_dpi) + "x" + std::to_string(y_dpi) + " dpi";
}

Result<Resolution> parse_resolution(std::string_view text) {
  auto number = [](std::string_view s) -> std::optional<int> {
    int v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v < 72 || v > 2400) return std::nullopt;
    return v;
  };
  const auto x = text.find('x');
  auto a = number(text.substr(0, x));
  auto b = x == std::string_view::npos ? a : number(text.substr(x + 1));
  if (!a || !b)
    return Error{"dpi \"" + std::string(text) +
                 "\": expected N or NxM with 72..2400, e.g. 180 or 360x180"};
  return Resolution{*a, *b};
}

}  // namespace certprint::layout
