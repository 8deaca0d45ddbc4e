#include "layout/text.hpp"

#include <pango/pangocairo.h>

#include <cstdio>
#include <set>
#include <vector>

#include "layout/font_subset.hpp"

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
  FittedText f{box.name, std::string(text), box.box, box.align, box.max_lines, box.size_pt, 0, 0};
  if (text.empty()) return f;
  if (!g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr))
    return Error{
        "field \"" + box.name + "\": text is not valid UTF-8", ErrorCode::invalid, {}, box.name};
  const int wrap_mm = box.max_lines > 1 ? static_cast<int>(box.box.w_mm) : 0;

  auto nominal = impl_->layout(text, box.size_pt, false, wrap_mm);
  if (pango_layout_get_unknown_glyphs_count(nominal.get()) > 0) {
    // Name the first character the font lacks, so the clerk can see which one.
    std::set<gunichar> seen;
    for (const char* p = f.text.c_str(); *p; p = g_utf8_next_char(p)) {
      const gunichar c = g_utf8_get_char(p);
      if (!seen.insert(c).second) continue;
      char one[8] = {};
      const int n = g_unichar_to_utf8(c, one);
      auto l = impl_->layout(std::string_view(one, n), box.size_pt, false, 0);
      if (pango_layout_get_unknown_glyphs_count(l.get()) > 0)
        return Error{"field \"" + box.name + "\": the font \"" + family_ + "\" has no glyph for " +
                         codepoint_label(c),
                     ErrorCode::refused,
                     {},
                     box.name};
    }
    return Error{"field \"" + box.name + "\": the font \"" + family_ + "\" cannot draw this text",
                 ErrorCode::refused,
                 {},
                 box.name};
  }

  for (double size = box.size_pt; size >= box.min_size_pt - 1e-9; size -= 0.25) {
    auto l = size == box.size_pt ? std::move(nominal) : impl_->layout(text, size, false, wrap_mm);
    PangoRectangle logical;
    pango_layout_get_extents(l.get(), nullptr, &logical);
    const double w = static_cast<double>(logical.width) / PANGO_SCALE;
    const double h = static_cast<double>(logical.height) / PANGO_SCALE;
    const int lines = pango_layout_get_line_count(l.get());
    if (w <= box.box.w_mm + 1e-6 && h <= box.box.h_mm + 1e-6 && lines <= box.max_lines) {
      f.size_pt = size;
      f.width_mm = w;
      f.height_mm = h;
      return f;
    }
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f × %.1f mm box even at %.2g pt", box.box.w_mm, box.box.h_mm,
                box.min_size_pt);
  return Error{
      "field \"" + box.name + "\": text does not fit its " + buf, ErrorCode::refused, {}, box.name};
}

Status TextEngine::draw(cairo_t* cr, const FittedText& f, GlyphPath path) {
  if (f.text.empty()) return {};
  pango_cairo_update_context(cr, impl_->context.get());
  const int wrap_mm = f.max_lines > 1 ? static_cast<int>(f.box.w_mm) : 0;
  auto l = impl_->layout(f.text, f.size_pt, false, wrap_mm);
  if (f.max_lines > 1)
    pango_layout_set_alignment(l.get(), f.align == Align::center  ? PANGO_ALIGN_CENTER
                                        : f.align == Align::right ? PANGO_ALIGN_RIGHT
                                                                  : PANGO_ALIGN_LEFT);
  PangoRectangle logical;
  pango_layout_get_extents(l.get(), nullptr, &logical);
  const double w = static_cast<double>(logical.width) / PANGO_SCALE;
  const double h = static_cast<double>(logical.height) / PANGO_SCALE;
  double x = f.box.x_mm;
  if (f.max_lines == 1) {
    if (f.align == Align::center) x += (f.box.w_mm - w) / 2;
    if (f.align == Align::right) x += f.box.w_mm - w;
  }
  const double y = f.box.y_mm + (f.box.h_mm - h) / 2;
  const double origin_x = x - static_cast<double>(logical.x) / PANGO_SCALE;
  const double origin_y = y - static_cast<double>(logical.y) / PANGO_SCALE;
  if (path == GlyphPath::embedded_subset) {
    if (auto s = draw_glyphs(cr, l.get(), f.size_pt * kPtToMm, origin_x, origin_y); !s)
      return Error{"field \"" + f.field + "\": " + s.message()};
  } else {
    cairo_move_to(cr, origin_x, origin_y);
    pango_cairo_show_layout(cr, l.get());
  }
  if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
    return Error{std::string("Cairo: drawing field \"") + f.field +
                 "\" failed: " + cairo_status_to_string(cairo_status(cr))};
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
    auto l =
        impl_->layout(f.text, f.size_pt, false, f.max_lines > 1 ? static_cast<int>(f.box.w_mm) : 0);
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
