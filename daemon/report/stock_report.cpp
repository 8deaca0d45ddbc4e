#include "daemon/report/stock_report.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <cstdio>
#include <ctime>
#include <memory>
#include <vector>

namespace certprint::report {
namespace {

constexpr double kPtPerMm = 72.0 / 25.4;
constexpr double kPageW = 210, kPageH = 297;  // A4, mm
constexpr double kLeft = 18, kRight = 192, kTop = 15, kBottom = 281, kFooterY = 286;
constexpr double kCellPad = 0.9;  // mm inside a table cell

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct CairoDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};
struct ObjectDeleter {
  void operator()(void* o) const { g_object_unref(o); }
};

cairo_status_t append_to_string(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

struct Style {
  double size_pt = 9.5;
  bool bold = false;
  bool right = false;
  double grey = 0;  // 0 black .. 1 white
};

// One column of a table: its heading and width.
struct Column {
  std::string heading;
  double width_mm;
  bool right = false;
};

// Draws text top-down on A4 pages, starting a page when the next piece does
// not fit. The same calls run twice: once to count the pages, once to draw
// them with "n / N" in the footers.
class Pages {
 public:
  Pages(cairo_t* cr, const StockReportHeader& h, int total)
      : cr_(cr), header_(h), total_(total), layout_(pango_cairo_create_layout(cr)) {
    pango_cairo_context_set_resolution(pango_layout_get_context(layout_.get()), 72);
    cairo_scale(cr_, kPtPerMm, kPtPerMm);
    start_page();
  }
  int pages() const { return page_; }
  double y() const { return y_; }
  void skip(double mm) { y_ += mm; }
  void need(double mm) {
    if (y_ + mm > kBottom) {
      finish_page();
      start_page();
    }
  }

  // Text at (x, y) wrapped to `width`; returns its height in mm. Drawn only
  // when `draw`.
  double text(double x, double y, double width, const std::string& s, const Style& st,
              bool draw = true) {
    PangoLayout* l = layout_.get();
    std::unique_ptr<PangoFontDescription, void (*)(PangoFontDescription*)> font(
        pango_font_description_from_string(header_.font_family.c_str()),
        pango_font_description_free);
    pango_font_description_set_size(font.get(), static_cast<int>(st.size_pt * PANGO_SCALE));
    pango_font_description_set_weight(font.get(),
                                      st.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(l, font.get());
    pango_layout_set_width(l, static_cast<int>(width * kPtPerMm * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(l, st.right ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
    pango_layout_set_text(l, s.c_str(), -1);
    int w = 0, h = 0;
    pango_layout_get_size(l, &w, &h);
    if (draw) {
      cairo_save(cr_);
      cairo_translate(cr_, x, y);
      cairo_scale(cr_, 1 / kPtPerMm, 1 / kPtPerMm);
      cairo_set_source_rgb(cr_, st.grey, st.grey, st.grey);
      pango_cairo_show_layout(cr_, l);
      cairo_restore(cr_);
    }
    return static_cast<double>(h) / PANGO_SCALE / kPtPerMm;
  }

  // A paragraph across the text width, moving down past it.
  void line(const std::string& s, const Style& st = {}, double after = 1.5) {
    const double h = text(kLeft, y_, kRight - kLeft, s, st, false);
    need(h);
    y_ += text(kLeft, y_, kRight - kLeft, s, st) + after;
  }

  // A table row (the heading row when `heading`), ruled below; a row that
  // does not fit starts a page, with the headings again.
  void row(const std::vector<Column>& cols, const std::vector<std::string>& cells, bool heading) {
    const Style st{8.5, heading, false, 0};
    double h = 0;
    for (std::size_t i = 0; i < cols.size(); ++i)
      h = std::max(h, text(0, 0, cols[i].width_mm - 2 * kCellPad, cells[i], st, false));
    h += 2 * kCellPad;
    if (y_ + h > kBottom) {
      finish_page();
      start_page();
      if (!heading) row(cols, headings(cols), true);
    }
    double x = kLeft;
    for (std::size_t i = 0; i < cols.size(); ++i) {
      Style cell = st;
      cell.right = cols[i].right && !heading;
      text(x + kCellPad, y_ + kCellPad, cols[i].width_mm - 2 * kCellPad, cells[i], cell);
      x += cols[i].width_mm;
    }
    y_ += h;
    rule(heading ? 0.35 : 0.12);
  }

  void rule(double width_mm) {
    cairo_set_source_rgb(cr_, 0, 0, 0);
    cairo_set_line_width(cr_, width_mm);
    cairo_move_to(cr_, kLeft, y_);
    cairo_line_to(cr_, kRight, y_);
    cairo_stroke(cr_);
  }

  void finish_page() {
    const std::string n = std::to_string(page_);
    const std::string of = total_ > 0 ? std::to_string(total_) : "?";
    text(kLeft, kFooterY, kRight - kLeft,
         "certprint · 空白证书领用存核对表 " + header_.first_day + " – " + header_.last_day +
             " · 第 " + n + " 页 / 共 " + of + " 页 (page " + n + " of " + of + ")",
         Style{7.5, false, false, 0.35});
    cairo_show_page(cr_);
  }

  static std::vector<std::string> headings(const std::vector<Column>& cols) {
    std::vector<std::string> h;
    for (const auto& c : cols) h.push_back(c.heading);
    return h;
  }

 private:
  void start_page() {
    ++page_;
    y_ = kTop;
  }

  cairo_t* cr_;
  const StockReportHeader& header_;
  int total_;
  std::unique_ptr<PangoLayout, ObjectDeleter> layout_;
  int page_ = 0;
  double y_ = kTop;
};

std::string count_text(std::int64_t n) { return std::to_string(n); }

void heading(Pages& p, const std::string& s) {
  p.need(18);  // a heading is not left alone at a page's foot
  p.skip(2);
  p.line(s, Style{10.5, true}, 1);
}

void title_and_period(Pages& p, const StockReportHeader& h) {
  p.line("婚姻登记空白证书领用存核对表", Style{15, true}, 0);
  p.line("Blank certificate stock reconciliation", Style{10, false, false, 0.25}, 2.5);
  p.line("期间 Period: " + h.first_day + " – " + h.last_day + "（每日自 00:00 起，" + h.timezone +
             "；days from 00:00, " + h.timezone + "）",
         Style{}, 1);
  p.line("登记机关 Registration office: ______________________________________", Style{}, 1);
  p.line("生成 Generated: " + h.generated_at + "，" + h.generated_by + "（certprint）", Style{}, 1);
}

void figures(Pages& p, const stock::Figures& f, std::size_t anomalies) {
  heading(p, "一、数量 Figures");
  const std::vector<Column> cols{{"项目 Item", 140}, {"数量 Count", 34, true}};
  p.row(cols, Pages::headings(cols), true);
  const std::pair<const char*, std::int64_t> rows[] = {
      {"期初库存 Opening stock (unprinted: in the cupboard or on a booklet)", f.opening_in_stock},
      {"期初已打印待确认 Opening: printed, awaiting confirmation", f.opening_awaiting},
      {"本期入库 Received", f.received},
      {"未入库即使用 Used without a receipt", f.used_without_receipt},
      {"本期发出 Issued", f.issued},
      {"本期作废 Spoiled", f.spoiled},
      {"退回 Returned", f.returned},
      {"销毁 Destroyed", f.destroyed},
      {"期末库存 Closing stock (unprinted)", f.closing_in_stock},
      {"期末已打印待确认 Closing: printed, awaiting confirmation", f.closing_awaiting}};
  for (const auto& [label, n] : rows) p.row(cols, {label, count_text(n)}, false);
  const std::int64_t in =
      f.opening_in_stock + f.opening_awaiting + f.received + f.used_without_receipt;
  const std::int64_t out =
      f.issued + f.spoiled + f.returned + f.destroyed + f.closing_in_stock + f.closing_awaiting;
  p.skip(2);
  p.line(
      "核对 Check: 期初 + 入库 + 未入库即使用 = 发出 + 作废 + 退回 + 销毁 + 期末 "
      "(opening + received + used without receipt = issued + spoiled + returned + destroyed + "
      "closing)",
      Style{8.5});
  p.line(f.balances() ? count_text(in) + " = " + count_text(out) + "：平衡 balances"
                      : count_text(in) + " ≠ " + count_text(out) + "：不平衡 DOES NOT BALANCE",
         Style{10.5, true});
  p.line("异常 Anomalies: " + std::to_string(anomalies) +
             (anomalies ? "（逐号列于第五部分 listed by serial in part 5）" : "（无 none）"),
         Style{10.5, anomalies > 0});
}

void ranges(Pages& p, const std::string& title, const std::vector<stock::SerialRange>& rs) {
  heading(p, title);
  if (rs.empty()) return p.line("无 None");
  const std::vector<Column> cols{
      {"起 First serial", 60}, {"止 Last serial", 60}, {"数量 Count", 54, true}};
  p.row(cols, Pages::headings(cols), true);
  for (const auto& r : rs) p.row(cols, {r.first, r.last, count_text(r.count)}, false);
}

std::string holder_text(const std::string& holder) {
  if (holder == "male") return "男方 male";
  if (holder == "female") return "女方 female";
  return holder;
}

void spoiled(Pages& p, const std::vector<stock::Spoiled>& list) {
  heading(p, "四、作废明细 Spoiled blanks");
  if (list.empty()) return p.line("无 None");
  const std::vector<Column> cols{{"编号 Serial", 23}, {"登记 Issuance", 39}, {"持证人 Holder", 24},
                                 {"原因 Reason", 37}, {"经办 By", 21},       {"时间 Time", 30}};
  p.row(cols, Pages::headings(cols), true);
  for (const auto& s : list)
    p.row(cols,
          {s.serial, s.issuance_id, holder_text(s.holder), s.reason,
           s.by.empty() ? "—（被替换 superseded）" : s.by, local_minute_text(s.at)},
          false);
}

void anomalies(Pages& p, const std::vector<stock::Anomaly>& list) {
  heading(p, "五、异常 Anomalies");
  if (list.empty()) return p.line("无 None");
  const std::vector<Column> cols{{"编号 Serial", 24}, {"类型 Kind", 42}, {"说明 Detail", 108}};
  p.row(cols, Pages::headings(cols), true);
  for (const auto& a : list) p.row(cols, {a.serial, a.kind, a.detail}, false);
}

void signatures(Pages& p) {
  p.need(40);  // the block stays on one page: about 37 mm
  p.skip(4);
  p.line("以上数量与实物核对无误。The figures above agree with the blanks counted.", Style{10}, 5);
  p.line("制表人 Prepared by: ____________________    日期 Date: ______________", Style{10}, 5);
  p.line("审核人（负责人）Checked by (manager): ____________________    日期 Date: ______________",
         Style{10}, 5);
  p.line("签名 Signature: ____________________    登记机关（印章）Office seal:", Style{10}, 0);
}

// Lays out the whole report; returns the number of pages.
int compose(cairo_t* cr, const stock::Reconciliation& r, const StockReportHeader& h, int total) {
  Pages p(cr, h, total);
  title_and_period(p, h);
  figures(p, r.figures, r.anomalies.size());
  ranges(p, "二、本期入库 Received in the period", r.received);
  ranges(p, "三、期末库存 Closing stock", r.closing_stock);
  spoiled(p, r.spoiled);
  anomalies(p, r.anomalies);
  signatures(p);
  p.finish_page();
  return p.pages();
}

Result<std::string> draw(const stock::Reconciliation& r, const StockReportHeader& h, int total,
                         int* pages) {
  std::string out;
  std::unique_ptr<cairo_surface_t, SurfaceDeleter> surface(cairo_pdf_surface_create_for_stream(
      append_to_string, &out, kPageW * kPtPerMm, kPageH * kPtPerMm));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
    return Error{"the stock report: Cairo cannot create a PDF: " +
                 std::string(cairo_status_to_string(cairo_surface_status(surface.get())))};
  cairo_pdf_surface_set_metadata(
      surface.get(), CAIRO_PDF_METADATA_TITLE,
      ("Blank stock reconciliation " + h.first_day + " – " + h.last_day).c_str());
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "certprint");
  {
    std::unique_ptr<cairo_t, CairoDeleter> cr(cairo_create(surface.get()));
    *pages = compose(cr.get(), r, h, total);
    if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS)
      return Error{"the stock report: Cairo failed drawing it: " +
                   std::string(cairo_status_to_string(cairo_status(cr.get())))};
  }
  cairo_surface_finish(surface.get());
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
    return Error{"the stock report: Cairo failed writing the PDF: " +
                 std::string(cairo_status_to_string(cairo_surface_status(surface.get())))};
  return out;
}

std::tm local_tm(Millis at) {
  const std::time_t seconds = static_cast<std::time_t>(at >= 0 ? at / 1000 : (at - 999) / 1000);
  std::tm tm{};
  localtime_r(&seconds, &tm);
  return tm;
}

}  // namespace

std::string utc_offset_text(Millis at) {
  const std::tm tm = local_tm(at);
  const long offset = tm.tm_gmtoff;
  if (offset == 0) return "UTC";
  const long a = offset < 0 ? -offset : offset;
  char text[48];
  std::snprintf(text, sizeof text, "UTC%c%02ld:%02ld", offset < 0 ? '-' : '+', a / 3600 % 100,
                a % 3600 / 60);
  return text;
}

std::string local_minute_text(Millis at) {
  const std::tm tm = local_tm(at);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", &tm);
  return std::string(text) + " " + utc_offset_text(at);
}

Result<std::string> stock_report_pdf(const stock::Reconciliation& r, const StockReportHeader& h) {
  int pages = 0;
  auto counted = draw(r, h, 0, &pages);
  if (!counted) return counted.error();
  return draw(r, h, pages, &pages);
}

}  // namespace certprint::report
