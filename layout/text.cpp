#include "layout/text.hpp"

#include <pango/pangocairo.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <vector>

#include "layout/font_subset.hpp"
#include "layout/line_break.hpp"

namespace certprint::layout {
namespace {

constexpr double kPtToMm = kMmPerInch / kPointsPerInch;

struct GObjectDeleter {
  void operator()(gpointer p) const {
    if (p) g_object_unref(p);
  }
};
template <class T>
using GPtr = std::unique_ptr<T, GObjectDeleter>;

std::string codepoint_label(gunichar c) {
  char utf8[8] = {};
  g_unichar_to_utf8(c, utf8);
  char buf[32];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return std::string(buf) + " \"" + utf8 + "\"";
}

}  // namespace

struct TextEngine::Impl {
  GPtr<PangoFontMap> font_map;
  GPtr<PangoContext> context;
  PangoFontDescription* desc = nullptr;  // family only; size set per layout
  std::unique_ptr<SubsetFont> subset;    // for PDFs; made on first use

  ~Impl() {
    if (desc) pango_font_description_free(desc);
  }

  GPtr<PangoLayout> layout(std::string_view text, double size_pt, bool fallback,
                           int wrap_width_mm) {
    GPtr<PangoLayout> l(pango_layout_new(context.get()));
    PangoFontDescription* d = pango_font_description_copy(desc);
    pango_font_description_set_absolute_size(d, size_pt * kPtToMm * PANGO_SCALE);
    pango_layout_set_font_description(l.get(), d);
    pango_font_description_free(d);
    if (!fallback) {
      PangoAttrList* attrs = pango_attr_list_new();
      pango_attr_list_insert(attrs, pango_attr_fallback_new(FALSE));
      pango_layout_set_attributes(l.get(), attrs);
      pango_attr_list_unref(attrs);
    }
    if (wrap_width_mm > 0) {
      pango_layout_set_width(l.get(), wrap_width_mm * PANGO_SCALE);
      pango_layout_set_wrap(l.get(), PANGO_WRAP_WORD_CHAR);
    }
    pango_layout_set_text(l.get(), text.data(), static_cast<int>(text.size()));
    return l;
  }

  // A wrapped name's lines, one layout each, kNameLinePitchEm apart.
  struct LineStack {
    std::vector<GPtr<PangoLayout>> layouts;
    double pitch_mm = 0;
    double width_mm = 0;       // the widest line's logical width
    double ink_top_mm = 0;     // from the first line's baseline, down is +
    double ink_bottom_mm = 0;  // of the whole stack
    double ink_height_mm() const { return ink_bottom_mm - ink_top_mm; }
  };

  LineStack stack(const std::vector<std::string>& lines, double size_pt) {
    LineStack s;
    s.pitch_mm = kNameLinePitchEm * size_pt * kPtToMm;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      auto l = layout(lines[i], size_pt, false, 0);
      PangoRectangle ink, logical;
      pango_layout_get_extents(l.get(), &ink, &logical);
      const double baseline = mm(pango_layout_get_baseline(l.get()));
      const double top = static_cast<double>(i) * s.pitch_mm + mm(ink.y) - baseline;
      const double bottom = top + mm(ink.height);
      s.width_mm = std::max(s.width_mm, mm(logical.width));
      s.ink_top_mm = i == 0 ? top : std::min(s.ink_top_mm, top);
      s.ink_bottom_mm = i == 0 ? bottom : std::max(s.ink_bottom_mm, bottom);
      s.layouts.push_back(std::move(l));
    }
    return s;
  }

  // Names the first character of `text` the font lacks.
  Error missing_glyph(const FieldBox& box, const std::string& text, const std::string& family) {
    std::set<gunichar> seen;
    for (const char* p = text.c_str(); *p; p = g_utf8_next_char(p)) {
      const gunichar c = g_utf8_get_char(p);
      if (!seen.insert(c).second) continue;
      char one[8] = {};
      const int n = g_unichar_to_utf8(c, one);
      auto l = layout(std::string_view(one, n), box.size_pt, false, 0);
      if (pango_layout_get_unknown_glyphs_count(l.get()) > 0)
        return Error{"field \"" + box.name + "\": the font \"" + family + "\" has no glyph for " +
                         codepoint_label(c),
                     ErrorCode::refused,
                     {},
                     box.name};
    }
    return Error{"field \"" + box.name + "\": the font \"" + family + "\" cannot draw this text",
                 ErrorCode::refused,
                 {},
                 box.name};
  }

