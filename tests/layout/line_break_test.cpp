// Where names wrap, without fonts: the break rules and the balanced choice.
#include <catch2/catch.hpp>

#include "layout/line_break.hpp"

using namespace certprint::layout;

namespace {

// Every way `text` may be cut in two, as the two lines.
std::vector<std::vector<std::string>> two_line_cuts(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  for (const LineBreak& b : name_breaks(text)) out.push_back(split_lines(text, {b}));
  return out;
}

// Width in code points: enough to test balancing.
double code_points(const std::string& text, std::size_t from, std::size_t to) {
  double n = 0;
  for (std::size_t i = from; i < to; ++i) n += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
  return n;
}

}  // namespace

TEST_CASE("Latin names wrap between words only, dropping the space", "[layout]") {
  using Lines = std::vector<std::vector<std::string>>;
  CHECK(two_line_cuts("MONTGOMERY-FITZWILLIAM ALEXANDER CHRISTOPHER") ==
        Lines{{"MONTGOMERY-FITZWILLIAM", "ALEXANDER CHRISTOPHER"},
              {"MONTGOMERY-FITZWILLIAM ALEXANDER", "CHRISTOPHER"}});
  CHECK(two_line_cuts("ANNA  MARIA") == Lines{{"ANNA", "MARIA"}});
  // Never inside a word, not even after its hyphen.
  CHECK(name_breaks("HOHENSTEIN-WARTENBERG").empty());
  CHECK(name_breaks("ANNA").empty());
}

TEST_CASE("a transliterated name wraps only after its middle dots, the dot ending the line",
          "[layout]") {
  using Lines = std::vector<std::vector<std::string>>;
  CHECK(two_line_cuts("阿依古丽·买买提艾力·阿不都热合曼") ==
        Lines{{"阿依古丽·", "买买提艾力·阿不都热合曼"}, {"阿依古丽·买买提艾力·", "阿不都热合曼"}});
  // The look-alikes registry systems send for U+00B7.
  for (const char* dot : {"\u30FB", "\u2022", "\u2027", "\uFF65", "\u0387", "\u2219", "\u22C5"}) {
    INFO(dot);
    const std::string name = std::string("阿依古丽") + dot + "买买提";
    CHECK(two_line_cuts(name) == Lines{{std::string("阿依古丽") + dot, "买买提"}});
  }
  // Spaces around a dot do not start the next line.
  CHECK(two_line_cuts("JEAN · PAUL") == Lines{{"JEAN ·", "PAUL"}});
  // A trailing dot leaves no empty line.
  CHECK(name_breaks("阿依古丽·").empty());
}

TEST_CASE("other CJK names wrap between any two characters", "[layout]") {
  using Lines = std::vector<std::vector<std::string>>;
  CHECK(two_line_cuts("欧阳𠮷䶮") == Lines{{"欧", "阳𠮷䶮"}, {"欧阳", "𠮷䶮"}, {"欧阳𠮷", "䶮"}});
  // Next to a Latin word, between it and a CJK character, never inside it.
  CHECK(two_line_cuts("王ANNA") == Lines{{"王", "ANNA"}});
  CHECK(name_breaks("王").empty());
}

TEST_CASE("the chosen breaks make the widest line as narrow as it can be", "[layout]") {
  const std::string latin = "MONTGOMERY-FITZWILLIAM ALEXANDER CHRISTOPHER";
  auto width = [&](std::size_t from, std::size_t to) { return code_points(latin, from, to); };
  auto two = balanced_breaks(name_breaks(latin), latin.size(), 2, width);
  REQUIRE(two);
  CHECK(split_lines(latin, *two) ==
        std::vector<std::string>{"MONTGOMERY-FITZWILLIAM", "ALEXANDER CHRISTOPHER"});
  auto three = balanced_breaks(name_breaks(latin), latin.size(), 3, width);
  REQUIRE(three);
  CHECK(split_lines(latin, *three) ==
        std::vector<std::string>{"MONTGOMERY-FITZWILLIAM", "ALEXANDER", "CHRISTOPHER"});
  CHECK_FALSE(balanced_breaks(name_breaks(latin), latin.size(), 4, width));
  CHECK(balanced_breaks(name_breaks(latin), latin.size(), 1, width)->empty());

  const std::string cjk = "阿依古丽买买提艾力阿不都热合曼江";  // 16, no dots
  auto cjk_width = [&](std::size_t from, std::size_t to) { return code_points(cjk, from, to); };
  auto halves = balanced_breaks(name_breaks(cjk), cjk.size(), 2, cjk_width);
  REQUIRE(halves);
  CHECK(split_lines(cjk, *halves) ==
        std::vector<std::string>{"阿依古丽买买提艾", "力阿不都热合曼江"});
}
