#include "calibration/bidi_pattern.hpp"

#include <array>
#include <cmath>
#include <cstdio>
#include <string>

namespace certprint::calibration {
namespace {

constexpr int kPitch = 72;      // columns between candidates (5.1 mm)
constexpr int kBarWidth = 2;    // columns (1/180 inch)
constexpr int kGroupRows = 48;  // two passes of 24 rows
constexpr int kGroups = 4;
constexpr int kGroupGap = 32;  // blank rows between groups
// Rows within a group: the first pass holds the rule, the numbers and the
// upper bars; the second the lower bars.
constexpr int kLabelTop = 2, kUpperBarTop = 16, kLowerBarTop = 24, kLowerBarEnd = 40;

// 5 x 7 dot glyphs, top row first, the leftmost column the highest bit.
constexpr std::array<std::array<unsigned char, 7>, 11> kGlyphs = {{
    {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E},  // 0
    {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E},  // 1
    {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F},  // 2
    {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E},  // 3
    {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02},  // 4
    {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E},  // 5
    {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E},  // 6
    {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08},  // 7
    {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E},  // 8
    {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C},  // 9
    {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00},  // -
}};
constexpr int kScaleX = 3, kScaleY = 2;  // 15 x 14 dots: about 1.1 x 2.0 mm
constexpr int kGlyphWidth = 5 * kScaleX + 3;

void fill(layout::Raster& r, int x0, int y0, int x1, int y1) {
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) r.set(x, y);
}

void draw_glyph(layout::Raster& r, int glyph, int left, int top) {
  for (int row = 0; row < 7; ++row)
    for (int col = 0; col < 5; ++col)
      if (kGlyphs[glyph][row] & (0x10 >> col))
        fill(r, left + col * kScaleX, top + row * kScaleY, left + (col + 1) * kScaleX,
             top + (row + 1) * kScaleY);
}

// The number centred on column `centre`.
void draw_number(layout::Raster& r, int n, int centre, int top) {
  const std::string text = std::to_string(n);
  int left = centre - static_cast<int>(text.size()) * kGlyphWidth / 2;
  for (char c : text) {
    draw_glyph(r, c == '-' ? 10 : c - '0', left, top);
    left += kGlyphWidth;
  }
}

}  // namespace

Result<BidiPattern> bidi_pattern(double width_mm, double height_mm) {
  BidiPattern p;
  const int width = static_cast<int>(std::lround(width_mm / 25.4 * 360));
  const int height = static_cast<int>(std::lround(height_mm / 25.4 * 180));
  // The rule reaches 24 columns past the outer bars (their numbers and the
  // lower bars stay inside it) on either side of the centre.
  const int need_width = 2 * (kBidiCandidates * kPitch + 24 + kBarWidth);
  const int need_height = kGroups * kGroupRows + (kGroups - 1) * kGroupGap;
  if (width < need_width || height < need_height) {
    char text[200];
    std::snprintf(text, sizeof text,
                  "the bidirectional pattern needs a page of at least %.1f x %.1f mm; this one "
                  "is %.1f x %.1f mm",
                  need_width * 25.4 / 360, need_height * 25.4 / 180, width_mm, height_mm);
    return refused(text);
  }
  p.raster = layout::Raster::blank(width, height, {360, 180});
  p.bar_width = kBarWidth;
  p.upper_bar_row = kUpperBarTop + 4;
  p.lower_bar_row = kLowerBarTop + 8;
  const int centre = width / 2;
  for (int k = -kBidiCandidates; k <= kBidiCandidates; ++k)
    p.upper_x.push_back(centre + k * kPitch);
  const int span = 2 * kBidiCandidates * kPitch + kBarWidth;
  const int first_top = (height - kGroups * kGroupRows - (kGroups - 1) * kGroupGap) / 2;
  for (int g = 0; g < kGroups; ++g) {
    const int top = first_top + g * (kGroupRows + kGroupGap);
    p.group_tops.push_back(top);
    // The rule starts the first pass on the group's top row.
    fill(p.raster, p.upper_x.front() - 24, top, p.upper_x.front() + span + 24, top + 1);
    for (int i = 0; i < static_cast<int>(p.upper_x.size()); ++i) {
      const int k = i - kBidiCandidates, x = p.upper_x[i];
      draw_number(p.raster, k, x + kBarWidth / 2, top + kLabelTop);
      fill(p.raster, x, top + kUpperBarTop, x + kBarWidth, top + kLowerBarTop);
      fill(p.raster, x + k, top + kLowerBarTop, x + k + kBarWidth, top + kLowerBarEnd);
    }
  }
  return p;
}

}  // namespace certprint::calibration