  // The largest size at which `f.text` fits as one layout (a paragraph of
  // up to max_lines lines for Wrap::text); `nominal` is it at box.size_pt.
  bool fit_layout(const FieldBox& box, FittedText& f, GPtr<PangoLayout> nominal) {
    const int wrap_mm = f.paragraph_wrap_mm();
    const int max_lines = wrap_mm > 0 ? box.max_lines : 1;
    for (double size = box.size_pt; size >= box.min_size_pt - 1e-9; size -= 0.25) {
      auto l = size == box.size_pt ? std::move(nominal) : layout(f.text, size, false, wrap_mm);
      PangoRectangle logical;
      pango_layout_get_extents(l.get(), nullptr, &logical);
      const double w = mm(logical.width);
      const double h = mm(logical.height);
      const int lines = pango_layout_get_line_count(l.get());
      if (w <= box.box.w_mm + 1e-6 && h <= box.box.h_mm + 1e-6 && lines <= max_lines) {
        f.size_pt = size;
        f.width_mm = w;
        f.height_mm = h;
        return true;
      }
    }
    return false;
  }

  // The largest size at which `f.text`, cut into `lines` balanced lines at
  // its wrap points, fits the box: every line's width, all lines' ink (and
  // its clearance).
  bool fit_name_lines(const FieldBox& box, FittedText& f, int lines) {
    // Widths scale with the size (metrics are unhinted), so the cut is
    // chosen once, measured on the text as one line.
    auto one_line = layout(f.text, box.size_pt, false, 0);
    auto x_at = [&](std::size_t byte) {
      PangoRectangle pos;
      if (byte >= f.text.size()) {
        pango_layout_get_extents(one_line.get(), nullptr, &pos);
        return mm(pos.x + pos.width);
      }
      pango_layout_index_to_pos(one_line.get(), static_cast<int>(byte), &pos);
      return mm(pos.x);
    };
    const auto cut =
        balanced_breaks(name_breaks(f.text), f.text.size(), lines,
                        [&](std::size_t a, std::size_t b) { return x_at(b) - x_at(a); });
    if (!cut) return false;
    auto text_lines = split_lines(f.text, *cut);
    for (double size = box.size_pt; size >= box.min_size_pt - 1e-9; size -= 0.25) {
      const LineStack s = stack(text_lines, size);
      if (s.width_mm <= box.box.w_mm + 1e-6 &&
          s.ink_height_mm() <= box.box.h_mm - 2 * kNameInkClearanceMm + 1e-6) {
        f.size_pt = size;
        f.width_mm = s.width_mm;
        f.height_mm = s.ink_height_mm();
        f.lines = std::move(text_lines);
        return true;
      }
    }
    return false;
  }

  static double mm(int pango_units) { return static_cast<double>(pango_units) / PANGO_SCALE; }
};

TextEngine::TextEngine(std::unique_ptr<Impl> impl, std::string family)
    : impl_(std::move(impl)), family_(std::move(family)) {}
TextEngine::~TextEngine() = default;

