#include <fstream>
#include <sstream>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "support/temp_dir.hpp"

namespace certprint::issuance {
namespace {

using test::Json;
using test::only_error;
using test::parse;
using test::require_ok;
using test::resident_id;
using test::valid_marriage;

// One mutation of the valid document and the single error it must cause.
struct Case {
  std::string name;
  std::function<void(Json&)> mutate;
  std::string field;
  std::string problem;
};

void run_cases(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      Json doc = valid_marriage();
      c.mutate(doc);
      only_error(parse(doc), c.field, c.problem);
    }
  }
}

auto set(std::string pointer, Json value) {
  return [pointer, value](Json& doc) { doc[Json::json_pointer(pointer)] = value; };
}

auto erase(std::string parent, std::string key) {
  return [parent, key](Json& doc) { doc[Json::json_pointer(parent)].erase(key); };
}

TEST_CASE("the shipped samples validate", "[issuance]") {
  const auto dir = testing::source_dir() / "samples";
  auto marriage = load_issuance_file(dir / "marriage.json", test::options());
  INFO((marriage.ok() ? "" : marriage.error().message));
  REQUIRE(marriage.ok());
  CHECK(marriage->certificate_no == "J440106-2026-000123");
  CHECK(marriage->male.name == "张伟");
  CHECK(marriage->female.name == "李娜");
  CHECK(marriage->office_name == "广州市天河区民政局婚姻登记处");
  CHECK(marriage->holders() == std::vector<Holder>{Holder::male, Holder::female});

  auto divorce = load_issuance_file(dir / "divorce.json", test::options());
  INFO((divorce.ok() ? "" : divorce.error().message));
  REQUIRE(divorce.ok());
  CHECK(divorce->kind == Kind::divorce);
  CHECK(divorce->female.id_type == IdType::passport);

  auto replacement = load_issuance_file(dir / "replacement.json", test::options());
  INFO((replacement.ok() ? "" : replacement.error().message));
  REQUIRE(replacement.ok());
  CHECK(replacement->replacement);
  CHECK(replacement->registered_on == Date{2018, 10, 8});
  CHECK(replacement->holders() == std::vector<Holder>{Holder::female});
}

TEST_CASE("the test document matches samples/marriage.json", "[issuance]") {
  auto sample =
      load_issuance_file(testing::source_dir() / "samples/marriage.json", test::options());
  REQUIRE(sample.ok());
  auto doc = parse(valid_marriage());
  require_ok(doc);
  CHECK(to_canonical_json(doc.issuance) == to_canonical_json(*sample));
}

TEST_CASE("load_issuance_file names the file and lists every problem", "[issuance]") {
  testing::TempDir dir;
  Json doc = valid_marriage();
  doc["kind"] = "wedding";
  doc["booklets"]["male"]["stock_serial"] = "123";
  { std::ofstream(dir / "bad.json") << doc.dump(); }
  auto r = load_issuance_file(dir / "bad.json", test::options());
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("bad.json: 2 problems"));
  CHECK_THAT(r.error().message, Catch::Contains("\n  kind \"wedding\": expected"));
  CHECK_THAT(r.error().message, Catch::Contains("\n  booklets.male.stock_serial \"123\""));

  auto missing = load_issuance_file(dir / "absent.json", test::options());
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().message, Catch::Contains("absent.json: cannot be opened"));

  ValidationOptions small = test::options();
  small.max_document_bytes = 100;
  auto big = load_issuance_file(dir / "bad.json", small);
  REQUIRE_FALSE(big.ok());
  CHECK_THAT(big.error().message, Catch::Contains("larger than 100 bytes"));
}

