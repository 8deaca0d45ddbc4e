// Names that do not fit one line: shrink to the minimum size first, then wrap
// onto two lines inside the same box at the name's wrap points, and only
// beyond that are refused. Both shipped templates, every name field.
#include <glib.h>
#include <catch2/catch.hpp>

#include "layout_fixture.hpp"
#include "support/pdf_text.hpp"

using namespace certprint::layout;
using namespace certprint::testing;

namespace {

// A passport name, a transliterated Uyghur name (17 characters, two middle
// dots), four characters from CJK Extensions B, C and A (after a common
// surname), and 16 CJK characters with no dot.
const std::string kLatin = "MONTGOMERY-FITZWILLIAM ALEXANDER CHRISTOPHER";
const std::string kUyghur = "阿依古丽·买买提艾力·阿不都热合曼";
const std::string kRare = "欧𠮷𫖯䶮";
const std::string kCjk16 = "阿依古丽买买提艾力阿不都热合曼江";

Template shipped(const char* kind) {
  auto t = load_template(source_dir() / "templates" / (std::string(kind) + ".json"));
  REQUIRE(t.ok());
  return *t;
}

const FieldBox& field(const Template& t, const std::string& name) {
  for (const FieldBox& f : t.info.fields)
    if (f.name == name) return f;
  FAIL("no field " << name);
  return t.info.fields.front();
}

const char* const kKinds[] = {"marriage", "divorce"};
const char* const kNameFields[] = {"holder", "male.name", "female.name"};

// A fitted text must stay in its box and never go under its minimum size;
// wrapped lines keep their ink off the box's top and bottom edges.
void check_inside(const FittedText& f, const FieldBox& box) {
  CHECK(f.size_pt >= box.min_size_pt);
  CHECK(f.size_pt <= box.size_pt);
  CHECK(f.width_mm <= box.box.w_mm + 1e-6);
  CHECK(f.height_mm <= box.box.h_mm - (f.lines.empty() ? 0 : 2 * kNameInkClearanceMm) + 1e-6);
}

}  // namespace

TEST_CASE("a long Latin name wraps between words in every name box", "[layout]") {
  auto text = text_engine("Noto Serif CJK SC");
  for (const char* kind : kKinds)
    for (const char* name : kNameFields) {
      INFO(kind << " " << name);
      const Template t = shipped(kind);
      const FieldBox& box = field(t, name);
      auto f = text->fit(box, kLatin);
      INFO((f ? "" : f.error().message));
      REQUIRE(f.ok());
      CHECK(f->lines ==
            std::vector<std::string>{"MONTGOMERY-FITZWILLIAM", "ALEXANDER CHRISTOPHER"});
      check_inside(*f, box);
    }
}

TEST_CASE("a transliterated name wraps after a middle dot, which ends the first line", "[layout]") {
  auto text = text_engine("Noto Serif CJK SC");
  for (const char* kind : kKinds) {
    const Template t = shipped(kind);
    for (const char* name : {"male.name", "female.name"}) {
      INFO(kind << " " << name);
      const FieldBox& box = field(t, name);
      auto f = text->fit(box, kUyghur);
      INFO((f ? "" : f.error().message));
      REQUIRE(f.ok());
      CHECK(f->lines == std::vector<std::string>{"阿依古丽·买买提艾力·", "阿不都热合曼"});
      check_inside(*f, box);
      // The look-alike dots registry systems send wrap the same way.
      for (const char* dot : {"\u30FB", "\u2022"}) {
        const std::string first = std::string("阿依古丽") + dot + "买买提艾力" + dot;
        auto alike = text->fit(box, first + "阿不都热合曼");
        REQUIRE(alike.ok());
        CHECK(alike->lines == std::vector<std::string>{first, "阿不都热合曼"});
      }
    }
    // The 56 mm holder line takes it on one line, shrunk.
    auto holder = text->fit(field(t, "holder"), kUyghur);
    REQUIRE(holder.ok());
    CHECK(holder->lines.empty());
    CHECK(holder->size_pt < field(t, "holder").size_pt);
  }
}

TEST_CASE("CJK names without a dot wrap between characters; short and rare ones do not wrap",
          "[layout]") {
  auto text = text_engine("Noto Serif CJK SC");
  const Template t = shipped("marriage");
  const FieldBox& box = field(t, "male.name");
  auto long_cjk = text->fit(box, kCjk16);
  REQUIRE(long_cjk.ok());
  CHECK(long_cjk->lines == std::vector<std::string>{"阿依古丽买买提艾", "力阿不都热合曼江"});
  check_inside(*long_cjk, box);

  auto rare = text->fit(box, kRare);  // the font has every one of them
  INFO((rare ? "" : rare.error().message));
  REQUIRE(rare.ok());
  CHECK(rare->lines.empty());
  CHECK(rare->size_pt == box.size_pt);

  // Shrinking comes first: what fits one line at 6 pt stays on one line.
  auto shrunk = text->fit(box, "阿卜杜热合曼·买买提艾力江");
  REQUIRE(shrunk.ok());
  CHECK(shrunk->lines.empty());
  CHECK(shrunk->size_pt < box.size_pt);
}