Result<std::unique_ptr<TextEngine>> TextEngine::create(const std::string& family) {
  auto impl = std::make_unique<Impl>();
  impl->font_map.reset(pango_cairo_font_map_new());
  if (!impl->font_map) return Error{"Pango: cannot create a font map"};
  impl->context.reset(pango_font_map_create_context(impl->font_map.get()));
  // Unhinted metrics make a text's width the same in the PDF and in every
  // raster resolution, so a fit decided once holds for every output.
  cairo_font_options_t* opts = cairo_font_options_create();
  cairo_font_options_set_hint_metrics(opts, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(opts, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options(impl->context.get(), opts);
  cairo_font_options_destroy(opts);
  // Pango would round every glyph position to a whole layout unit, and a
  // layout's unit here is the millimetre: glyphs a third of a millimetre
  // off their advances, and gaps a PDF reader takes for spaces.
  pango_context_set_round_glyph_positions(impl->context.get(), FALSE);

  impl->desc = pango_font_description_new();
  pango_font_description_set_family(impl->desc, family.c_str());
  pango_font_description_set_absolute_size(impl->desc, 10 * PANGO_SCALE);
  GPtr<PangoFont> font(pango_context_load_font(impl->context.get(), impl->desc));
  if (!font) return Error{"font \"" + family + "\" cannot be loaded"};
  PangoFontDescription* got = pango_font_describe(font.get());
  const std::string got_family = pango_font_description_get_family(got);
  pango_font_description_free(got);
  if (g_ascii_strcasecmp(got_family.c_str(), family.c_str()) != 0)
    return Error{"font \"" + family + "\" is not installed (fontconfig offered \"" + got_family +
                 "\"); on Debian: apt-get install fonts-noto-cjk"};
  return std::unique_ptr<TextEngine>(new TextEngine(std::move(impl), family));
}

Result<FittedText> TextEngine::fit(const FieldBox& box, std::string_view text) {
  FittedText f;
  f.field = box.name;
  f.text = std::string(text);
  f.box = box.box;
  f.align = box.align;
  f.max_lines = box.max_lines;
  f.size_pt = box.size_pt;
  f.wrap = box.wrap;
  if (text.empty()) return f;
  if (!g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr))
    return Error{
        "field \"" + box.name + "\": text is not valid UTF-8", ErrorCode::invalid, {}, box.name};

  auto nominal = impl_->layout(text, box.size_pt, false, f.paragraph_wrap_mm());
  if (pango_layout_get_unknown_glyphs_count(nominal.get()) > 0)
    return impl_->missing_glyph(box, f.text, family_);
  if (impl_->fit_layout(box, f, std::move(nominal))) return f;
  // A name shrinks to its minimum size on one line before it wraps.
  if (box.wrap == Wrap::name)
    for (int lines = 2; lines <= box.max_lines; ++lines)
      if (impl_->fit_name_lines(box, f, lines)) return f;

  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f × %.1f mm box even at %.2g pt", box.box.w_mm, box.box.h_mm,
                box.min_size_pt);
  std::string why = std::string("text does not fit its ") + buf;
  if (box.wrap == Wrap::name && box.max_lines > 1)
    why += name_breaks(text).empty()
               ? " on one line, and a name wraps only at a space, after a middle dot (·) or "
                 "between CJK characters"
               : " on " + std::to_string(box.max_lines) + " lines";
  return Error{"field \"" + box.name + "\": " + why, ErrorCode::refused, {}, box.name};
}

Status TextEngine::draw(cairo_t* cr, const FittedText& f, GlyphPath path) {
  if (f.text.empty()) return {};
  pango_cairo_update_context(cr, impl_->context.get());
  if (!f.lines.empty()) return draw_lines(cr, f, path);
  auto l = impl_->layout(f.text, f.size_pt, false, f.paragraph_wrap_mm());
  if (f.paragraph_wrap_mm() > 0)
    pango_layout_set_alignment(l.get(), f.align == Align::center  ? PANGO_ALIGN_CENTER
                                        : f.align == Align::right ? PANGO_ALIGN_RIGHT
                                                                  : PANGO_ALIGN_LEFT);
  PangoRectangle logical;
  pango_layout_get_extents(l.get(), nullptr, &logical);
  const double w = static_cast<double>(logical.width) / PANGO_SCALE;
  const double h = static_cast<double>(logical.height) / PANGO_SCALE;
  double x = f.box.x_mm;
  if (f.paragraph_wrap_mm() == 0) {
    if (f.align == Align::center) x += (f.box.w_mm - w) / 2;
    if (f.align == Align::right) x += f.box.w_mm - w;
  }
  const double y = f.box.y_mm + (f.box.h_mm - h) / 2;
  const double origin_x = x - static_cast<double>(logical.x) / PANGO_SCALE;
  const double origin_y = y - static_cast<double>(logical.y) / PANGO_SCALE;
  if (auto s = show(cr, l.get(), f.size_pt * kPtToMm, origin_x, origin_y, path); !s)
    return Error{"field \"" + f.field + "\": " + s.message()};
  return {};
}