TEST_CASE("documents that are not an issuance object are refused", "[issuance]") {
  const auto opts = test::options();
  SECTION("too large") {
    ValidationOptions small = opts;
    small.max_document_bytes = 100;
    only_error(parse(valid_marriage(), small), "(document)", "expected at most 100");
  }
  SECTION("invalid UTF-8") {
    std::string text = valid_marriage().dump();
    const auto at = text.find("张伟");
    text.replace(at, 3, "\xFF\xFE\xFD");
    only_error(parse_issuance(text, opts), "(document)",
               "invalid UTF-8 at byte " + std::to_string(at));
  }
  SECTION("overlong UTF-8 encoding of '/'") {
    only_error(parse_issuance("{\"remarks\": \"\xC0\xAF\"}", opts), "(document)", "invalid UTF-8");
  }
  SECTION("UTF-8 encoded surrogate") {
    only_error(parse_issuance("{\"remarks\": \"\xED\xA0\x80\"}", opts), "(document)",
               "invalid UTF-8");
  }
  SECTION("not JSON") {
    only_error(parse_issuance("{\"kind\": ", opts), "(document)", "is not valid JSON");
    only_error(parse_issuance("", opts), "(document)", "is not valid JSON");
    only_error(parse_issuance(valid_marriage().dump() + "x", opts), "(document)", "not valid JSON");
  }
  SECTION("a number beyond a double") {
    // Found by the intake fuzzer: 1e999 is well-formed JSON the parser cannot
    // hold; it fell through to "could not be validated: [json.exception...".
    std::string text = valid_marriage().dump();
    text.replace(text.find("false"), 5, "-1e999");
    auto e = only_error(parse_issuance(text, opts), "(document)",
                        "has a number out of range (number overflow parsing '-1e999')");
    CHECK_THAT(e.problem, !Catch::Contains("json.exception"));
  }
  SECTION("lone surrogate escape") {
    only_error(parse_issuance(R"({"remarks": "\ud800"})", opts), "(document)", "not valid JSON");
  }
  SECTION("not an object") {
    auto e = only_error(parse_issuance("[1, 2]", opts), "(document)", "expected a JSON object");
    CHECK(e.to_string() == "(document) [1,2]: expected a JSON object (an issuance)");
  }
  SECTION("absurdly deep") {
    only_error(
        parse_issuance("{\"remarks\": " + std::string(40, '[') + std::string(40, ']') + "}", opts),
        "(document)", "nested more than 16 levels");
  }
}

TEST_CASE("duplicate and unknown fields are refused by path", "[issuance]") {
  SECTION("duplicate key") {
    std::string text = valid_marriage().dump();
    text.insert(1, R"("kind":"divorce",)");
    auto e = only_error(parse_issuance(text, test::options()), "kind", "appears more than once");
    CHECK(e.to_string() == "kind: appears more than once; expected each field once");
  }
  SECTION("duplicate nested key") {
    std::string text = valid_marriage().dump();
    const auto at = text.find(R"("name":"张伟")");
    text.insert(at, R"("name":"王五",)");
    only_error(parse_issuance(text, test::options()), "parties.male.name", "more than once");
  }
  run_cases({
      {"unknown top-level field", set("/extra", 1), "extra", "unknown field; expected only"},
      {"unknown party field", set("/parties/male/age", 30), "parties.male.age", "unknown field"},
      {"unknown office field", set("/office/phone", "1"), "office.phone", "unknown field"},
      {"unknown booklet", set("/booklets/third", Json::object()), "booklets.third",
       "expected only male, female"},
  });
}

