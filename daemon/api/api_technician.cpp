// The technician's calls: calibration profiles and targets.
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
           {"marks", list}},
          "application/json",
          {}};
}

}  // namespace certprint::api