TEST_CASE("a name too long for two lines, or with nowhere to wrap, is refused naming the field",
          "[layout]") {
  auto text = text_engine("Noto Serif CJK SC");
  for (const char* kind : kKinds)
    for (const char* name : {"male.name", "female.name"}) {
      INFO(kind << " " << name);
      const Template t = shipped(kind);
      const FieldBox& box = field(t, name);
      // 31 characters: two lines of the 32 mm box hold 15 each at 6 pt.
      std::string too_long;
      for (int i = 0; i < 31; ++i) too_long += "王";
      auto refused = text->fit(box, too_long);
      REQUIRE_FALSE(refused.ok());
      CHECK(refused.error().code == certprint::ErrorCode::refused);
      CHECK(refused.error().field == name);
      CHECK_THAT(refused.error().message,
                 Catch::Contains(std::string("field \"") + name + "\"") &&
                     Catch::Contains("does not fit its 32.0 × 5.5 mm box even at 6 pt on 2 lines"));
      // A Latin word is never split, nor a part of a dotted name.
      for (const char* unbreakable :
           {"MONTGOMERYFITZWILLIAMALEXANDER", "阿依古丽买买提艾力阿不都热合曼江·阿"}) {
        auto word = text->fit(box, unbreakable);
        REQUIRE_FALSE(word.ok());
        CHECK_THAT(word.error().message, Catch::Contains(std::string("field \"") + name + "\"") &&
                                             Catch::Contains("does not fit"));
      }
      CHECK_THAT(text->fit(box, "MONTGOMERYFITZWILLIAMALEXANDER").error().message,
                 Catch::Contains("a name wraps only at a space, after a middle dot"));
    }
}

TEST_CASE("a name as long as the validator takes (60 characters) can still print", "[layout]") {
  // The limit is a bound on what any script can fill two lines with
  // (mixed-case Latin, about 0.5 em a letter); wider text is refused at
  // intake by the layout it is checked against, naming the field.
  auto text = text_engine("Noto Serif CJK SC");
  const std::string sixty = "Marian Anna Sophia Elisabeth de la Tour-Villefranche Liliane";
  REQUIRE(g_utf8_strlen(sixty.c_str(), -1) == 60);
  for (const char* kind : kKinds) {
    const Template t = shipped(kind);
    for (const char* name : kNameFields) {
      INFO(kind << " " << name);
      auto f = text->fit(field(t, name), sixty);
      INFO((f ? "" : f.error().message));
      REQUIRE(f.ok());
      CHECK(f->lines == std::vector<std::string>{"Marian Anna Sophia Elisabeth",
                                                 "de la Tour-Villefranche Liliane"});
      check_inside(*f, field(t, name));
    }
  }
}

TEST_CASE("wrapped names: the PDF reads them whole, the raster agrees, the ink stays in the box",
          "[layout]") {
  auto text = text_engine("Noto Serif CJK SC");
  struct Names {
    std::string holder, male, female;
  };
  for (const char* kind : kKinds)
    for (const Names& n : {Names{kLatin, kLatin, kUyghur}, Names{kUyghur, kRare, kCjk16},
                           Names{kRare, kUyghur, kLatin}}) {
      INFO(kind << ": " << n.holder << " / " << n.male << " / " << n.female);
      const Template t = shipped(kind);
      auto fields = sample_info_fields();
      fields["holder"] = n.holder;
      fields["male.name"] = n.male;
      fields["female.name"] = n.female;
      auto plan = plan_page(*text, t.info, {fields, ""}, Affine::identity(), {{180, 180}});
      REQUIRE(plan.ok());
      auto pdf = render_pdf(*text, *plan);
      auto raster = render_raster(*text, *plan);
      REQUIRE(pdf.ok());
      REQUIRE(raster.ok());
      for (const char* name : kNameFields) {
        const Rect& b = field(t, name).box;
        INFO(name);
        CHECK(read_as_name(pdf_text_in(*pdf, b.x_mm, b.y_mm, b.w_mm, b.h_mm), fields[name]) ==
              fields[name]);
      }
      auto from_pdf = rasterize_pdf(*pdf, 180, 64);
      REQUIRE(from_pdf.width == raster->width);
      std::size_t both = 0, either = 0, outside = 0;
      for (int y = 0; y < raster->height; ++y)
        for (int x = 0; x < raster->width; ++x) {
          const bool a = raster->ink(x, y), p = from_pdf.ink(x, y);
          both += a && p;
          either += a || p;
          if (!a) continue;
          const Point at{(x + 0.5) * 25.4 / 180, (y + 0.5) * 25.4 / 180};
          bool in_any = false;
          for (const auto& f : t.info.fields) in_any = in_any || f.box.contains(at, 0.3);
          outside += !in_any;
        }
      CHECK(outside == 0);
      REQUIRE(either > 2000);
      CHECK(static_cast<double>(both) / either > 0.8);
    }
}

TEST_CASE("a wrapped name's two lines are both inked, one above the other", "[layout]") {
  auto text = text_engine("Noto Serif CJK SC");
  const Template t = shipped("divorce");
  auto fields = sample_info_fields();
  fields["female.name"] = kLatin;
  auto plan = plan_page(*text, t.info, {fields, ""}, Affine::identity(), {{180, 180}});
  REQUIRE(plan.ok());
  auto raster = render_raster(*text, *plan);
  REQUIRE(raster.ok());
  // Rows of ink inside the female.name box come in two runs with a gap.
  const Rect& b = field(t, "female.name").box;
  const auto dot = [](double mm) { return static_cast<int>(mm * 180 / 25.4); };
  int runs = 0;
  bool inked_before = false;
  for (int y = dot(b.y_mm); y <= dot(b.bottom_mm()); ++y) {
    bool inked = false;
    for (int x = dot(b.x_mm); x <= dot(b.right_mm()) && !inked; ++x) inked = raster->ink(x, y);
    runs += inked && !inked_before;
    inked_before = inked;
  }
  CHECK(runs == 2);
}