TEST_CASE("missing fields are each named with what is expected", "[issuance]") {
  auto e = only_error(parse([] {
                        Json d = valid_marriage();
                        d.erase("certificate_no");
                        return d;
                      }()),
                      "certificate_no", "missing, expected J, L, BJ or BL");
  CHECK(e.value.empty());
  CHECK_THAT(e.to_string(), Catch::StartsWith("certificate_no: missing, expected "));

  auto all = parse(Json::object());
  INFO(test::describe(all));
  std::vector<std::string> fields;
  for (const auto& err : all.errors) fields.push_back(err.field);
  CHECK(fields == std::vector<std::string>{"issuance_id", "kind", "replacement", "certificate_no",
                                           "registered_on", "office", "remarks", "parties",
                                           "booklets"});

  run_cases({
      {"replacement", erase("", "replacement"), "replacement", "missing, expected true or false"},
      {"remarks", erase("", "remarks"), "remarks", "missing"},
      {"office.code", erase("/office", "code"), "office.code", "missing"},
      {"a party", erase("/parties", "female"), "parties.female", "missing"},
      {"a party field", erase("/parties/male", "id_number"), "parties.male.id_number", "missing"},
      {"stock_serial", erase("/booklets/male", "stock_serial"), "booklets.male.stock_serial",
       "missing, expected exactly 10 digits"},
  });
}

TEST_CASE("values of the wrong type are refused with the value sent", "[issuance]") {
  Json doc = valid_marriage();
  doc["kind"] = 5;
  auto e = only_error(parse(doc), "kind", "expected \"marriage\" or \"divorce\"");
  CHECK(e.to_string() == "kind 5: expected \"marriage\" or \"divorce\"");

  run_cases({
      {"replacement as string", set("/replacement", "no"), "replacement", "expected true or false"},
      {"parties as array", set("/parties", Json::array()), "parties", "expected an object"},
      {"office as string", set("/office", "x"), "office", "expected an object with code and name"},
      {"date as number", set("/registered_on", 20260512), "registered_on", "YYYY-MM-DD"},
      {"serial as number", set("/booklets/male/stock_serial", 4400260101LL),
       "booklets.male.stock_serial", "expected exactly 10 digits"},
      {"booklet as null", set("/booklets/female", nullptr), "booklets.female",
       "expected an object"},
      {"remarks as null", set("/remarks", nullptr), "remarks", "expected a string"},
  });
}

TEST_CASE("long values are echoed cut short", "[issuance]") {
  Json doc = valid_marriage();
  doc["remarks"] = std::string(500, 'a');
  auto e = only_error(parse(doc), "remarks", "is 500 characters long, expected 0 to 200");
  CHECK(e.value == "\"" + std::string(119, 'a') + "…");
}

TEST_CASE("control characters are refused in every string", "[issuance]") {
  run_cases({
      {"BEL in a name", set("/parties/male/name", "张\u0007伟"), "parties.male.name",
       "control character U+0007 at character 2"},
      {"newline in remarks", set("/remarks", "a\nb"), "remarks", "control character U+000A"},
      {"NUL in issuance_id", set("/issuance_id", std::string("a\0b", 3)), "issuance_id",
       "control character U+0000"},
      {"C1 control in nationality", set("/parties/female/nationality", "中\u0085国"),
       "parties.female.nationality", "U+0085"},
      {"right-to-left override in office name", set("/office/name", "天河\u202E区"), "office.name",
       "U+202E"},
      {"DEL in id_number", set("/parties/male/id_number", "44010619900315123\u007F"),
       "parties.male.id_number", "U+007F"},
  });
}

TEST_CASE("every problem is reported, in document order", "[issuance]") {
  Json doc = Json::parse(R"({"booklets": {"male": {"stock_serial": "1"}}})");
  const Json valid = valid_marriage();
  for (const auto& [key, value] : valid.items()) {
    if (key != "booklets") doc[key] = value;
  }
  doc["kind"] = "wedding";
  doc["parties"]["female"]["name"] = "";
  auto p = parse(doc);
  INFO(test::describe(p));
  REQUIRE(p.errors.size() == 4);
  CHECK(p.errors[0].field == "booklets.male.stock_serial");
  CHECK(p.errors[1].field == "booklets.female");  // missing: after the rest of booklets
  CHECK(p.errors[2].field == "kind");
  CHECK(p.errors[3].field == "parties.female.name");
}