// The lines' ink is centred in the box, so no stroke leaves it, whichever
// script the name is in.
Status TextEngine::draw_lines(cairo_t* cr, const FittedText& f, GlyphPath path) {
  const auto s = impl_->stack(f.lines, f.size_pt);
  const double first_baseline = f.box.y_mm + (f.box.h_mm - s.ink_height_mm()) / 2 - s.ink_top_mm;
  for (std::size_t i = 0; i < s.layouts.size(); ++i) {
    PangoLayout* l = s.layouts[i].get();
    PangoRectangle logical;
    pango_layout_get_extents(l, nullptr, &logical);
    double x = f.box.x_mm;
    if (f.align == Align::center) x += (f.box.w_mm - Impl::mm(logical.width)) / 2;
    if (f.align == Align::right) x += f.box.w_mm - Impl::mm(logical.width);
    const double baseline = first_baseline + static_cast<double>(i) * s.pitch_mm;
    if (auto st = show(cr, l, f.size_pt * kPtToMm, x - Impl::mm(logical.x),
                       baseline - Impl::mm(pango_layout_get_baseline(l)), path);
        !st)
      return Error{"field \"" + f.field + "\": " + st.message()};
  }
  return {};
}

Status TextEngine::show(cairo_t* cr, void* layout, double size_mm, double x_mm, double y_mm,
                        GlyphPath path) {
  if (path == GlyphPath::embedded_subset) {
    if (auto s = draw_glyphs(cr, layout, size_mm, x_mm, y_mm); !s) return s;
  } else {
    cairo_move_to(cr, x_mm, y_mm);
    pango_cairo_show_layout(cr, static_cast<PangoLayout*>(layout));
  }
  if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
    return Error{std::string("Cairo: drawing failed: ") + cairo_status_to_string(cairo_status(cr))};
  return {};
}

void TextEngine::draw_label(cairo_t* cr, std::string_view text, Point at, double size_pt) {
  pango_cairo_update_context(cr, impl_->context.get());
  auto l = impl_->layout(text, size_pt, true, 0);
  const double baseline = static_cast<double>(pango_layout_get_baseline(l.get())) / PANGO_SCALE;
  cairo_move_to(cr, at.x_mm, at.y_mm - baseline);
  pango_cairo_show_layout(cr, l.get());
}

