// The technician's calls: calibration profiles and targets.
#include "calibration/bidi_pattern.hpp"
#include "daemon/api/api.hpp"
#include "daemon/api/request.hpp"
#include "layout/calibration.hpp"

namespace certprint::api {

using nlohmann::json;

Reply Api::calibration(const Caller& who, const std::string& printer) {
  if (!allowed(who, {Role::technician})) return forbidden(who, "read calibrations");
  auto rows = office_.calibrations(printer);
  if (!rows) return error_reply(rows.error());
  json versions = json::array();
  for (const auto& r : *rows)
    versions.push_back({{"version", r.version},
                        {"set_by", r.set_by},
                        {"set_at_ms", r.set_at},
                        {"profile", json::parse(r.profile, nullptr, false)}});
  json j = {{"printer", printer}, {"versions", versions}};
  j["current"] = rows->empty() ? json(nullptr) : versions.front();
  return {200, j, "application/json", {}};
}

Reply Api::set_calibration(const Caller& who, const std::string& printer, std::string_view body) {
  if (!allowed(who, {Role::technician})) return forbidden(who, "set calibrations");
  if (!printing_.printer(printer))
    return error(404, "not_found", "printer \"" + printer + "\" is not configured");
  auto cal = layout::parse_calibration(body, "body");
  if (!cal) return error(400, "invalid", cal.error().message);
  auto version = office_.set_calibration(actor(who), printer, std::move(*cal));
  if (!version) return error_reply(version.error());
  return {200, {{"printer", printer}, {"version", *version}}, "application/json", {}};
}

Reply Api::print_target(const Caller& who, const std::string& printer, std::string_view body) {
  if (!allowed(who, {Role::technician})) return forbidden(who, "print calibration targets");
  if (!printing_.printer(printer))
    return error(404, "not_found", "printer \"" + printer + "\" is not configured");
  auto j = object_body(body, {"page", "corrected"});
  if (!j) return error_reply(j.error());
  const auto page_text = string_field(*j, "page");
  const auto page = page_text ? issuance::page_kind_from_string(*page_text) : std::nullopt;
  if (!page) return error(400, "invalid", "field \"page\" is required: \"info\" or \"page5\"");
  if (j->contains("corrected") && !j->at("corrected").is_boolean())
    return error(400, "invalid",
                 "field \"corrected\" " + j->at("corrected").dump() + ": expected true or false");
  const bool corrected = j->value("corrected", false);
  auto printed = office_.print_target(actor(who), printer, *page, corrected);
  if (!printed) return error_reply(printed.error());
  json list = json::array();
  for (const auto& m : printed->marks)
    list.push_back({{"label", m.label}, {"x_mm", m.nominal.x_mm}, {"y_mm", m.nominal.y_mm}});
  return {200,
          {{"printer", printer},
           {"page", *page_text},
           {"corrected", corrected},
           {"cups_job_id", printed->cups_job_id},
           {"profile_version", printed->profile_version},
           {"marks", list}},
          "application/json",
          {}};
}

namespace {

// "marks": [{"label": "A", "x_mm": 12.3, "y_mm": 45.6}, ...], 1..16 of
// them, each position in mm from the left and top paper edges.
Result<std::vector<calibration::Measurement>> measured_marks(const json& body) {
  if (!body.contains("marks") || !body["marks"].is_array() || body["marks"].empty() ||
      body["marks"].size() > 16)
    return Error{
        "field \"marks\" is required: a list of 1 to 16 {\"label\", \"x_mm\", "
        "\"y_mm\"}",
        ErrorCode::invalid};
  std::vector<calibration::Measurement> out;
  for (std::size_t i = 0; i < body["marks"].size(); ++i) {
    const json& m = body["marks"][i];
    const std::string at = "marks[" + std::to_string(i) + "]";
    if (!m.is_object() || !m.contains("label") || !m["label"].is_string() ||
        m["label"].get<std::string>().empty() || m["label"].get<std::string>().size() > 8)
      return Error{"field \"" + at + ".label\": expected the mark's label, like \"A\"",
                   ErrorCode::invalid};
    calibration::Measurement one{m["label"].get<std::string>(), {}};
    for (const char* axis : {"x_mm", "y_mm"}) {
      const json& v = m.value(axis, json());
      if (!v.is_number() || !(v.get<double>() >= 0 && v.get<double>() <= 400))
        return Error{"field \"" + at + "." + axis + "\" " + v.dump() +
                         ": expected millimetres (0..400) from the paper's left and top edges",
                     ErrorCode::invalid};
      (axis[0] == 'x' ? one.landed.x_mm : one.landed.y_mm) = v.get<double>();
    }
    out.push_back(std::move(one));
  }
  return out;
}

json point_json(const layout::Point& p) { return json::array({p.x_mm, p.y_mm}); }

json fit_json(const std::string& printer, const std::string& page,
              const engine::CalibrationFit& f) {
  json residuals = json::array();
  for (const auto& r : f.fit.residuals)
    residuals.push_back({{"label", r.label},
                         {"fitted_mm", point_json(r.fitted)},
                         {"landed_mm", point_json(r.landed)},
                         {"residual_mm", r.mm}});
  const auto& c = f.fit.correction;
  json j = {{"printer", printer},
            {"page", page},
            {"model", f.fit.model},
            {"page_mm", {f.page_width_mm, f.page_height_mm}},
            {"correction", {{"matrix", {c.xx, c.yx, c.xy, c.yy, c.x0, c.y0}}}},
            {"residuals", residuals},
            {"max_residual_mm", f.fit.max_residual_mm},
            {"mean_residual_mm", f.fit.mean_residual_mm},
            {"profile", json::parse(layout::to_json(f.proposed))}};
  j["version"] = f.saved_version ? json(*f.saved_version) : json(nullptr);
  return j;
}

}  // namespace

Reply Api::fit_calibration(const Caller& who, const std::string& printer, std::string_view body) {
  if (!allowed(who, {Role::technician})) return forbidden(who, "fit calibrations");
  auto j = object_body(body, {"page", "corrected", "save", "marks", "printed_with_version"});
  if (!j) return error_reply(j.error());
  const auto page_text = string_field(*j, "page");
  const auto page = page_text ? issuance::page_kind_from_string(*page_text) : std::nullopt;
  if (!page) return error(400, "invalid", "field \"page\" is required: \"info\" or \"page5\"");
  for (const char* flag : {"corrected", "save"})
    if (j->contains(flag) && !j->at(flag).is_boolean())
      return error(
          400, "invalid",
          std::string("field \"") + flag + "\" " + j->at(flag).dump() + ": expected true or false");
  std::optional<int> printed_with;
  if (j->contains("printed_with_version")) {
    const json& v = j->at("printed_with_version");
    if (!v.is_number_integer() || v.get<long long>() < 0 || v.get<long long>() > 1'000'000'000)
      return error(400, "invalid",
                   "field \"printed_with_version\" " + v.dump() +
                       ": expected the profile_version the target was printed with");
    printed_with = v.get<int>();
  }
  auto marks = measured_marks(*j);
  if (!marks) return error_reply(marks.error());
  auto f = office_.fit_calibration(actor(who), printer, *page, *marks, j->value("corrected", false),
                                   printed_with, j->value("save", false));
  if (!f) return error_reply(f.error());
  return {200, fit_json(printer, *page_text, *f), "application/json", {}};
}

Reply Api::target_chart(const Caller& who, const std::string& page_text) {
  if (!allowed(who, {Role::technician})) return forbidden(who, "download calibration charts");
  const auto page = issuance::page_kind_from_string(page_text);
  if (!page)
    return error(400, "invalid",
                 "parameter \"page\" \"" + page_text + "\": expected info or page5");
  auto pdf = office_.target_chart_pdf(*page);
  if (!pdf) return error_reply(pdf.error());
  return {200, nullptr, "application/pdf", std::move(*pdf)};
}

}  // namespace certprint::api

namespace certprint::api {

Reply Api::print_bidi_pattern(const Caller& who, const std::string& printer,
                              std::string_view body) {
  if (!allowed(who, {Role::technician})) return forbidden(who, "print alignment patterns");
  if (!printing_.printer(printer))
    return error(404, "not_found", "printer \"" + printer + "\" is not configured");
  if (body.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    auto j = object_body(body, {});
    if (!j) return error_reply(j.error());
  }
  auto printed = office_.print_bidi_pattern(actor(who), printer);
  if (!printed) return error_reply(printed.error());
  return {200,
          {{"printer", printer},
           {"cups_job_id", printed->cups_job_id},
           {"profile_version", printed->profile_version},
           {"bidi_offset", printed->bidi_offset},
           {"candidates", calibration::kBidiCandidates}},
          "application/json",
          {}};
}

Reply Api::align_bidi(const Caller& who, const std::string& printer, std::string_view body) {
  if (!allowed(who, {Role::technician})) return forbidden(who, "align printers");
  if (!printing_.printer(printer))
    return error(404, "not_found", "printer \"" + printer + "\" is not configured");
  auto j = object_body(body, {"aligned", "printed_with_version"});
  if (!j) return error_reply(j.error());
  const json aligned = j->value("aligned", json());
  const int n = calibration::kBidiCandidates;
  if (!aligned.is_number_integer() || aligned.get<long long>() < -n || aligned.get<long long>() > n)
    return error(400, "invalid",
                 "field \"aligned\" " + aligned.dump() +
                     ": expected the number under the bars that meet, -" + std::to_string(n) +
                     " to " + std::to_string(n));
  const json version = j->value("printed_with_version", json());
  if (!version.is_number_integer() || version.get<long long>() < 0 ||
      version.get<long long>() > 1'000'000'000)
    return error(400, "invalid",
                 "field \"printed_with_version\" " + version.dump() +
                     ": expected the profile_version the pattern was printed with");
  auto done = office_.align_bidi(actor(who), printer, aligned.get<int>(), version.get<int>());
  if (!done) return error_reply(done.error());
  json out = {{"printer", printer}, {"bidi_offset", done->bidi_offset}, {"changed", done->changed}};
  out["version"] = done->version > 0 ? json(done->version) : json(nullptr);
  return {200, out, "application/json", {}};
}

}  // namespace certprint::api