TEST_CASE("issuance_id, kind, office and remarks", "[issuance]") {
  run_cases({
      {"empty id", set("/issuance_id", ""), "issuance_id", "expected 1 to 64 characters"},
      {"id too long", set("/issuance_id", std::string(65, 'a')), "issuance_id", "1 to 64"},
      {"id with a slash", set("/issuance_id", "a/b"), "issuance_id", "A-Z a-z 0-9 . _ : -"},
      {"unknown kind", set("/kind", "wedding"), "kind", "expected \"marriage\" or \"divorce\""},
      {"office code with space", set("/office/code", "44 01"), "office.code", "1 to 32"},
      {"office code too long", set("/office/code", std::string(33, '1')), "office.code", "1 to 32"},
      {"empty office name", set("/office/name", ""), "office.name", "is 0 characters long"},
      {"office name too long", set("/office/name", std::string(61, 'x')), "office.name",
       "is 61 characters long, expected 1 to 60"},
      {"office name padded", set("/office/name", " 天河"), "office.name", "starts or ends"},
      {"office name blank", set("/office/name", "\u3000"), "office.name", "only whitespace"},
      {"remarks too long", set("/remarks", std::string(201, 'a')), "remarks",
       "is 201 characters long, expected 0 to 200"},
  });
  Json doc = valid_marriage();
  doc["issuance_id"] = std::string(64, 'Z');
  std::string remarks;
  for (int i = 0; i < 200; ++i) remarks += "补";  // 200 code points, 600 bytes
  doc["remarks"] = remarks;
  doc["office"]["code"] = "GZ-TH-01";
  require_ok(parse(doc));
}

TEST_CASE("certificate_no format, prefix and year", "[issuance]") {
  const std::string bad_format = "expected J, L, BJ or BL";
  run_cases({
      {"short area code", set("/certificate_no", "J44010-2026-000123"), "certificate_no",
       bad_format},
      {"area code starting 0", set("/certificate_no", "J040106-2026-000123"), "certificate_no",
       bad_format},
      {"area code starting 9", set("/certificate_no", "J940106-2026-000123"), "certificate_no",
       bad_format},
      {"unknown prefix", set("/certificate_no", "X440106-2026-000123"), "certificate_no",
       bad_format},
      {"short sequence", set("/certificate_no", "J440106-2026-00012"), "certificate_no",
       bad_format},
      {"slashes", set("/certificate_no", "J440106/2026/000123"), "certificate_no", bad_format},
      {"lower case", set("/certificate_no", "j440106-2026-000123"), "certificate_no", bad_format},
      {"divorce prefix on a marriage", set("/certificate_no", "L440106-2026-000123"),
       "certificate_no", "prefix should be J for a marriage certificate"},
      {"replacement prefix on a first issuance", set("/certificate_no", "BJ440106-2026-000123"),
       "certificate_no", "prefix should be J"},
      {"marriage prefix on a divorce", set("/kind", "divorce"), "certificate_no",
       "prefix should be L for a divorce certificate"},
      {"year other than registration year", set("/certificate_no", "J440106-2025-000123"),
       "certificate_no", "year 2025 should equal the year of registered_on (2026-05-12)"},
  });
  SECTION("replacement") {
    Json doc = valid_marriage();
    doc["replacement"] = true;
    doc["certificate_no"] = "J440106-2026-000123";
    only_error(parse(doc), "certificate_no", "prefix should be BJ for a replacement marriage");
    doc["kind"] = "divorce";
    only_error(parse(doc), "certificate_no", "prefix should be BL");
    doc["certificate_no"] = "BL440106-2026-000123";
    require_ok(parse(doc));
    doc["certificate_no"] = "BL440106-2025-000123";
    only_error(parse(doc), "certificate_no", "year 2025 should not be before the year");
    doc["certificate_no"] = "BL440106-2027-000123";
    only_error(parse(doc), "certificate_no", "year 2027 is after the current year 2026");
  }
}

