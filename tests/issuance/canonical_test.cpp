#include <functional>
#include <string>
#include <vector>

#include "fixtures.hpp"

namespace certprint::issuance {
namespace {

// u16 big-endian length + bytes.
std::string lp(std::string_view s) {
  std::string out;
  out.push_back(static_cast<char>(s.size() >> 8));
  out.push_back(static_cast<char>(s.size() & 0xFF));
  out.append(s);
  return out;
}

Issuance marriage() {
  auto parsed = test::parse(test::valid_marriage());
  test::require_ok(parsed);
  return parsed.issuance;
}

TEST_CASE("canonical_booklet_record layout", "[issuance]") {
  const Issuance i = marriage();
  const std::string expected = std::string("certprint-booklet-v1") + lp("J440106-2026-000123") +
                               lp("marriage") + lp("female") + lp("4400260102") + lp("2026-05-12") +
                               lp("440106") + lp("张伟") + lp("resident_id") +
                               lp("440106199003151231") + lp("李娜") + lp("resident_id") +
                               lp("440106199208201247");
  CHECK(canonical_booklet_record(i, Holder::female) == expected);
  CHECK(canonical_booklet_record(i, Holder::male) != canonical_booklet_record(i, Holder::female));
}

TEST_CASE("canonical_booklet_record changes with every covered field", "[issuance]") {
  const Issuance base = marriage();
  const std::string base_record = canonical_booklet_record(base, Holder::male);
  CHECK(canonical_booklet_record(marriage(), Holder::male) == base_record);

  const std::vector<std::pair<std::string, std::function<void(Issuance&)>>> changes = {
      {"certificate_no", [](Issuance& i) { i.certificate_no = "J440106-2026-000124"; }},
      {"kind", [](Issuance& i) { i.kind = Kind::divorce; }},
      {"stock_serial", [](Issuance& i) { i.male_booklet->stock_serial = "4400260109"; }},
      {"registered_on", [](Issuance& i) { i.registered_on.day = 13; }},
      {"office_code", [](Issuance& i) { i.office_code = "440105"; }},
      {"male name", [](Issuance& i) { i.male.name = "张伟伟"; }},
      {"male id_type", [](Issuance& i) { i.male.id_type = IdType::passport; }},
      {"male id_number", [](Issuance& i) { i.male.id_number = "440106199003151240"; }},
      {"female name", [](Issuance& i) { i.female.name = "李娜娜"; }},
      {"female id_type", [](Issuance& i) { i.female.id_type = IdType::taiwan_permit; }},
      {"female id_number", [](Issuance& i) { i.female.id_number = "440106199208201255"; }},
      // Bytes moving from one field to the next must not give the same record.
      {"boundary between names",
       [](Issuance& i) {
         i.male.name = "张";
         i.female.name = "伟李娜";
       }},
  };
  for (const auto& [name, change] : changes) {
    Issuance changed = base;
    change(changed);
    INFO(name);
    CHECK(canonical_booklet_record(changed, Holder::male) != base_record);
  }
}

TEST_CASE("canonical_booklet_record leaves uncovered fields out", "[issuance]") {
  const Issuance base = marriage();
  Issuance changed = base;
  changed.issuance_id = "other";
  changed.remarks = "备注";
  changed.office_name = "其他";
  changed.male.nationality = "德国";
  changed.female_booklet->stock_serial = "4400260199";  // the other holder's booklet
  CHECK(canonical_booklet_record(changed, Holder::male) ==
        canonical_booklet_record(base, Holder::male));
}

TEST_CASE("to_canonical_json is sorted, compact and stable", "[issuance]") {
  const Issuance i = marriage();
  const std::string expected =
      R"({"booklets":{"female":{"stock_serial":"4400260102"},"male":{"stock_serial":"4400260101"}},)"
      R"("certificate_no":"J440106-2026-000123","issuance_id":"440106-20260512-0001",)"
      R"("kind":"marriage","office":{"code":"440106","name":"广州市天河区民政局婚姻登记处"},)"
      R"("parties":{"female":{"birth_date":"1992-08-20","id_number":"440106199208201247",)"
      R"("id_type":"resident_id","name":"李娜","nationality":"中国","sex":"female"},)"
      R"("male":{"birth_date":"1990-03-15","id_number":"440106199003151231",)"
      R"("id_type":"resident_id","name":"张伟","nationality":"中国","sex":"male"}},)"
      R"("registered_on":"2026-05-12","remarks":"","replacement":false})";
  CHECK(to_canonical_json(i) == expected);

  SECTION("independent of key order and whitespace in the input") {
    const test::Json original = test::valid_marriage();
    test::Json reversed;
    std::vector<std::string> keys;
    for (const auto& [key, value] : original.items()) keys.insert(keys.begin(), key);
    for (const auto& key : keys) reversed[key] = original[key];
    auto parsed = parse_issuance(reversed.dump(2), test::options());
    test::require_ok(parsed);
    CHECK(to_canonical_json(parsed.issuance) == expected);
  }
  SECTION("round trip") {
    auto again = parse_issuance(to_canonical_json(i), test::options());
    test::require_ok(again);
    CHECK(to_canonical_json(again.issuance) == expected);
  }
  SECTION("read back without judging it again") {
    auto back = from_canonical_json(expected);
    REQUIRE(back.ok());
    CHECK(to_canonical_json(*back) == expected);
    Issuance odd = i;
    odd.remarks = std::string(500, 'r');  // over today's limit
    odd.supersedes = "X-1";
    auto kept = from_canonical_json(to_canonical_json(odd));
    REQUIRE(kept.ok());
    CHECK(kept->remarks == odd.remarks);
    CHECK(kept->supersedes == "X-1");
    CHECK(to_canonical_json(*kept) == to_canonical_json(odd));
    for (const char* bad : {"", "{}", "[1]", R"({"issuance_id":5})"}) {
      INFO(bad);
      auto r = from_canonical_json(bad);
      REQUIRE_FALSE(r.ok());
      CHECK_THAT(r.error().message, Catch::StartsWith("stored issuance document"));
    }
    test::Json wrong_kind = test::Json::parse(expected);
    wrong_kind["kind"] = "adoption";
    CHECK_THAT(from_canonical_json(wrong_kind.dump()).error().message, Catch::Contains("adoption"));
  }
  SECTION("a replacement lists only its booklet") {
    Issuance r = i;
    r.replacement = true;
    r.male_booklet.reset();
    const std::string json = to_canonical_json(r);
    CHECK_THAT(json,
               Catch::StartsWith(
                   R"({"booklets":{"female":{"stock_serial":"4400260102"}},"certificate_no")"));
    CHECK_THAT(json, Catch::EndsWith(R"("replacement":true})"));
  }
}

}  // namespace
}  // namespace certprint::issuance
