// Reading one JSON object field by field, reporting every problem as a
// FieldError with its path. Internal to certprint::issuance (parse.cpp).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "issuance/record.hpp"

namespace certprint::issuance::detail {

// ordered_json keeps keys in document order, which the error order follows.
using Json = nlohmann::ordered_json;

// What the caller sent, as JSON text, cut short so one huge value cannot
// bury the other messages.
std::string echo(const Json& value);

class ErrorSink {
 public:
  explicit ErrorSink(std::vector<FieldError>& errors) : errors_(errors) {}
  void fail(std::string field, const Json& value, std::string problem);
  void fail_without_value(std::string field, std::string problem);
  void missing(std::string field, std::string_view expected);

 private:
  std::vector<FieldError>& errors_;
};

enum class Spaces { allowed, trimmed };  // trimmed: not blank, no leading/trailing space

class Fields {
 public:
  // Reads `value` as an object with the given keys, reporting unknown keys.
  // Returns nullopt (reported) when it is not an object; nullopt without a
  // report when `value` is null, since the missing field was reported already.
  static std::optional<Fields> of(ErrorSink& sink, std::string path, const Json* value,
                                  std::initializer_list<std::string_view> known,
                                  std::string_view expected);

  std::string path(std::string_view key) const;
  const Json* get(std::string_view key) const;  // nullptr when absent
  // Reports a problem with a present key's value. REQUIRES: get(key).
  void fail(std::string_view key, std::string problem) const;
  // The value, or nullptr after reporting it missing.
  const Json* require(std::string_view key, std::string_view expected) const;

  // Each returns nullopt when the field is absent, of the wrong type or
  // breaks a rule; every such problem is reported.
  std::optional<std::string> string(std::string_view key, std::string_view expected) const;
  std::optional<std::string> text(std::string_view key, std::size_t min_chars,
                                  std::size_t max_chars, Spaces spaces) const;
  std::optional<bool> boolean(std::string_view key) const;
  std::optional<Date> date(std::string_view key) const;
  std::optional<Fields> object(std::string_view key, std::initializer_list<std::string_view> known,
                               std::string_view expected) const;

 private:
  Fields(ErrorSink& sink, std::string path, const Json& object)
      : sink_(&sink), path_(std::move(path)), object_(&object) {}

  ErrorSink* sink_;
  std::string path_;
  const Json* object_;
};

}  // namespace certprint::issuance::detail
