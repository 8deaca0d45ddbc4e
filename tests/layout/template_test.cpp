#include <catch2/catch.hpp>

#include "layout/template.hpp"
#include "support/temp_dir.hpp"

using namespace certprint::layout;
using certprint::testing::source_dir;

TEST_CASE("shipped templates load", "[layout]") {
  for (const char* name : {"marriage.json", "divorce.json"}) {
    auto t = load_template(source_dir() / "templates" / name);
    INFO(name);
    REQUIRE(t.ok());
    CHECK(t->font_family == "Noto Serif CJK SC");
    CHECK(t->info.width_mm == 94);
    CHECK(t->info.height_mm == 128);
    CHECK(t->info.fields.size() == 14);
    REQUIRE(t->page5.qr);
    CHECK_FALSE(t->notes.empty());
    CHECK(t->page5.fields.empty());
    // Names wrap onto two lines; remarks wrap as a paragraph; nothing else wraps.
    for (const FieldBox& f : t->info.fields) {
      INFO(f.name);
      const bool is_name = f.name == "holder" || f.name == "male.name" || f.name == "female.name";
      CHECK(f.max_lines == (is_name || f.name == "remarks" ? 2 : 1));
      CHECK(f.wrap == (is_name ? Wrap::name : Wrap::text));
    }
  }
}

namespace {
std::string minimal(const std::string& info_fields, const std::string& zone) {
  return R"({"name":"t","font":{"family":"F"},"pages":{"info":{"width_mm":94,"height_mm":128,"fields":[)" +
         info_fields + R"(]},"page5":{"width_mm":94,"height_mm":128)" + zone + "}}}";
}
const std::string kZone =
    R"(,"qr_zone":{"box":[12,86,70,36],"module_min_mm":0.5,"min_dots_per_module":4,"quiet_zone_modules":4})";
}  // namespace

TEST_CASE("template errors name the path", "[layout]") {
  CHECK(parse_template(minimal("", kZone), "t").ok());

  auto outside =
      parse_template(minimal(R"({"name":"a","box":[80,10,20,5],"size_pt":10})", kZone), "t");
  REQUIRE_FALSE(outside.ok());
  CHECK_THAT(outside.error().message,
             Catch::Contains("$.pages.info.fields[0].box") && Catch::Contains("not inside"));

  auto no_zone = parse_template(minimal("", ""), "t");
  REQUIRE_FALSE(no_zone.ok());
  CHECK_THAT(no_zone.error().message, Catch::Contains("qr_zone"));

  auto bad_size =
      parse_template(minimal(R"({"name":"a","box":[1,1,20,5],"size_pt":"big"})", kZone), "t");
  REQUIRE_FALSE(bad_size.ok());
  CHECK_THAT(bad_size.error().message, Catch::Contains("size_pt") && Catch::Contains("number"));

  auto min_over = parse_template(
      minimal(R"({"name":"a","box":[1,1,20,5],"size_pt":8,"min_size_pt":9})", kZone), "t");
  REQUIRE_FALSE(min_over.ok());
  CHECK_THAT(min_over.error().message, Catch::Contains("min_size_pt"));

  auto thin_quiet = parse_template(
      minimal(
          "",
          R"(,"qr_zone":{"box":[12,86,70,36],"module_min_mm":0.5,"min_dots_per_module":4,"quiet_zone_modules":2})"),
      "t");
  REQUIRE_FALSE(thin_quiet.ok());
  CHECK_THAT(thin_quiet.error().message, Catch::Contains("quiet_zone_modules"));

  auto name_wrap = parse_template(
      minimal(R"({"name":"a","box":[1,1,20,5],"size_pt":8,"max_lines":2,"wrap":"name"})", kZone),
      "t");
  REQUIRE(name_wrap.ok());
  CHECK(name_wrap->info.fields[0].wrap == Wrap::name);
  auto bad_wrap = parse_template(
      minimal(R"({"name":"a","box":[1,1,20,5],"size_pt":8,"max_lines":2,"wrap":"hyphens"})", kZone),
      "t");
  REQUIRE_FALSE(bad_wrap.ok());
  CHECK_THAT(bad_wrap.error().message,
             Catch::Contains("$.pages.info.fields[0].wrap") && Catch::Contains("text or name"));
  auto one_line_wrap = parse_template(
      minimal(R"({"name":"a","box":[1,1,20,5],"size_pt":8,"wrap":"name"})", kZone), "t");
  REQUIRE_FALSE(one_line_wrap.ok());
  CHECK_THAT(one_line_wrap.error().message,
             Catch::Contains("$.pages.info.fields[0].wrap") && Catch::Contains("max_lines"));

  CHECK_FALSE(parse_template("{not json", "t").ok());
  CHECK_FALSE(load_template("/nonexistent/template.json").ok());
}