TEST_CASE("registered_on", "[issuance]") {
  run_cases({
      {"not a real day", set("/registered_on", "2026-02-30"), "registered_on",
       "expected a real date as YYYY-MM-DD"},
      {"not ISO", set("/registered_on", "2026-5-12"), "registered_on", "YYYY-MM-DD"},
      {"in the future", set("/registered_on", "2026-11-29"), "registered_on",
       "is after today (2026-11-28)"},
  });
  SECTION("today itself is not the future") {
    Json doc = valid_marriage();
    doc["registered_on"] = "2026-11-28";
    require_ok(parse(doc));
  }
  SECTION("before QR codes: only a replacement") {
    Json doc = valid_marriage();
    doc["registered_on"] = "2020-04-30";
    doc["certificate_no"] = "J440106-2020-000123";
    only_error(parse(doc), "registered_on", "is before 2020-05-01");
    doc["registered_on"] = "2020-05-01";
    require_ok(parse(doc));
    doc["registered_on"] = "2018-10-08";
    doc["replacement"] = true;
    doc["certificate_no"] = "BJ440106-2026-000007";
    require_ok(parse(doc));
  }
  SECTION("leap day") {
    Json doc = valid_marriage();
    doc["certificate_no"] = "J440106-2024-000123";
    doc["registered_on"] = "2024-02-29";
    require_ok(parse(doc));
    doc["registered_on"] = "2023-02-29";
    doc["certificate_no"] = "J440106-2023-000123";
    only_error(parse(doc), "registered_on", "expected a real date");
  }
}

TEST_CASE("party names, sex and nationality", "[issuance]") {
  run_cases({
      {"empty name", set("/parties/male/name", ""), "parties.male.name", "is 0 characters long"},
      {"name too long", set("/parties/male/name", std::string(61, 'A')), "parties.male.name",
       "expected 1 to 60"},
      {"blank name", set("/parties/female/name", "   "), "parties.female.name", "only whitespace"},
      {"ideographic-space name", set("/parties/female/name", "\u3000"), "parties.female.name",
       "only whitespace"},
      {"trailing space", set("/parties/male/name", "张伟 "), "parties.male.name",
       "starts or ends with whitespace"},
      {"name as number", set("/parties/male/name", 1), "parties.male.name", "expected a string"},
      {"unknown sex", set("/parties/male/sex", "M"), "parties.male.sex",
       "expected \"male\" or \"female\""},
      {"sex under the other key", set("/parties/female/sex", "male"), "parties.female.sex",
       "should be \"female\" to match parties.female"},
      {"empty nationality", set("/parties/male/nationality", ""), "parties.male.nationality",
       "is 0 characters long"},
      {"nationality too long", set("/parties/male/nationality", std::string(41, 'X')),
       "parties.male.nationality", "expected 1 to 40"},
  });
  Json doc = valid_marriage();
  std::string sixty;
  for (int i = 0; i < 60; ++i) sixty += "龘";
  doc["parties"]["male"]["name"] = sixty;
  doc["parties"]["female"]["name"] = "Anna-Maria O'Neil · 安娜";
  require_ok(parse(doc));
}

TEST_CASE("birth dates", "[issuance]") {
  run_cases({
      {"not a real day", set("/parties/male/birth_date", "1990-02-30"), "parties.male.birth_date",
       "expected a real date"},
      {"in the future", set("/parties/male/birth_date", "2026-12-01"), "parties.male.birth_date",
       "is after today"},
      {"on the registration day", set("/parties/female/birth_date", "2026-05-12"),
       "parties.female.birth_date", "should be before registered_on (2026-05-12)"},
  });
}

