#include "calibration/fit.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

namespace certprint::calibration {
namespace {

std::string mm(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", v);
  return b;
}

std::string mm1(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

// Solves the 3x3 system a·x = b (Gaussian elimination with pivoting).
bool solve3(double a[3][3], double b[3], double x[3]) {
  int p[3] = {0, 1, 2};
  for (int c = 0; c < 3; ++c) {
    int best = c;
    for (int r = c + 1; r < 3; ++r)
      if (std::fabs(a[p[r]][c]) > std::fabs(a[p[best]][c])) best = r;
    std::swap(p[c], p[best]);
    if (std::fabs(a[p[c]][c]) < 1e-12) return false;
    for (int r = c + 1; r < 3; ++r) {
      const double f = a[p[r]][c] / a[p[c]][c];
      for (int k = c; k < 3; ++k) a[p[r]][k] -= f * a[p[c]][k];
      b[p[r]] -= f * b[p[c]];
    }
  }
  for (int c = 2; c >= 0; --c) {
    double s = b[p[c]];
    for (int k = c + 1; k < 3; ++k) s -= a[p[c]][k] * x[k];
    x[c] = s / a[p[c]][c];
  }
  return true;
}

// Pairs of (where the printer was told to draw, where it landed), in the
// order of the measurements.
using DrawnLanded = std::vector<std::pair<layout::Point, layout::Point>>;

Result<DrawnLanded> pair_marks(const std::vector<Mark>& marks,
                               const std::vector<Measurement>& measured,
                               const layout::Affine& drawn_with) {
  std::map<std::string, layout::Point> nominal;
  for (const auto& m : marks) nominal[m.label] = m.nominal;
  std::map<std::string, bool> seen;
  DrawnLanded pairs;
  for (const auto& m : measured) {
    auto it = nominal.find(m.label);
    if (it == nominal.end()) return Error{"mark \"" + m.label + "\" is not on this target"};
    if (seen[m.label]) return Error{"mark \"" + m.label + "\" is given twice"};
    if (!std::isfinite(m.landed.x_mm) || !std::isfinite(m.landed.y_mm))
      return Error{"mark \"" + m.label + "\" has no finite position"};
    seen[m.label] = true;
    pairs.emplace_back(drawn_with.apply(it->second), m.landed);
  }
  return pairs;
}

layout::Affine fit_offset(const DrawnLanded& pairs) {
  return layout::Affine::translation(pairs[0].second.x_mm - pairs[0].first.x_mm,
                                     pairs[0].second.y_mm - pairs[0].first.y_mm);
}

layout::Affine fit_offset_scale(const DrawnLanded& pairs) {
  const auto& [a0, b0] = pairs[0];
  const auto& [a1, b1] = pairs[1];
  const double dx = a1.x_mm - a0.x_mm, dy = a1.y_mm - a0.y_mm;
  // Two marks side by side fix no vertical scale (and vice versa): keep 1.
  const double sx = std::fabs(dx) > 5 ? (b1.x_mm - b0.x_mm) / dx : 1.0;
  const double sy = std::fabs(dy) > 5 ? (b1.y_mm - b0.y_mm) / dy : 1.0;
  layout::Affine d{sx, 0, 0, sy, 0, 0};
  d.x0 = (b0.x_mm + b1.x_mm - sx * (a0.x_mm + a1.x_mm)) / 2;
  d.y0 = (b0.y_mm + b1.y_mm - sy * (a0.y_mm + a1.y_mm)) / 2;
  return d;
}

// Least squares through the normal equations, one 3x3 system per axis.
Result<layout::Affine> fit_affine(const DrawnLanded& pairs) {
  double ata[3][3] = {}, atx[3] = {}, aty[3] = {};
  for (const auto& [a, b] : pairs) {
    const double v[3] = {a.x_mm, a.y_mm, 1};
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) ata[i][j] += v[i] * v[j];
      atx[i] += v[i] * b.x_mm;
      aty[i] += v[i] * b.y_mm;
    }
  }
  // solve3 eliminates in place, so the second axis needs its own copy.
  double ata2[3][3];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) ata2[i][j] = ata[i][j];
  double px[3], py[3];
  if (!solve3(ata, atx, px) || !solve3(ata2, aty, py))
    return Error{"the marks lie on one line: measure marks spread over the page"};
  return layout::Affine{px[0], py[0], px[1], py[1], px[2], py[2]};
}

const char* model_name(std::size_t mark_count) {
  if (mark_count == 1) return "offset";
  if (mark_count == 2) return "offset+scale";
  return "affine";
}

// Device -> landed, by the richest model the number of marks determines.
Result<layout::Affine> fit_distortion(const DrawnLanded& pairs) {
  if (pairs.size() == 1) return fit_offset(pairs);
  if (pairs.size() == 2) return fit_offset_scale(pairs);
  return fit_affine(pairs);
}

