#include "layout/font_subset.hpp"

#include <cairo-ft.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include <hb-subset.h>
#include <hb.h>

#include <mutex>

namespace certprint::layout {
namespace {

// One FreeType library for the process, never freed: Cairo may drop its
// last reference to a face after any TextEngine is gone. FreeType wants
// face creation and disposal on one library serialised.
std::mutex ft_mutex;
FT_Library ft_library() {
  static FT_Library lib = [] {
    FT_Library l = nullptr;
    FT_Init_FreeType(&l);
    return l;
  }();
  return lib;
}

struct FaceData {
  hb_blob_t* blob;  // the subset font's bytes, which the FT_Face reads
  FT_Face face;
};

const cairo_user_data_key_t kFaceDataKey{};

void destroy_face_data(void* p) {
  auto* d = static_cast<FaceData*>(p);
  {
    std::lock_guard lock(ft_mutex);
    FT_Done_Face(d->face);
  }
  hb_blob_destroy(d->blob);
  delete d;
}

}  // namespace

SubsetFont::SubsetFont(hb_face_t* source) : source_(hb_face_reference(source)) {}

SubsetFont::~SubsetFont() {
  if (face_) cairo_font_face_destroy(face_);
  hb_face_destroy(source_);
}

Result<cairo_font_face_t*> SubsetFont::face_for(const std::set<unsigned>& glyphs,
                                                const std::set<unsigned>& codepoints) {
  bool missing = face_ == nullptr;
  for (unsigned g : glyphs) missing = missing || !glyphs_.contains(g);
  for (unsigned c : codepoints) missing = missing || !codepoints_.contains(c);
  if (!missing) return face_;

  if (glyphs_.size() + glyphs.size() > kMaxGlyphs) {
    glyphs_.clear();
    codepoints_.clear();
  }
  glyphs_.insert(glyphs.begin(), glyphs.end());
  codepoints_.insert(codepoints.begin(), codepoints.end());

  hb_subset_input_t* input = hb_subset_input_create_or_fail();
  if (!input) return Error{"HarfBuzz: cannot create a subset input"};
  hb_set_t* gset = hb_subset_input_glyph_set(input);
  for (unsigned g : glyphs_) hb_set_add(gset, g);
  hb_set_t* uset = hb_subset_input_unicode_set(input);
  for (unsigned c : codepoints_) hb_set_add(uset, c);
  hb_subset_input_set_flags(input, HB_SUBSET_FLAGS_RETAIN_GIDS | HB_SUBSET_FLAGS_NO_HINTING);
  hb_face_t* subset = hb_subset_or_fail(source_, input);
  hb_subset_input_destroy(input);
  if (!subset) return Error{"HarfBuzz: subsetting the font failed"};
  hb_blob_t* blob = hb_face_reference_blob(subset);
  hb_face_destroy(subset);

  unsigned int length = 0;
  const char* data = hb_blob_get_data(blob, &length);
  FT_Face ft = nullptr;
  FT_Error err;
  {
    std::lock_guard lock(ft_mutex);
    err = FT_New_Memory_Face(ft_library(), reinterpret_cast<const FT_Byte*>(data),
                             static_cast<FT_Long>(length), 0, &ft);
  }
  if (err != 0 || !ft) {
    hb_blob_destroy(blob);
    return Error{"FreeType: cannot load the font subset (error " + std::to_string(err) + ")"};
  }
  cairo_font_face_t* face = cairo_ft_font_face_create_for_ft_face(ft, 0);
  auto* owned = new FaceData{blob, ft};
  if (cairo_font_face_set_user_data(face, &kFaceDataKey, owned, destroy_face_data) !=
      CAIRO_STATUS_SUCCESS) {
    destroy_face_data(owned);
    cairo_font_face_destroy(face);
    return Error{"Cairo: cannot attach the font subset to its face"};
  }
  if (face_) cairo_font_face_destroy(face_);
  face_ = face;
  return face_;
}

}  // namespace certprint::layout