// A marriage registered on `registered_on` by a man born on `male_birth`.
Json marriage_with_male_birth(const std::string& male_birth, const std::string& registered_on) {
  Json doc = valid_marriage();
  doc["registered_on"] = registered_on;
  doc["certificate_no"] = "J440106-" + registered_on.substr(0, 4) + "-000123";
  doc["parties"]["male"]["birth_date"] = male_birth;
  std::string digits = male_birth.substr(0, 4) + male_birth.substr(5, 2) + male_birth.substr(8, 2);
  doc["parties"]["male"]["id_number"] = resident_id("440106", digits, "003");
  return doc;
}

TEST_CASE("legal marriage age on the registration day", "[issuance]") {
  require_ok(parse(marriage_with_male_birth("2004-05-12", "2026-05-12")));  // 22 that day
  only_error(parse(marriage_with_male_birth("2004-05-13", "2026-05-12")), "parties.male.birth_date",
             "age 21 on registered_on (2026-05-12), expected at least 22 for a male party");

  SECTION("born on 29 February: of age on 1 March of a common year") {
    only_error(parse(marriage_with_male_birth("2004-02-29", "2026-02-28")),
               "parties.male.birth_date", "age 21");
    require_ok(parse(marriage_with_male_birth("2004-02-29", "2026-03-01")));
  }
  SECTION("women at 20") {
    Json doc = valid_marriage();
    doc["parties"]["female"]["birth_date"] = "2006-05-12";
    doc["parties"]["female"]["id_number"] = resident_id("440106", "20060512", "002");
    require_ok(parse(doc));
    doc["parties"]["female"]["birth_date"] = "2006-05-13";
    doc["parties"]["female"]["id_number"] = resident_id("440106", "20060513", "002");
    only_error(parse(doc), "parties.female.birth_date", "age 19");
  }
  SECTION("not checked for a divorce") {
    Json doc = marriage_with_male_birth("2006-05-13", "2026-05-12");
    doc["kind"] = "divorce";
    doc["certificate_no"] = "L440106-2026-000123";
    require_ok(parse(doc));
  }
}

