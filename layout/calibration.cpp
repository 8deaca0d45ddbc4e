#include "layout/calibration.hpp"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/file.hpp"

namespace certprint::layout {
namespace {

using nlohmann::json;

bool numbers_array(const json& j, std::size_t n) {
  if (!j.is_array() || j.size() != n) return false;
  for (const auto& v : j)
    if (!v.is_number()) return false;
  return true;
}

Result<Affine> page_correction(const json& j, const std::string& path) {
  if (!j.is_object()) return invalid(path + " should be an object");
  if (j.contains("matrix")) {
    const json& m = j.at("matrix");
    if (!numbers_array(m, 6))
      return invalid(path + ".matrix should be [xx, yx, xy, yy, x0, y0], got " + m.dump());
    return Affine{m[0].get<double>(), m[1].get<double>(), m[2].get<double>(),
                  m[3].get<double>(), m[4].get<double>(), m[5].get<double>()};
  }
  double dx = 0, dy = 0, sx = 1, sy = 1, skew = 0;
  for (const auto& [key, value] : j.items()) {
    if (key == "offset_mm") {
      if (!numbers_array(value, 2))
        return invalid(path + ".offset_mm should be [dx, dy], got " + value.dump());
      dx = value[0].get<double>();
      dy = value[1].get<double>();
    } else if (key == "scale") {
      if (!numbers_array(value, 2))
        return invalid(path + ".scale should be [sx, sy], got " + value.dump());
      sx = value[0].get<double>();
      sy = value[1].get<double>();
    } else if (key == "skew_deg") {
      if (!value.is_number()) return invalid(path + ".skew_deg should be a number");
      skew = value.get<double>();
    } else {
      return invalid(path + "." + key +
                     " is not a calibration field (offset_mm, scale, skew_deg, matrix)");
    }
  }
  return Affine::from_params(dx, dy, sx, sy, skew);
}

std::string fixed(double v, int digits) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

// Limits of a correction any real printer could need.
constexpr double kMinScale = 0.8, kMaxScale = 1.25;
constexpr double kMaxOffsetMm = 20;
constexpr double kMaxAngleDeg = 5;  // skew, and rotation: a turned sheet is askew too

// A correction no real feed error needs usually means a wrong page size or
// scaling somewhere upstream, or a page the wrong way round; refusing it
// beats printing a whole batch off-form. The linear part is decomposed
// (linear_parts) because a pure rotation keeps both scales and the angle
// between the axes, and would pass any check of those alone.
Status plausible(const Affine& a, const std::string& path) {
  if (!a.inverse()) return invalid(path + " is singular");
  const LinearParts p = linear_parts(a);
  if (p.mirrored())
    return invalid(path + " mirrors the page (determinant " + fixed(p.determinant, 3) +
                   "); no printer prints a mirror image");
  auto in = [](double s) { return s >= kMinScale && s <= kMaxScale; };
  if (!in(p.scale_x) || !in(p.scale_y))
    return invalid(path + " scale " + fixed(p.scale_x, 4) + " × " + fixed(p.scale_y, 4) +
                   " is implausible (expected 0.8..1.25)");
  if (std::fabs(p.skew_deg) > kMaxAngleDeg)
    return invalid(path + " is skewed by " + fixed(p.skew_deg, 1) + "°; at most " +
                   fixed(kMaxAngleDeg, 1) + "° is plausible");
  if (std::fabs(p.rotation_deg) > kMaxAngleDeg)
    return invalid(path + " is rotated by " + fixed(p.rotation_deg, 1) + "°; at most " +
                   fixed(kMaxAngleDeg, 1) + "° is plausible");
  if (std::fabs(a.x0) > kMaxOffsetMm || std::fabs(a.y0) > kMaxOffsetMm)
    return invalid(path + " offset (" + fixed(a.x0, 3) + ", " + fixed(a.y0, 3) +
                   ") mm is implausible (expected within ±20 mm)");
  return {};
}

// {"offset_360": n}: a whole number of 1/360 inch within the limit.
Result<int> bidi_offset(const json& j) {
  if (!j.is_object()) return invalid("bidirectional should be an object {\"offset_360\": n}");
  for (const auto& [key, value] : j.items())
    if (key != "offset_360")
      return invalid("bidirectional." + key + " is not known (only offset_360)");
  if (!j.contains("offset_360")) return 0;
  const json& v = j.at("offset_360");
  const std::string limit = std::to_string(kMaxBidiOffset360);
  if (!v.is_number_integer() || v.get<long long>() < -kMaxBidiOffset360 ||
      v.get<long long>() > kMaxBidiOffset360)
    return invalid("bidirectional.offset_360 " + v.dump() +
                   ": expected a whole number of "
                   "1/360 inch from -" +
                   limit + " to " + limit);
  return v.get<int>();
}

}  // namespace

Result<Calibration> parse_calibration(std::string_view data, std::string_view origin) {
  const std::string where = "calibration " + std::string(origin);
  json j = json::parse(data, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return invalid(where + ": not a JSON object");
  Calibration c;
  if (j.contains("printer")) {
    if (!j.at("printer").is_string()) return invalid(where + ": printer should be a string");
    c.printer = j.at("printer").get<std::string>();
  }
  if (j.contains("bidirectional")) {
    auto offset = bidi_offset(j.at("bidirectional"));
    if (!offset) return wrap(where, offset.error());
    c.bidi_offset = *offset;
  }
  if (j.contains("pages")) {
    const json& pages = j.at("pages");
    if (!pages.is_object()) return invalid(where + ": pages should be an object");
    for (const auto& [kind, value] : pages.items()) {
      if (kind != "info" && kind != "page5")
        return invalid(where + ": pages." + kind + " is not a page kind (info, page5)");
      auto a = page_correction(value, "pages." + kind);
      if (!a) return wrap(where, a.error());
      if (auto s = plausible(*a, "pages." + kind); !s) return wrap(where, s.error());
      (kind == "info" ? c.info : c.page5) = *a;
    }
  }
  return c;
}

Result<Calibration> load_calibration(const std::filesystem::path& path) {
  auto text = read_file(path, "calibration");
  if (!text) return text.error();
  return parse_calibration(*text, path.string());
}

std::string to_json(const Calibration& c) {
  auto m = [](const Affine& a) { return json{{"matrix", {a.xx, a.yx, a.xy, a.yy, a.x0, a.y0}}}; };
  return json{{"printer", c.printer},
              {"pages", {{"info", m(c.info)}, {"page5", m(c.page5)}}},
              {"bidirectional", {{"offset_360", c.bidi_offset}}}}
      .dump(2);
}

}  // namespace certprint::layout
