// Shared test data for the issuance tests: a valid document to mutate, the
// fixed "today", and helpers that assert on FieldErrors.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "issuance/record.hpp"

namespace certprint::issuance::test {

using Json = nlohmann::ordered_json;

// Every sample must validate on this day.
inline constexpr Date kToday{2026, 11, 28};

inline ValidationOptions options() {
  ValidationOptions o;
  o.today = kToday;
  return o;
}

// 17 digits and the computed check character.
inline std::string resident_id(std::string_view area6, std::string_view birth8,
                               std::string_view seq3) {
  std::string first17 = std::string(area6) + std::string(birth8) + std::string(seq3);
  return first17 + resident_id_check_char(first17);
}

// The one-click marriage of samples/marriage.json, as a document to mutate.
inline Json valid_marriage() {
  return Json::parse(R"({
    "issuance_id": "440106-20260512-0001",
    "kind": "marriage",
    "replacement": false,
    "certificate_no": "J440106-2026-000123",
    "registered_on": "2026-05-12",
    "office": {"code": "440106", "name": "广州市天河区民政局婚姻登记处"},
    "remarks": "",
    "parties": {
      "male": {"name": "张伟", "sex": "male", "nationality": "中国", "birth_date": "1990-03-15",
               "id_type": "resident_id", "id_number": "440106199003151231"},
      "female": {"name": "李娜", "sex": "female", "nationality": "中国",
                 "birth_date": "1992-08-20", "id_type": "resident_id",
                 "id_number": "440106199208201247"}
    },
    "booklets": {"male": {"stock_serial": "4400260101"},
                 "female": {"stock_serial": "4400260102"}}
  })");
}

inline Parsed parse(const Json& doc, const ValidationOptions& opts = options()) {
  return parse_issuance(doc.dump(), opts);
}

inline std::string describe(const Parsed& p) {
  std::string out = std::to_string(p.errors.size()) + " error(s)";
  for (const auto& e : p.errors) out += "\n  " + e.to_string();
  return out;
}

inline bool has_error(const Parsed& p, std::string_view field, std::string_view problem_part) {
  for (const auto& e : p.errors) {
    if (e.field == field && e.problem.find(problem_part) != std::string::npos) return true;
  }
  return false;
}

// Asserts that `p` failed with exactly one error, on `field`, whose problem
// contains `problem_part`; returns that error for further checks.
inline FieldError only_error(const Parsed& p, std::string_view field,
                             std::string_view problem_part) {
  INFO(describe(p));
  REQUIRE(p.errors.size() == 1);
  CHECK(p.errors[0].field == field);
  CHECK_THAT(p.errors[0].problem, Catch::Contains(std::string(problem_part)));
  return p.errors[0];
}

inline void require_ok(const Parsed& p) {
  INFO(describe(p));
  REQUIRE(p.ok());
}

}  // namespace certprint::issuance::test