TEST_CASE("id_type and id_number by type", "[issuance]") {
  const std::string male = "/parties/male/";
  const std::string field = "parties.male.id_number";
  auto typed = [&](std::string type, std::string number) {
    return [=](Json& doc) {
      doc["parties"]["male"]["id_type"] = type;
      doc["parties"]["male"]["id_number"] = number;
    };
  };
  run_cases({
      {"unknown type", set(male + "id_type", "driver_license"), "parties.male.id_type",
       "expected one of resident_id, passport"},
      {"resident id too short", set(male + "id_number", "44010619900315123"), field,
       "expected 18 characters"},
      {"resident id with a letter", set(male + "id_number", "4401061990031512A1"), field,
       "expected 18 characters"},
      {"wrong check character", set(male + "id_number", "440106199003151232"), field,
       "check character should be 1"},
      {"birth digits differ", set(male + "id_number", resident_id("440106", "19900316", "123")),
       field, "birth date digits 19900316 should equal birth_date 1990-03-15"},
      {"sex digit even for a man",
       set(male + "id_number", resident_id("440106", "19900315", "124")), field,
       "17th digit 4 is even (female), expected odd for sex male"},
      {"region starting 0", set(male + "id_number", resident_id("040106", "19900315", "123")),
       field, "first digit should be 1-8"},
      {"lower-case passport", typed("passport", "c01x00t47"), field, "capital letters or digits"},
      {"passport too short", typed("passport", "C01X"), field, "expected 5 to 17"},
      {"passport too long", typed("passport", std::string(18, '1')), field, "5 to 17"},
      {"hk/macao permit with X", typed("hk_macao_permit", "X12345678"), field,
       "expected H or M followed by 8 or 10 digits"},
      {"hk/macao permit 7 digits", typed("hk_macao_permit", "H1234567"), field, "H or M"},
      {"taiwan permit 9 digits", typed("taiwan_permit", "123456789"), field,
       "expected 8 or 10 digits"},
      {"foreign permanent resident lower case",
       typed("foreign_permanent_resident", "usa110090031501"), field,
       "3 capital letters and 12 digits"},
      {"foreign permanent resident bad check",
       typed("foreign_permanent_resident", "911044200001011238"), field,
       "check character should be 7"},
  });
  SECTION("the documented example message") {
    Json doc = valid_marriage();
    doc["parties"]["female"]["birth_date"] = "1949-12-31";
    doc["parties"]["female"]["id_number"] = "11010519491231002Y";
    auto e = only_error(parse(doc), "parties.female.id_number", "check character should be X");
    CHECK(e.to_string() ==
          "parties.female.id_number \"11010519491231002Y\": "
          "check character should be X");
    doc["parties"]["female"]["id_number"] = "11010519491231002x";
    only_error(parse(doc), "parties.female.id_number", "should be X (upper case)");
    doc["parties"]["female"]["id_number"] = "11010519491231002X";
    require_ok(parse(doc));
  }
  SECTION("several problems with one number are all reported") {
    Json doc = valid_marriage();
    doc["parties"]["male"]["id_number"] = "440106199003160240";
    auto p = parse(doc);
    INFO(test::describe(p));
    CHECK(p.errors.size() == 3);
    CHECK(test::has_error(p, field, "check character should be"));
    CHECK(test::has_error(p, field, "birth date digits 19900316"));
    CHECK(test::has_error(p, field, "17th digit 4"));
  }
  SECTION("valid numbers of every type") {
    for (auto [type, number] : std::vector<std::pair<std::string, std::string>>{
             {"passport", "E12345"},
             {"passport", "A1234567890123456"},
             {"hk_macao_permit", "H12345678"},
             {"hk_macao_permit", "M1234567890"},
             {"taiwan_permit", "12345678"},
             {"taiwan_permit", "1234567890"},
             {"foreign_permanent_resident", "USA110090031501"},
             {"foreign_permanent_resident", "911044200001011237"},
         }) {
      Json doc = valid_marriage();
      typed(type, number)(doc);
      INFO(type << " " << number);
      require_ok(parse(doc));
    }
  }
}

TEST_CASE("booklets", "[issuance]") {
  run_cases({
      {"first issuance without the female booklet", erase("/booklets", "female"), "booklets.female",
       "missing, expected the female booklet; a first issuance prints both"},
      {"serial of 9 digits", set("/booklets/male/stock_serial", "440026010"),
       "booklets.male.stock_serial", "expected exactly 10 digits"},
      {"serial with a letter", set("/booklets/male/stock_serial", "44002601O1"),
       "booklets.male.stock_serial", "expected exactly 10 digits"},
      {"same serial twice", set("/booklets/female/stock_serial", "4400260101"),
       "booklets.female.stock_serial", "same as booklets.male.stock_serial"},
      {"unknown booklet field", set("/booklets/male/serial", "1"), "booklets.male.serial",
       "unknown field; expected only stock_serial"},
  });
  SECTION("a replacement carries one or two booklets") {
    Json doc = valid_marriage();
    doc["replacement"] = true;
    doc["certificate_no"] = "BJ440106-2026-000123";
    require_ok(parse(doc));
    doc["booklets"].erase("female");
    auto one = parse(doc);
    require_ok(one);
    CHECK(one.issuance.holders() == std::vector<Holder>{Holder::male});
    doc["booklets"].erase("male");
    only_error(parse(doc), "booklets", "expected the male and/or female booklet");
  }
}