namespace {

// One Pango run as Cairo glyphs, positioned exactly as Pango laid it out;
// clusters tie each glyph back to its characters so the PDF's text can be
// read and searched.
struct GlyphRun {
  std::vector<cairo_glyph_t> glyphs;
  std::vector<cairo_text_cluster_t> clusters;
  const char* utf8 = nullptr;
  int utf8_len = 0;
  double size_mm = 0;
};

struct CollectedGlyphs {
  std::vector<GlyphRun> runs;
  std::set<unsigned> glyph_ids;
  std::set<unsigned> codepoints;
  hb_face_t* face = nullptr;
};

void collect_glyphs(PangoLayout* layout, double size_mm, double origin_x, double origin_y,
                    CollectedGlyphs& out) {
  const char* text = pango_layout_get_text(layout);
  PangoLayoutIter* it = pango_layout_get_iter(layout);
  do {
    PangoLayoutRun* run = pango_layout_iter_get_run_readonly(it);
    if (!run) continue;
    PangoRectangle logical;
    pango_layout_iter_get_run_extents(it, nullptr, &logical);
    const double baseline = static_cast<double>(pango_layout_iter_get_baseline(it)) / PANGO_SCALE;
    double x = static_cast<double>(logical.x) / PANGO_SCALE;
    GlyphRun r;
    r.utf8 = text + run->item->offset;
    r.utf8_len = run->item->length;
    if (!out.face) out.face = hb_font_get_face(pango_font_get_hb_font(run->item->analysis.font));
    r.size_mm = size_mm;

    std::vector<int> starts;
    for (int i = 0; i < run->glyphs->num_glyphs; ++i) {
      const PangoGlyphInfo& g = run->glyphs->glyphs[i];
      if (g.glyph != PANGO_GLYPH_EMPTY && !(g.glyph & PANGO_GLYPH_UNKNOWN_FLAG)) {
        const int start = run->glyphs->log_clusters[i];
        if (starts.empty() || starts.back() != start) {
          starts.push_back(start);
          r.clusters.push_back({0, 0});
        }
        ++r.clusters.back().num_glyphs;
        r.glyphs.push_back(
            {g.glyph, origin_x + x + static_cast<double>(g.geometry.x_offset) / PANGO_SCALE,
             origin_y + baseline + static_cast<double>(g.geometry.y_offset) / PANGO_SCALE});
        out.glyph_ids.insert(g.glyph);
      }
      x += static_cast<double>(g.geometry.width) / PANGO_SCALE;
    }
    if (r.glyphs.empty()) continue;
    for (std::size_t c = 0; c < starts.size(); ++c) {
      const int from = c == 0 ? 0 : starts[c];
      const int to = c + 1 < starts.size() ? starts[c + 1] : r.utf8_len;
      r.clusters[c].num_bytes = to - from;
    }
    for (const char* p = r.utf8; p < r.utf8 + r.utf8_len; p = g_utf8_next_char(p))
      out.codepoints.insert(g_utf8_get_char(p));
    out.runs.push_back(std::move(r));
  } while (pango_layout_iter_next_run(it));
  pango_layout_iter_free(it);
}

}  // namespace

Status TextEngine::prepare_subset(const std::vector<FittedText>& texts) {
  CollectedGlyphs all;
  for (const auto& f : texts) {
    if (f.text.empty()) continue;
    if (!f.lines.empty()) {
      for (const auto& l : impl_->stack(f.lines, f.size_pt).layouts)
        collect_glyphs(l.get(), f.size_pt * kPtToMm, 0, 0, all);
      continue;
    }
    auto l = impl_->layout(f.text, f.size_pt, false, f.paragraph_wrap_mm());
    collect_glyphs(l.get(), f.size_pt * kPtToMm, 0, 0, all);
  }
  if (!all.face) return {};
  if (!impl_->subset || impl_->subset->source() != all.face)
    impl_->subset = std::make_unique<SubsetFont>(all.face);
  auto face = impl_->subset->face_for(all.glyph_ids, all.codepoints);
  if (!face) return face.error();
  return {};
}

Status TextEngine::draw_glyphs(cairo_t* cr, void* layout, double size_mm, double origin_x,
                               double origin_y) {
  CollectedGlyphs c;
  collect_glyphs(static_cast<PangoLayout*>(layout), size_mm, origin_x, origin_y, c);
  if (c.runs.empty()) return {};
  if (!impl_->subset || impl_->subset->source() != c.face)
    impl_->subset = std::make_unique<SubsetFont>(c.face);
  auto subset_face = impl_->subset->face_for(c.glyph_ids, c.codepoints);
  if (!subset_face) return subset_face.error();

  cairo_save(cr);
  cairo_set_font_face(cr, *subset_face);
  for (const GlyphRun& r : c.runs) {
    cairo_set_font_size(cr, r.size_mm);
    cairo_show_text_glyphs(cr, r.utf8, r.utf8_len, r.glyphs.data(),
                           static_cast<int>(r.glyphs.size()), r.clusters.data(),
                           static_cast<int>(r.clusters.size()),
                           static_cast<cairo_text_cluster_flags_t>(0));
  }
  cairo_restore(cr);
  if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
    return Error{std::string("Cairo: drawing glyphs failed: ") +
                 cairo_status_to_string(cairo_status(cr))};
  return {};
}

}  // namespace certprint::layout
