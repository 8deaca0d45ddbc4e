#include <string>
#include <vector>

#include "fixtures.hpp"
#include "issuance/id_number.hpp"

namespace certprint::issuance {
namespace {

TEST_CASE("enum names", "[issuance]") {
  CHECK(to_string(Kind::marriage) == "marriage");
  CHECK(to_string(Kind::divorce) == "divorce");
  CHECK(to_string(Holder::male) == "male");
  CHECK(to_string(Holder::female) == "female");
  CHECK(to_string(IdType::resident_id) == "resident_id");
  CHECK(to_string(IdType::passport) == "passport");
  CHECK(to_string(IdType::hk_macao_permit) == "hk_macao_permit");
  CHECK(to_string(IdType::taiwan_permit) == "taiwan_permit");
  CHECK(to_string(IdType::foreign_permanent_resident) == "foreign_permanent_resident");
  CHECK(holder_from_string("male") == Holder::male);
  CHECK(holder_from_string("female") == Holder::female);
  CHECK_FALSE(holder_from_string("Male").has_value());
  CHECK_FALSE(holder_from_string("").has_value());
}

TEST_CASE("dates print in ISO and Chinese form", "[issuance]") {
  CHECK(Date{2026, 5, 12}.iso() == "2026-05-12");
  CHECK(Date{2026, 5, 12}.chinese() == "2026年05月12日");
  CHECK(Date{987, 1, 2}.iso() == "0987-01-02");
  CHECK(Date{2026, 12, 31}.chinese() == "2026年12月31日");
  CHECK(Date{2026, 5, 12} < Date{2026, 5, 13});
  CHECK(Date{2025, 12, 31} < Date{2026, 1, 1});
  CHECK(Date{2026, 2, 1} > Date{2026, 1, 31});
}

TEST_CASE("parse_iso_date accepts real days only", "[issuance]") {
  CHECK(parse_iso_date("2026-05-12") == Date{2026, 5, 12});
  CHECK(parse_iso_date("2024-02-29") == Date{2024, 2, 29});
  CHECK(parse_iso_date("2000-02-29") == Date{2000, 2, 29});
  CHECK(parse_iso_date("2026-12-31") == Date{2026, 12, 31});
  CHECK(parse_iso_date("0001-01-01") == Date{1, 1, 1});
  for (const char* bad :
       {"2023-02-29", "1900-02-29", "2100-02-29", "2026-04-31", "2026-13-01", "2026-00-10",
        "2026-01-00", "2026-01-32", "0000-01-01", "2026-1-01", "20260101", "2026-01-01 ",
        " 2026-01-01", "2026/01/01", "2026-0a-01", "+026-01-01", ""}) {
    INFO(bad);
    CHECK_FALSE(parse_iso_date(bad).has_value());
  }
}

TEST_CASE("resident ID check characters (GB 11643, ISO 7064 MOD 11-2)", "[issuance]") {
  // 11010519491231002X is the example printed in the standard's commentaries.
  CHECK(resident_id_check_char("11010519491231002") == 'X');
  CHECK(resident_id_check_char("44010619900101123") == '5');
  CHECK(resident_id_check_char("44010619900315123") == '1');
  CHECK(resident_id_check_char("44010619920820124") == '7');
  CHECK(resident_id_check_char("44010620060229002") == '8');
  CHECK(resident_id_check_char("91104420000101123") == '7');
  CHECK(resident_id_check_char("00000000000000000") == '1');
}

TEST_CASE("id_number_problems checks numbers directly", "[issuance]") {
  const auto male = std::optional<Holder>(Holder::male);
  const auto birth = std::optional<Date>(Date{1990, 3, 15});
  CHECK(id_number_problems(IdType::resident_id, "440106199003151231", male, birth).empty());
  // Cross-checks are skipped when the caller has no valid sex or birth date.
  CHECK(id_number_problems(IdType::resident_id, "440106199003151231", Holder::female, {}).size() ==
        1);
  CHECK(id_number_problems(IdType::resident_id, "440106199003151231", {}, {}).empty());
  CHECK(id_number_problems(IdType::resident_id, "440106199002301235", {}, {}) ==
        std::vector<std::string>{"check character should be 4",
                                 "birth date digits 19900230 are not a real date"});
  CHECK(id_number_problems(IdType::resident_id, "", male, birth) ==
        std::vector<std::string>{
            "expected 18 characters: 17 digits and a check character (0-9 or X)"});
  CHECK(id_number_problems(IdType::passport, "E12345", male, birth).empty());
  CHECK(id_number_problems(IdType::taiwan_permit, "1234567A", {}, {}) ==
        std::vector<std::string>{"expected 8 or 10 digits"});
}

TEST_CASE("FieldError::to_string", "[issuance]") {
  CHECK(
      FieldError{"parties.male.id_number", "\"44010619900101123Y\"", "check character should be 5"}
          .to_string() ==
      "parties.male.id_number \"44010619900101123Y\": check character should be 5");
  CHECK(FieldError{"office.code", "", "missing, expected 1 to 32 characters"}.to_string() ==
        "office.code: missing, expected 1 to 32 characters");
  CHECK(FieldError{"replacement", "1", "expected true or false"}.to_string() ==
        "replacement 1: expected true or false");
}

TEST_CASE("today_local is a real date", "[issuance]") {
  const Date today = today_local();
  CHECK(parse_iso_date(today.iso()) == today);
  CHECK(today.year >= 2024);
}

TEST_CASE("holders lists the booklets carried, male first", "[issuance]") {
  Issuance i;
  CHECK(i.holders().empty());
  i.female_booklet = Booklet{"4400260102"};
  CHECK(i.holders() == std::vector<Holder>{Holder::female});
  i.male_booklet = Booklet{"4400260101"};
  CHECK(i.holders() == std::vector<Holder>{Holder::male, Holder::female});
  CHECK(i.booklet(Holder::male)->stock_serial == "4400260101");
}

TEST_CASE("info_page_fields", "[issuance]") {
  auto parsed = test::parse(test::valid_marriage());
  test::require_ok(parsed);
  const std::map<std::string, std::string> both = {
      {"registered_on", "2026年05月12日"},
      {"certificate_no", "J440106-2026-000123"},
      {"remarks", ""},
      {"male.name", "张伟"},
      {"male.sex", "男"},
      {"male.nationality", "中国"},
      {"male.birth_date", "1990年03月15日"},
      {"male.id_number", "440106199003151231"},
      {"female.name", "李娜"},
      {"female.sex", "女"},
      {"female.nationality", "中国"},
      {"female.birth_date", "1992年08月20日"},
      {"female.id_number", "440106199208201247"},
  };
  auto expected = both;
  expected["holder"] = "张伟";
  CHECK(info_page_fields(parsed.issuance, Holder::male) == expected);
  expected["holder"] = "李娜";
  CHECK(info_page_fields(parsed.issuance, Holder::female) == expected);
}

}  // namespace
}  // namespace certprint::issuance
