#include "issuance/json_fields.hpp"

#include <algorithm>

#include "issuance/text.hpp"

namespace certprint::issuance::detail {

namespace {

constexpr std::size_t kMaxEchoCodePoints = 120;

std::string join(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return std::string(path) + "." + std::string(key);
}

std::string list(std::initializer_list<std::string_view> items) {
  std::string out;
  for (std::string_view item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

}  // namespace

std::string echo(const Json& value) {
  std::string s = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::size_t code_points = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (++code_points > kMaxEchoCodePoints) {
      s.resize(i);
      s += "…";
      break;
    }
  }
  return s;
}

void ErrorSink::fail(std::string field, const Json& value, std::string problem) {
  errors_.push_back(FieldError{std::move(field), echo(value), std::move(problem)});
}

void ErrorSink::fail_without_value(std::string field, std::string problem) {
  errors_.push_back(FieldError{std::move(field), "", std::move(problem)});
}

void ErrorSink::missing(std::string field, std::string_view expected) {
  fail_without_value(std::move(field), "missing, expected " + std::string(expected));
}

std::optional<Fields> Fields::of(ErrorSink& sink, std::string path, const Json* value,
                                 std::initializer_list<std::string_view> known,
                                 std::string_view expected) {
  if (value == nullptr) return std::nullopt;
  if (!value->is_object()) {
    sink.fail(path, *value, "expected " + std::string(expected));
    return std::nullopt;
  }
  Fields fields(sink, path, *value);
  for (const auto& [key, member] : value->items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      sink.fail(fields.path(key), member, "unknown field; expected only " + list(known));
    }
  }
  return fields;
}

std::string Fields::path(std::string_view key) const { return join(path_, key); }

const Json* Fields::get(std::string_view key) const {
  const auto it = object_->find(key);
  return it == object_->end() ? nullptr : &*it;
}

void Fields::fail(std::string_view key, std::string problem) const {
  sink_->fail(path(key), *get(key), std::move(problem));
}

const Json* Fields::require(std::string_view key, std::string_view expected) const {
  const Json* value = get(key);
  if (value == nullptr) sink_->missing(path(key), expected);
  return value;
}

std::optional<std::string> Fields::string(std::string_view key, std::string_view expected) const {
  const Json* value = require(key, expected);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) {
    fail(key, "expected " + std::string(expected));
    return std::nullopt;
  }
  const auto& s = value->get_ref<const std::string&>();
  // The document was checked for well-formed UTF-8 before parsing, and the
  // parser refuses lone surrogate escapes, so every string decodes.
  const std::u32string chars = text::decode_utf8(s);
  const auto bad = std::find_if(chars.begin(), chars.end(), text::is_refused_control);
  if (bad != chars.end()) {
    fail(key, "contains control character " + text::code_point_name(*bad) + " at character " +
                  std::to_string(bad - chars.begin() + 1) + "; expected printable text only");
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> Fields::text(std::string_view key, std::size_t min_chars,
                                        std::size_t max_chars, Spaces spaces) const {
  const std::string expected = "a string of " + std::to_string(min_chars) + " to " +
                               std::to_string(max_chars) + " characters";
  auto s = string(key, expected);
  if (!s) return std::nullopt;
  const std::u32string chars = text::decode_utf8(*s);
  if (chars.size() < min_chars || chars.size() > max_chars) {
    fail(key, "is " + std::to_string(chars.size()) + " characters long, expected " +
                  std::to_string(min_chars) + " to " + std::to_string(max_chars));
    return std::nullopt;
  }
  if (spaces == Spaces::trimmed && !chars.empty()) {
    if (std::all_of(chars.begin(), chars.end(), text::is_space)) {
      fail(key, "is only whitespace; expected the text as it is to be printed");
      return std::nullopt;
    }
    if (text::is_space(chars.front()) || text::is_space(chars.back())) {
      fail(key, "starts or ends with whitespace; expected the text as it is to be printed");
      return std::nullopt;
    }
  }
  return s;
}

std::optional<bool> Fields::boolean(std::string_view key) const {
  const Json* value = require(key, "true or false");
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) {
    fail(key, "expected true or false");
    return std::nullopt;
  }
  return value->get<bool>();
}

std::optional<Date> Fields::date(std::string_view key) const {
  constexpr std::string_view kExpected = "a real date as YYYY-MM-DD (for example 2026-05-12)";
  auto s = string(key, kExpected);
  if (!s) return std::nullopt;
  auto d = parse_iso_date(*s);
  if (!d) fail(key, "expected " + std::string(kExpected));
  return d;
}

std::optional<Fields> Fields::object(std::string_view key,
                                     std::initializer_list<std::string_view> known,
                                     std::string_view expected) const {
  return of(*sink_, path(key), require(key, expected), known, expected);
}

}  // namespace certprint::issuance::detail
