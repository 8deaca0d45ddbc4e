// Booklet templates: every position and size of a booklet's pages, loaded
// from a data file (templates/*.json; see docs/templates.md). Code holds no
// page geometry of its own.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "layout/geometry.hpp"

namespace certprint::layout {

enum class Align { left, center, right };

// How a field with max_lines > 1 wraps (docs/templates.md).
enum class Wrap {
  // A paragraph (remarks): wraps at max_lines first, then shrinks; between
  // words, or between characters inside a word too long for a line.
  text,
  // A name: one line shrunk to min_size_pt first, then up to max_lines
  // balanced lines, wrapping only between words, after a middle dot or
  // between CJK characters (layout/line_break.hpp), set close together so
  // that two lines fit a box made for one.
  name,
};

// A box the printer fills with one field's text.
struct FieldBox {
  std::string name;  // key into the page's field values, e.g. "male.name"
  Rect box;
  double size_pt = 10.5;     // nominal font size
  double min_size_pt = 6.0;  // shrink-to-fit stops here; smaller is refused
  Align align = Align::left;
  int max_lines = 1;       // >1 lets the text wrap, as `wrap` says
  Wrap wrap = Wrap::text;  // meaningful only when max_lines > 1
};

// Page 5's QR zone and the rules for the symbol inside it.
struct QrZone {
  Rect box;                     // the only place a QR may land
  double module_min_mm = 0.5;   // a module is never smaller on paper
  int min_dots_per_module = 4;  // nor fewer printer dots on either axis
  int quiet_zone_modules = 4;   // white border, part of the symbol's footprint
};

// One stroke of the pre-printed form's drawn stand-in (for previews only).
struct FormItem {
  enum class Kind { text, line, rect } kind = Kind::text;
  std::string text;    // kind == text
  Point at;            // text: baseline-left; line: start
  Point to;            // line: end
  Rect rect;           // kind == rect
  double size_pt = 9;  // text
};

struct PageTemplate {
  std::string kind;  // "info" | "page5"
  double width_mm = 0;
  double height_mm = 0;
  std::vector<FieldBox> fields;
  std::optional<QrZone> qr;
  std::vector<FormItem> form;
};

struct Template {
  std::string name;         // "marriage"
  std::string font_family;  // must resolve to exactly this family; no fallback
  std::string notes;        // which numbers are estimates, how they were measured
  PageTemplate info;
  PageTemplate page5;
};

// Loads and checks a template: page sizes positive, every box inside its
// page, sizes sane, page 5 has a QR zone. Errors name the file and the field.
Result<Template> load_template(const std::filesystem::path& path);
Result<Template> parse_template(std::string_view json, std::string_view origin);

}  // namespace certprint::layout
