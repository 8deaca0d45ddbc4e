// The reconciliation report read back as its reader would (Poppler): A4
// pages, every figure beside its label, the balance, every spoiled blank and
// anomaly by serial however many pages they take, page numbers "n of N",
// and the signature lines on the last page.
#include "daemon/report/stock_report.hpp"

#include <poppler.h>

#include <catch2/catch.hpp>
#include <regex>

#include "support/pdf_text.hpp"

using namespace certprint;

namespace {

// Each page's text and size (points).
struct PageText {
  std::string text;
  double width_pt = 0, height_pt = 0;
};
std::vector<PageText> pages_of(const std::string& pdf) {
  GBytes* bytes = g_bytes_new(pdf.data(), pdf.size());
  PopplerDocument* doc = poppler_document_new_from_bytes(bytes, nullptr, nullptr);
  g_bytes_unref(bytes);
  REQUIRE(doc != nullptr);
  std::vector<PageText> out;
  for (int i = 0; i < poppler_document_get_n_pages(doc); ++i) {
    PopplerPage* page = poppler_document_get_page(doc, i);
    PageText p;
    poppler_page_get_size(page, &p.width_pt, &p.height_pt);
    char* text = poppler_page_get_text(page);
    p.text = text ? text : "";
    g_free(text);
    g_object_unref(page);
    out.push_back(p);
  }
  g_object_unref(doc);
  return out;
}

long long figure_after(const std::string& text, const std::string& label) {
  return testing::pdf_figure_after(text, label);
}

stock::Reconciliation sample() {
  stock::Reconciliation r;
  // Distinct values, so a figure printed beside the wrong label shows.
  r.figures = {101, 6, 300, 4, 205, 7, 9, 11, 176, 3};
  r.received = {{"4400260001", "4400260300", 300}};
  r.closing_stock = {{"4400260125", "4400260300", 176}};
  r.spoiled = {{"4400260010", "440106-20261103-0007", "female", "墨迹 smudge <b>&amp;",
                "clerk-wang", 1'793'000'000'000}};
  r.anomalies = {{"4400269999", "never_received", "used on 440106-20261104-0002 (male)"}};
  return r;
}

report::StockReportHeader header() {
  return {"2026-11-01",           "2026-11-30", "UTC",
          "2026-12-01 09:00 UTC", "tech-li",    "Noto Serif CJK SC"};
}

template <class T>
T ok(Result<T> r) {
  if (!r) FAIL(r.error().message);
  return std::move(*r);
}

}  // namespace

TEST_CASE("stock report: A4, every figure beside its label, balanced, signed", "[report]") {
  const std::string pdf = ok(report::stock_report_pdf(sample(), header()));
  const auto pages = pages_of(pdf);
  REQUIRE(pages.size() == 1);
  CHECK(pages[0].width_pt == Approx(595.28).margin(0.1));
  CHECK(pages[0].height_pt == Approx(841.89).margin(0.1));
  const std::string& t = pages[0].text;
  INFO(t);
  CHECK(figure_after(t, "期初库存 Opening stock (unprinted: in the cupboard or on a booklet)") ==
        101);
  CHECK(figure_after(t, "期初已打印待确认 Opening: printed, awaiting confirmation") == 6);
  CHECK(figure_after(t, "本期入库 Received") == 300);
  CHECK(figure_after(t, "未入库即使用 Used without a receipt") == 4);
  CHECK(figure_after(t, "本期发出 Issued") == 205);
  CHECK(figure_after(t, "本期作废 Spoiled") == 7);
  CHECK(figure_after(t, "退回 Returned") == 9);
  CHECK(figure_after(t, "销毁 Destroyed") == 11);
  CHECK(figure_after(t, "期末库存 Closing stock (unprinted)") == 176);
  CHECK(figure_after(t, "期末已打印待确认 Closing: printed, awaiting confirmation") == 3);
  CHECK(t.find("411 = 411：平衡 balances") != std::string::npos);
  CHECK(t.find("2026-11-01 – 2026-11-30") != std::string::npos);
  CHECK(t.find("tech-li") != std::string::npos);
  // The movements, the closing stock, the spoiled blank (its reason as
  // typed, markup and all) and the anomaly, each by serial.
  CHECK(t.find("4400260125") != std::string::npos);
  CHECK(t.find("4400260010") != std::string::npos);
  CHECK(t.find("墨迹 smudge <b>&amp;") != std::string::npos);
  CHECK(t.find("clerk-wang") != std::string::npos);
  CHECK(t.find("4400269999") != std::string::npos);
  CHECK(t.find("never_received") != std::string::npos);
  CHECK(t.find("审核人（负责人）Checked by (manager)") != std::string::npos);
  CHECK(t.find("制表人 Prepared by") != std::string::npos);
  CHECK(t.find("page 1 of 1") != std::string::npos);
}

TEST_CASE("stock report: figures that do not balance say so", "[report]") {
  auto r = sample();
  r.figures.issued -= 1;
  const std::string t = testing::pdf_text(ok(report::stock_report_pdf(r, header())));
  CHECK(t.find("411 ≠ 410：不平衡 DOES NOT BALANCE") != std::string::npos);
  CHECK(t.find("平衡 balances") == std::string::npos);
}

TEST_CASE("stock report: a long list runs over pages, every serial on one, signed at the end",
          "[report]") {
  auto r = sample();
  r.anomalies.clear();
  for (int i = 0; i < 150; ++i)
    r.anomalies.push_back({std::to_string(4400270000LL + i), "skipped",
                           "still in stock below 4400270150, a later serial of the same delivery"});
  const auto pages = pages_of(ok(report::stock_report_pdf(r, header())));
  REQUIRE(pages.size() >= 3);
  const std::string n = std::to_string(pages.size());
  std::string all;
  for (std::size_t i = 0; i < pages.size(); ++i) {
    CHECK(pages[i].text.find("page " + std::to_string(i + 1) + " of " + n) != std::string::npos);
    all += pages[i].text;
  }
  for (int i = 0; i < 150; ++i) {
    const std::string serial = std::to_string(4400270000LL + i);
    std::size_t hits = 0;
    for (auto at = all.find(serial); at != std::string::npos; at = all.find(serial, at + 1)) ++hits;
    CHECK(hits == 1);
  }
  CHECK(pages.front().text.find("本期发出 Issued") != std::string::npos);
  CHECK(pages.back().text.find("审核人（负责人）Checked by (manager)") != std::string::npos);
  CHECK(pages.front().text.find("审核人") == std::string::npos);
  // A page that continues the table starts with its headings again.
  CHECK(pages[1].text.find("说明 Detail") != std::string::npos);
}

TEST_CASE("stock report: local times name their offset from UTC", "[report]") {
  setenv("TZ", "Asia/Shanghai", 1);
  tzset();
  CHECK(report::local_minute_text(1'793'000'000'000) == "2026-10-26 15:33 UTC+08:00");
  CHECK(report::utc_offset_text(0) == "UTC+08:00");
  setenv("TZ", "UTC", 1);
  tzset();
  CHECK(report::local_minute_text(1'793'000'000'000) == "2026-10-26 07:33 UTC");
  unsetenv("TZ");
  tzset();
}
