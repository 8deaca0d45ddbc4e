// The blank-stock reconciliation as the document an office files: A4 PDF
// pages (Pango on Cairo, the booklet templates' font) with the period, the
// figures and whether they balance, the movements, the closing stock, every
// spoiled blank and every anomaly by serial, and a block where the person
// who prepared it and the manager who checked it sign. Pages are numbered
// "n / N"; the figures are on the first page, the signatures on the last.
// Labels are Chinese with English beside them.
#pragma once

#include <string>

#include "common/result.hpp"
#include "daemon/stock/reconcile.hpp"

namespace certprint::report {

struct StockReportHeader {
  std::string first_day, last_day;  // the period as asked, YYYY-MM-DD
  std::string timezone;             // how the days were cut ("UTC+08:00")
  std::string generated_at;         // "2026-12-02 14:05 UTC+08:00"
  std::string generated_by;         // who asked for it (a token's name)
  std::string font_family;          // the booklet templates' family
};

// Fails only when Cairo cannot make the PDF (ErrorCode::failed).
Result<std::string> stock_report_pdf(const stock::Reconciliation& r, const StockReportHeader& h);

// A time as the report prints it, in the process's local time zone:
// "2026-12-02 14:05 UTC+08:00".
std::string local_minute_text(Millis at);

// The process's local offset from UTC at `at`: "UTC+08:00", "UTC".
std::string utc_offset_text(Millis at);

}  // namespace certprint::report
