#include "daemon/api/request.hpp"

namespace certprint::api {

using nlohmann::json;

Reply error(int status, const std::string& code, const std::string& message, json fields) {
  json e = {{"code", code}, {"message", message}};
  if (!fields.is_null()) e["fields"] = std::move(fields);
  return {status, {{"error", e}}, "application/json", {}};
}

Reply error_reply(const Error& e) {
  int status = 500;
  std::string code = "internal";
  switch (e.code) {
    case ErrorCode::invalid:
      status = 400;
      code = "invalid";
      break;
    case ErrorCode::not_found:
      status = 404;
      code = "not_found";
      break;
    case ErrorCode::conflict:
      status = 409;
      code = "conflict";
      break;
    case ErrorCode::refused:
      status = 422;
      code = "refused";
      break;
    case ErrorCode::unavailable:
      status = 503;
      code = "unavailable";
      break;
    case ErrorCode::failed:
      break;
  }
  if (!e.keyword.empty()) code = e.keyword;
  if (!e.field.empty())
    return error(status, code, e.message,
                 json::array({{{"field", e.field}, {"problem", e.message}}}));
  return error(status, code, e.message);
}

Reply forbidden(const Caller& who, std::string_view call) {
  return error(403, "forbidden",
               "role " + std::string(to_string(who.role)) + " may not " + std::string(call));
}

bool allowed(const Caller& who, std::initializer_list<Role> roles) {
  for (Role r : roles)
    if (who.role == r) return true;
  return false;
}

engine::Actor actor(const Caller& who) { return {who.name, std::string(to_string(who.role))}; }

Result<json> object_body(std::string_view body, std::initializer_list<const char*> allowed_fields) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return invalid("body is not valid JSON");
  if (!j.is_object()) return invalid("body should be a JSON object");
  for (const auto& [k, v] : j.items()) {
    bool known = false;
    for (const char* a : allowed_fields) known = known || k == a;
    if (!known) return invalid("field \"" + k + "\" is not expected here");
  }
  return j;
}

std::optional<std::string> string_field(const json& j, const char* name) {
  if (!j.contains(name) || !j.at(name).is_string()) return std::nullopt;
  return j.at(name).get<std::string>();
}

Result<issuance::Holder> holder_param(const std::string& text) {
  auto h = issuance::holder_from_string(text);
  if (!h) return invalid("holder \"" + text + "\": expected male or female");
  return *h;
}

json booklet_json(const store::BookletRow& b) {
  json j = {{"id", b.id},
            {"holder", issuance::to_string(b.holder)},
            {"stock_serial", b.stock_serial},
            {"state", store::to_string(b.state)},
            {"updated_at_ms", b.updated_at}};
  if (!b.void_reason.empty()) j["void_reason"] = b.void_reason;
  if (b.replaces) j["replaces"] = *b.replaces;
  return j;
}

}  // namespace certprint::api
