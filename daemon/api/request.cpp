#include "daemon/api/request.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "common/text.hpp"

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

namespace {

// The code point at s[i] of well-formed UTF-8; advances i.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  const std::size_t n = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  char32_t c = n == 1 ? lead : lead & (0x7F >> n);
  for (std::size_t k = 1; k < n && i + k < s.size(); ++k) c = (c << 6) | (byte(i + k) & 0x3F);
  i += n;
  return c;
}

// C0, DEL and C1; the line and paragraph separators (a line break by
// another name); and the text-direction controls (marks, embeddings,
// overrides, isolates), which reorder how a screen or a report shows the
// text around them.
bool is_control(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029 || c == 0x200E ||
         c == 0x200F || c == 0x061C || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

// The text as a JSON string would show it, every control as \uXXXX; only
// its first 60 characters, so a long value does not fill the message.
std::string escaped(std::string_view s) {
  std::string out = "\"";
  std::size_t shown = 0;
  for (std::size_t i = 0; i < s.size(); ++shown) {
    if (shown == 60) return out + "…\"";
    const std::size_t start = i;
    const char32_t c = next_code_point(s, i);
    if (is_control(c) || c == '"' || c == '\\') {
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(c));
      out += buf;
    } else {
      out.append(s.substr(start, i - start));
    }
  }
  return out + "\"";
}

Error field_error(const char* name, std::string message) {
  Error e = invalid("field \"" + std::string(name) + "\" " + std::move(message));
  e.field = name;
  return e;
}

}  // namespace

Result<std::string> text_field(const json& j, const char* name, std::size_t max_chars,
                               std::string_view purpose) {
  const std::string rule = "(1.." + std::to_string(max_chars) + " characters)";
  auto value = string_field(j, name);
  if (!value) return field_error(name, "is required: " + std::string(purpose) + " " + rule);
  // The JSON parser has refused ill-formed UTF-8, so every byte sequence
  // decodes.
  const std::string text = valid_utf8(*value);
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++chars) {
    const char32_t c = next_code_point(text, i);
    if (is_control(c)) {
      char code[16];
      std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(c));
      return field_error(name, escaped(text) + ": control character " + std::string(code) +
                                   " at character " + std::to_string(chars + 1) +
                                   "; expected printable text on one line");
    }
  }
  if (chars == 0 || chars > max_chars)
    return field_error(name, escaped(text) + ": " + std::to_string(chars) +
                                 " characters; expected " + std::string(purpose) + " " + rule);
  return text;
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
            {"qr", b.token},  // the QR text exactly as printed, for the registry's record
            {"state", store::to_string(b.state)},
            {"updated_at_ms", b.updated_at}};
  if (!b.void_reason.empty()) j["void_reason"] = b.void_reason;
  if (b.replaces) j["replaces"] = *b.replaces;
  return j;
}

Result<Millis> day_start(const std::string& text, const char* name, int days_after) {
  std::tm tm{};
  int y = 0, m = 0, d = 0;
  const bool shaped = text.size() == 10 && text[4] == '-' && text[7] == '-' &&
                      std::all_of(text.begin(), text.end(),
                                  [](char c) { return c == '-' || (c >= '0' && c <= '9'); });
  if (shaped && std::sscanf(text.c_str(), "%4d-%2d-%2d", &y, &m, &d) == 3) {
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_isdst = -1;
    std::tm check = tm;
    if (std::mktime(&check) != -1 && check.tm_mday == d && check.tm_mon == m - 1) {
      tm.tm_mday += days_after;
      return Millis{std::mktime(&tm)} * 1000;
    }
  }
  return invalid("parameter \"" + std::string(name) + "\" " +
                 (text.empty() ? std::string("is missing") : "\"" + text + "\"") +
                 ": expected a day as YYYY-MM-DD (for example 2026-11-01)");
}

}  // namespace certprint::api