// The registration system's own encodings of sex: the Chinese words and the
// GB/T 2261.1 codes (1 male, 2 female), as a string or a number; each is
// stored as "male" or "female".
TEST_CASE("sex in the registry's encodings is stored normalised", "[issuance]") {
  for (const Json& male : {Json("male"), Json("男"), Json("1"), Json(1)})
    for (const Json& female : {Json("female"), Json("女"), Json("2"), Json(2)}) {
      Json doc = valid_marriage();
      doc["parties"]["male"]["sex"] = male;
      doc["parties"]["female"]["sex"] = female;
      INFO(male.dump() << " " << female.dump());
      auto p = parse(doc);
      require_ok(p);
      CHECK(p.issuance.male.sex == Holder::male);
      CHECK(p.issuance.female.sex == Holder::female);
      const Json canonical = Json::parse(to_canonical_json(p.issuance));
      CHECK(canonical["parties"]["male"]["sex"] == "male");
      CHECK(canonical["parties"]["female"]["sex"] == "female");
    }
  run_cases({
      {"unknown code", set("/parties/male/sex", "0"), "parties.male.sex",
       "expected \"male\" or \"female\" (also \"男\"/\"女\" or the GB/T 2261.1 codes 1/2)"},
      {"code 9", set("/parties/male/sex", 9), "parties.male.sex", "also \"男\"/\"女\""},
      {"a code of the other sex", set("/parties/male/sex", 2), "parties.male.sex",
       "should be \"male\" to match parties.male"},
      {"a word of the other sex", set("/parties/female/sex", "男"), "parties.female.sex",
       "should be \"female\" to match parties.female"},
      {"a fraction", set("/parties/male/sex", 1.5), "parties.male.sex", "also \"男\"/\"女\""},
      {"true", set("/parties/male/sex", true), "parties.male.sex", "also \"男\"/\"女\""},
  });
}

// A registry that writes dates its own way gets told the one form accepted.
TEST_CASE("a date in another form is refused naming the field, the value and the form",
          "[issuance]") {
  for (const char* other : {"2026/5/12", "2026/05/12", "2026.05.12", "12/05/2026", "2026年5月12日",
                            "20260512", "2026-05-12T00:00:00"}) {
    Json doc = valid_marriage();
    doc["registered_on"] = other;
    INFO(other);
    const auto e = only_error(parse(doc), "registered_on", "expected a real date as YYYY-MM-DD");
    CHECK(e.value == "\"" + std::string(other) + "\"");
    CHECK_THAT(e.to_string(), Catch::Contains(std::string("registered_on \"") + other + "\"") &&
                                  Catch::Contains("(for example 2026-05-12)"));
  }
}

}  // namespace
}  // namespace certprint::issuance

TEST_CASE("supersedes: a replacement may name the issuance it replaces", "[issuance]") {
  using namespace certprint::issuance;
  const ValidationOptions opts{Date{2026, 11, 28}};
  std::ifstream f(certprint::testing::source_dir() / "samples" / "replacement.json");
  std::stringstream ss;
  ss << f.rdbuf();
  auto doc = nlohmann::json::parse(ss.str());
  doc["supersedes"] = "440106-20181008-0003";
  auto ok = parse_issuance(doc.dump(), opts);
  REQUIRE(ok.ok());
  REQUIRE(ok.issuance.supersedes);
  CHECK(*ok.issuance.supersedes == "440106-20181008-0003");
  CHECK(to_canonical_json(ok.issuance).find("\"supersedes\":\"440106-20181008-0003\"") !=
        std::string::npos);

  doc["supersedes"] = "no spaces allowed";
  auto bad = parse_issuance(doc.dump(), opts);
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0].field == "supersedes");

  std::ifstream m(certprint::testing::source_dir() / "samples" / "marriage.json");
  std::stringstream ms;
  ms << m.rdbuf();
  auto marriage = nlohmann::json::parse(ms.str());
  marriage["supersedes"] = "440106-20181008-0003";
  auto not_replacement = parse_issuance(marriage.dump(), opts);
  REQUIRE(not_replacement.errors.size() == 1);
  CHECK(not_replacement.errors[0].field == "supersedes");
  CHECK_THAT(not_replacement.errors[0].problem, Catch::Contains("only a replacement"));
}