std::string degrees(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

// A wrong page size or CUPS scaling, a page fed the wrong way round or
// marks measured from the wrong edge still fit well; only the map's linear
// part gives them away. It is decomposed (layout::linear_parts) because a
// rotation keeps both scales and the right angle between the axes.
Status check_plausible(const layout::Affine& d, const FitLimits& limits) {
  const layout::LinearParts p = layout::linear_parts(d);
  if (p.mirrored())
    return invalid("the fitted map mirrors the page (determinant " + mm(p.determinant) +
                   "): measure every mark from the left and top paper edges");
  if (p.scale_x < limits.min_scale || p.scale_x > limits.max_scale ||
      p.scale_y < limits.min_scale || p.scale_y > limits.max_scale)
    return invalid("fitted scale " + mm(p.scale_x) + " x " + mm(p.scale_y) +
                   " is implausible (expected " + mm(limits.min_scale) + ".." +
                   mm(limits.max_scale) +
                   "): is the page size right, or is CUPS scaling the page?");
  if (std::fabs(p.skew_deg) > limits.max_skew_deg)
    return invalid("the fitted map is skewed by " + degrees(p.skew_deg) + "°; at most " +
                   degrees(limits.max_skew_deg) + "° is plausible: is the booklet fed straight?");
  if (std::fabs(p.rotation_deg) > limits.max_skew_deg)
    return invalid("the fitted map is rotated by " + degrees(p.rotation_deg) + "°; at most " +
                   degrees(limits.max_skew_deg) +
                   "° is plausible: is the booklet fed straight and the right way round?");
  return {};
}

void record_residuals(FitResult& r, const layout::Affine& d, const DrawnLanded& pairs,
                      const std::vector<Measurement>& measured) {
  const std::size_t n = pairs.size();
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const layout::Point p = d.apply(pairs[i].first);
    const double e = std::hypot(p.x_mm - pairs[i].second.x_mm, p.y_mm - pairs[i].second.y_mm);
    r.residuals.push_back({measured[i].label, p, pairs[i].second, e});
    r.max_residual_mm = std::max(r.max_residual_mm, e);
    sum += e;
  }
  r.mean_residual_mm = sum / static_cast<double>(n);
}

// Names the first mark that landed implausibly far from where it was drawn.
Status check_offsets(const DrawnLanded& pairs, const std::vector<Measurement>& measured,
                     const FitLimits& limits) {
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const auto& [drawn, landed] = pairs[i];
    const double d = std::hypot(landed.x_mm - drawn.x_mm, landed.y_mm - drawn.y_mm);
    if (!(d > limits.max_offset_mm)) continue;
    return invalid("mark \"" + measured[i].label + "\" landed " + mm1(d) +
                   " mm from where it was drawn (" + mm1(drawn.x_mm) + ", " + mm1(drawn.y_mm) +
                   "); at most " + mm1(limits.max_offset_mm) +
                   " mm is plausible: is it labelled as on the target, and measured from the "
                   "left and top paper edges?");
  }
  return {};
}

// Names the mark the fit misses most, the one to re-measure.
Status check_residuals(const FitResult& r, const FitLimits& limits) {
  // Negated rather than <=, so a NaN limit still refuses nothing.
  if (!(r.max_residual_mm > limits.max_residual_mm)) return {};
  std::string worst;
  for (const auto& e : r.residuals)
    if (e.mm == r.max_residual_mm) worst = e.label;
  return Error{"mark \"" + worst + "\" is " + mm(r.max_residual_mm) + " mm off the fit (limit " +
               mm(limits.max_residual_mm) + " mm): re-measure it, or leave it out"};
}

}  // namespace

Result<FitResult> fit(const std::vector<Mark>& marks, const std::vector<Measurement>& measured,
                      const layout::Affine& drawn_with, const FitLimits& limits) {
  if (measured.empty()) return Error{"no marks measured: give at least one (--mark A=x,y)"};
  auto pairs = pair_marks(marks, measured, drawn_with);
  if (!pairs) return pairs.error();
  FitResult r;
  r.model = model_name(pairs->size());
  auto d = fit_distortion(*pairs);  // device -> landed
  if (!d) return d.error();
  if (auto s = check_plausible(*d, limits); !s) return s.error();
  auto inverse = d->inverse();
  if (!inverse) return Error{"the fitted map is singular"};
  record_residuals(r, *d, *pairs, measured);
  if (auto s = check_residuals(r, limits); !s) return s.error();
  // Last: a scale, a rotation or a mirror explains a far mark better.
  if (auto s = check_offsets(*pairs, measured, limits); !s) return s.error();
  r.distortion = *d;
  // Draw where the distortion will carry it onto the nominal position.
  r.correction = *inverse;
  return r;
}

Result<Measurement> parse_mark(std::string_view text) {
  const auto eq = text.find('='), comma = text.find(',');
  auto number = [](std::string_view s) -> std::optional<double> {
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
  };
  if (eq == std::string_view::npos || comma == std::string_view::npos || comma < eq || eq == 0)
    return Error{"mark \"" + std::string(text) + "\": expected LABEL=X,Y in mm, like A=12.3,45.6"};
  auto x = number(text.substr(eq + 1, comma - eq - 1)), y = number(text.substr(comma + 1));
  if (!x || !y || !std::isfinite(*x) || !std::isfinite(*y) || *x < 0 || *y < 0 || *x > 400 ||
      *y > 400)
    return Error{"mark \"" + std::string(text) +
                 "\": X and Y should be millimetres from the left and top paper edges"};
  return Measurement{std::string(text.substr(0, eq)), {*x, *y}};
}

}  // namespace certprint::calibration
