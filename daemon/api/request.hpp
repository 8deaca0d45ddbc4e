// Reading request bodies and building replies (internal to daemon/api/).
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "daemon/api/api.hpp"
#include "daemon/api/auth.hpp"
#include "daemon/engine/office.hpp"

namespace certprint::api {

Reply error(int status, const std::string& code, const std::string& message,
            nlohmann::json fields = nullptr);
Reply forbidden(const Caller& who, std::string_view call);
bool allowed(const Caller& who, std::initializer_list<Role> roles);
engine::Actor actor(const Caller& who);

// Parses a request body that must be a JSON object with only these fields;
// the error is code invalid.
Result<nlohmann::json> object_body(std::string_view body,
                                   std::initializer_list<const char*> allowed_fields);
std::optional<std::string> string_field(const nlohmann::json& j, const char* name);
// A required string field of 1..max_chars characters (Unicode code points,
// not bytes) holding no control character (C0, DEL, C1, U+2028/2029, the
// text-direction controls). The error is code invalid, names the field and
// shows the value with controls escaped as \uXXXX.
Result<std::string> text_field(const nlohmann::json& j, const char* name, std::size_t max_chars,
                               std::string_view purpose);
Result<issuance::Holder> holder_param(const std::string& text);

nlohmann::json booklet_json(const store::BookletRow& b);

// Midnight, in the daemon's local time, that begins the day `text`
// (YYYY-MM-DD) plus `days_after` days. The error (invalid) names the query
// parameter `name` and the value.
Result<Millis> day_start(const std::string& text, const char* name, int days_after = 0);

}  // namespace certprint::api
