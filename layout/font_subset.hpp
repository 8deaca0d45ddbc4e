// Internal to the layout library: a growing subset of one font, for
// embedding in PDFs. Glyph ids are kept as in the full font, so glyphs that
// Pango shaped with the full font can be drawn from the subset unchanged.
#pragma once

#include <set>

#include "common/result.hpp"

typedef struct hb_face_t hb_face_t;
typedef struct _cairo_font_face cairo_font_face_t;

namespace certprint::layout {

class SubsetFont {
 public:
  // Takes a reference to `source` (the face Pango shapes with).
  explicit SubsetFont(hb_face_t* source);
  ~SubsetFont();
  SubsetFont(const SubsetFont&) = delete;
  SubsetFont& operator=(const SubsetFont&) = delete;

  hb_face_t* source() const { return source_; }

  // A Cairo face holding at least these glyphs (ids of the full font) and
  // code points. The subset is rebuilt, larger, only when something is
  // missing; past kMaxGlyphs it starts over from what this call needs, so a
  // long-running daemon's subset stays small. The face stays valid until the
  // next call; Cairo keeps its own reference while drawing.
  Result<cairo_font_face_t*> face_for(const std::set<unsigned>& glyphs,
                                      const std::set<unsigned>& codepoints);

  static constexpr std::size_t kMaxGlyphs = 2000;

 private:
  hb_face_t* source_;
  std::set<unsigned> glyphs_;
  std::set<unsigned> codepoints_;
  cairo_font_face_t* face_ = nullptr;
};

}  // namespace certprint::layout
