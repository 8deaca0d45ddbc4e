// Text on booklet pages: Pango on Cairo with one named font and no fallback,
// so a character the font cannot draw is an error instead of a box on a
// certificate.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "layout/geometry.hpp"
#include "layout/template.hpp"

typedef struct _cairo cairo_t;

namespace certprint::layout {

// One field's text with the size chosen to fit its box.
struct FittedText {
  std::string field;  // template field name, for messages
  std::string text;
  Rect box;
  Align align = Align::left;
  int max_lines = 1;
  double size_pt = 0;
  // Logical extents at size_pt; for a wrapped name (`lines`), the widest
  // line's width and the height of all lines' ink.
  double width_mm = 0;
  double height_mm = 0;
  Wrap wrap = Wrap::text;
  // Empty: `text` is drawn as one Pango layout (a paragraph when max_lines >
  // 1 and wrap is text). Otherwise a name wrapped (Wrap::name) into these
  // lines, top to bottom, the spaces it wrapped at left out.
  std::vector<std::string> lines;

  // The width at which Pango wraps a paragraph, 0 when it must not wrap.
  int paragraph_wrap_mm() const {
    return max_lines > 1 && wrap == Wrap::text ? static_cast<int>(box.w_mm) : 0;
  }
};

// A wrapped name's lines are this many ems apart, baseline to baseline:
// closer than the font's own line height (1.44 em for Noto CJK, made for
// paragraphs), so two lines fit a box made for one; a line of CJK inks
// about 0.9 em, which leaves about 0.3 em between lines.
inline constexpr double kNameLinePitchEm = 1.2;
// The ink of a wrapped name keeps this far inside its box's top and bottom:
// a box often ends on a rule of the pre-printed form (the holder line), and
// two lines filling the box would print on it. Two dots at 180 dpi.
inline constexpr double kNameInkClearanceMm = 0.25;

// Owns a Pango font map and context. Not thread-safe: one per thread.
class TextEngine {
 public:
  // Fails when `family` does not resolve to a font of exactly that family
  // (fontconfig would otherwise substitute another font without a word).
  static Result<std::unique_ptr<TextEngine>> create(const std::string& family);
  ~TextEngine();
  TextEngine(const TextEngine&) = delete;
  TextEngine& operator=(const TextEngine&) = delete;

  const std::string& family() const { return family_; }

  // Chooses the largest size from box.size_pt down to box.min_size_pt (in
  // 0.25 pt steps) at which `text` fits the box: on one line, or for
  // Wrap::text up to max_lines lines wrapped by Pango. A Wrap::name field
  // that does not fit on one line even at min_size_pt is then cut into 2..
  // max_lines lines at its wrap points (layout/line_break.hpp), balanced so
  // the widest is narrowest, at the largest size at which every line fits
  // the box's width and the ink of all of them, kNameLinePitchEm apart,
  // fits its height less kNameInkClearanceMm at the top and the bottom.
  // Refuses a character the font lacks, naming it, and text that fits no
  // way, naming the field (ErrorCode::refused).
  Result<FittedText> fit(const FieldBox& box, std::string_view text);

  // How glyphs reach the surface. `pango` lets Pango draw with the system
  // font (rasters). `embedded_subset` draws the same glyphs at the same
  // positions from a small subset of the font (PDFs): Cairo then embeds a
  // font of a few glyphs instead of parsing a 65,535-glyph CJK font per
  // document, which took 95 % of a booklet's render time.
  enum class GlyphPath { pango, embedded_subset };

  // Draws fitted text; the current user space of `cr` must be paper mm.
  Status draw(cairo_t* cr, const FittedText& text, GlyphPath path = GlyphPath::pango);

  // Makes sure the embedded font subset holds every glyph of these texts,
  // so that one page's PDF embeds one font. Call before drawing a page with
  // GlyphPath::embedded_subset.
  Status prepare_subset(const std::vector<FittedText>& texts);

  // Draws free text with its baseline-left at `at` (forms and targets); the
  // font may fall back for characters it lacks, as nothing here is printed.
  void draw_label(cairo_t* cr, std::string_view text, Point at, double size_pt);

 private:
  struct Impl;
  Status draw_glyphs(cairo_t* cr, void* layout, double size_mm, double x_mm, double y_mm);
  // Draws one layout with its logical origin at (x_mm, y_mm).
  Status show(cairo_t* cr, void* layout, double size_mm, double x_mm, double y_mm, GlyphPath path);
  Status draw_lines(cairo_t* cr, const FittedText& text, GlyphPath path);
  explicit TextEngine(std::unique_ptr<Impl> impl, std::string family);
  std::unique_ptr<Impl> impl_;
  std::string family_;
};

}  // namespace certprint::layout
