// The bidirectional alignment pattern through the encoder and a printer
// whose right-to-left passes land off: the candidate that meets tells the
// offset, and printed again with it, candidate 0 meets.
#include <catch2/catch.hpp>

#include <optional>

#include "calibration/bidi_pattern.hpp"
#include "drivers/escp.hpp"
#include "escp_interpreter.hpp"

using namespace certprint;

namespace {

// The columns inked on `row` within [x0, x1).
std::vector<int> inked(const testing::Printed& p, int row, int x0, int x1) {
  std::vector<int> out;
  for (int x = x0; x < x1; ++x)
    if (p.ink(x, row)) out.push_back(x);
  return out;
}

// The candidate whose two bars meet in group `g`, as a technician reads it.
std::optional<int> aligned(const calibration::BidiPattern& pattern, const testing::Printed& p,
                           int g) {
  std::optional<int> found;
  const int top = pattern.group_tops[g];
  for (std::size_t i = 0; i < pattern.upper_x.size(); ++i) {
    const int x = pattern.upper_x[i];
    const auto upper = inked(p, top + pattern.upper_bar_row, x - 30, x + 30);
    const auto lower = inked(p, top + pattern.lower_bar_row, x - 30, x + 30);
    if (!upper.empty() && upper == lower) {
      REQUIRE_FALSE(found);  // never two
      found = static_cast<int>(i) - calibration::kBidiCandidates;
    }
  }
  return found;
}

// Prints the pattern bidirectionally with `offset` on a printer whose
// right-to-left passes land `misalignment` to the right.
testing::Printed print(const calibration::BidiPattern& pattern, int offset, int misalignment) {
  const layout::Raster& r = pattern.raster;
  const std::string bytes = escp::encode_page({360, 180, false, escp::Emulation::escp2, 4, offset},
                                              r.width, r.height, r.bits);
  auto p = testing::interpret_escp(bytes, r.width, misalignment);
  REQUIRE(p.error.empty());
  return p;
}

}  // namespace

TEST_CASE("bidi pattern: two passes a group, the first left to right", "[drivers]") {
  const auto made = calibration::bidi_pattern(94, 128);
  REQUIRE(made.ok());
  const auto& pattern = *made;
  CHECK(pattern.raster.res.x_dpi == 360);
  CHECK(pattern.raster.res.y_dpi == 180);
  const auto p = print(pattern, 0, 0);
  std::vector<int> expected;
  for (int top : pattern.group_tops) expected.push_back(top), expected.push_back(top + 24);
  CHECK(p.pass_rows == expected);
  CHECK(p.reverse_passes == static_cast<int>(pattern.group_tops.size()));
}

TEST_CASE("bidi pattern: the meeting candidate is the correction, and then 0 meets", "[drivers]") {
  const auto made = calibration::bidi_pattern(94, 128);
  REQUIRE(made.ok());
  const auto& pattern = *made;
  for (int offset : {0, -5, 3}) {
    for (int misalignment = -8 - offset; misalignment <= 8 - offset; misalignment += 3) {
      INFO("offset in force " << offset << ", printer off by " << misalignment << "/360 in");
      const auto first = print(pattern, offset, misalignment);
      for (std::size_t g = 0; g < pattern.group_tops.size(); ++g) {
        const auto k = aligned(pattern, first, static_cast<int>(g));
        REQUIRE(k);
        CHECK(*k == -(offset + misalignment));
      }
      // The technician sets the offset in force plus the candidate read.
      const int corrected = offset + *aligned(pattern, first, 0);
      CHECK(corrected == -misalignment);
      CHECK(aligned(pattern, print(pattern, corrected, misalignment), 0) == 0);
    }
  }
  // An error beyond the candidates: none meets.
  CHECK_FALSE(aligned(pattern, print(pattern, 0, 12), 0));
}

TEST_CASE("bidi pattern: a page too small for it is refused, saying the size it needs",
          "[drivers]") {
  auto small = calibration::bidi_pattern(70, 128);
  REQUIRE_FALSE(small.ok());
  CHECK(small.error().code == ErrorCode::refused);
  CHECK_THAT(small.error().message,
             Catch::Contains("at least 84.9 x 40.6 mm") && Catch::Contains("70.0"));
  CHECK_FALSE(calibration::bidi_pattern(94, 30).ok());
  CHECK(calibration::bidi_pattern(85, 41).ok());
}
