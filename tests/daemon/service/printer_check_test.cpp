// Judging what `certprintd --check` found of a printer: made-up probes in,
// rows an administrator can act on out.
#include <catch2/catch.hpp>

#include "daemon/service/printer_check.hpp"

using namespace certprint;
using namespace certprint::service;
using certprint::printing::cups::FilterProbe;
using certprint::printing::cups::QueueProbe;

namespace {

engine::PrinterConfig printer(const std::string& queue, printing::DocumentFormat format,
                              layout::Resolution res) {
  engine::PrinterConfig p;
  p.name = "desk";
  p.cups = {"localhost:631", queue, 1000};
  p.format = format;
  p.res = res;
  return p;
}

// A passbook queue: certprint's raster driver at 180 and 360x180 dpi.
QueueProbe passbook() {
  QueueProbe q;
  q.server = "localhost:631";
  q.exists = true;
  q.status.state = "idle";
  q.has_ppd = true;
  q.filters = {{"application/vnd.cups-raster", "rastertopassbook", FilterProbe::File::installed}};
  q.resolutions = {{180, 180}, {360, 180}};
  q.page_media = true;
  return q;
}

const auto kRaster = printing::DocumentFormat::cups_raster;
const auto kPdf = printing::DocumentFormat::pdf;

std::string todo(const PrinterCheck& row) {
  std::string all;
  for (const auto& t : row.todo) all += t + "\n";
  return all;
}

}  // namespace

TEST_CASE("check: a ready passbook queue with its raster driver is ok", "[daemon][service]") {
  const auto row = judge_printer(printer("PLQ20", kRaster, {360, 180}), passbook());
  INFO(todo(row));
  CHECK(row.ok);
  CHECK(row.printer == "desk");
  CHECK(row.queue == "PLQ20@localhost:631");
  CHECK(row.reachable == "yes");
  CHECK(row.accepting == "yes");
  CHECK(row.filter == "installed: rastertopassbook");
  CHECK(row.format == "raster 360x180 dpi: ok");
  CHECK(row.todo.empty());
}

TEST_CASE("check: each problem makes the row a problem and says what to do", "[daemon][service]") {
  struct Case {
    const char* what;
    printing::DocumentFormat format;
    layout::Resolution res;
    std::function<void(QueueProbe&)> change;
    std::vector<std::string> says;
  };
  const std::vector<Case> cases = {
      {"rejecting",
       kRaster,
       {360, 180},
       [](auto& q) { q.status.accepting_jobs = false; },
       {"cupsaccept PLQ20"}},
      {"paused",
       kRaster,
       {360, 180},
       [](auto& q) { q.status.state = "stopped", q.status.reasons = {"paused"}; },
       {"cupsenable PLQ20"}},
      {"out of paper",
       kRaster,
       {360, 180},
       [](auto& q) { q.status.reasons = {"media-empty-error"}; },
       {"media-empty-error"}},
      {"filter missing (seen here)",
       kRaster,
       {360, 180},
       [](auto& q) { q.filters[0].file = FilterProbe::File::missing; },
       {"filter is missing", "cmake --install"}},
      {"filter missing (cupsd says)",
       kRaster,
       {360, 180},
       [](auto& q) {
         q.filters[0].file = FilterProbe::File::not_checked;
         q.status.reasons = {"cups-missing-filter-warning"};
         q.status.message = "File \"/usr/lib/cups/filter/rastertopassbook\" not available";
       },
       {"filter is missing", "/usr/lib/cups/filter/rastertopassbook"}},
      {"not executable",
       kRaster,
       {360, 180},
       [](auto& q) { q.filters[0].file = FilterProbe::File::not_executable; },
       {"chmod 0755 rastertopassbook"}},
      {"insecure",
       kRaster,
       {360, 180},
       [](auto& q) { q.status.reasons = {"cups-insecure-filter-warning"}; },
       {"will not run the filter", "chmod 0755"}},
      {"stopped jobs",
       kRaster,
       {360, 180},
       [](auto& q) { q.stopped_jobs = 2, q.status.message = "injected filter failure"; },
       {"2 job(s) stopped", "injected filter failure", "cancel -a PLQ20"}},
      {"pdf to a raster driver", kPdf, {360, 180}, [](auto&) {}, {"set format=raster"}},
      {"a dpi it does not list",
       kRaster,
       {600, 600},
       [](auto&) {},
       {"180x180 dpi, 360x180 dpi", "600x600 dpi", "set dpi="}},
      {"raster to a PDF driver",
       kRaster,
       {360, 180},
       [](auto& q) {
         q.filters = {{"application/vnd.cups-pdf", "-", {}}};
       },
       {"set format=pdf"}},
      {"raster to a PostScript printer",
       kRaster,
       {360, 180},
       [](auto& q) { q.filters.clear(); },
       {"PostScript", "set format=pdf"}},
      {"a format an IPP printer lacks",
       kRaster,
       {360, 180},
       [](auto& q) {
         q.has_ppd = false, q.by_uri = true, q.filters.clear();
         q.formats = {"application/pdf", "image/pwg-raster"};
       },
       {"does not take application/vnd.cups-raster", "set format=pdf"}},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    QueueProbe q = passbook();
    c.change(q);
    const auto row = judge_printer(printer("PLQ20", c.format, c.res), q);
    INFO(todo(row));
    CHECK_FALSE(row.ok);
    for (const auto& word : c.says) CHECK_THAT(todo(row), Catch::Contains(word));
  }
}

TEST_CASE("check: an unreachable cupsd, a missing queue", "[daemon][service]") {
  const auto p = printer("PLQ20", kRaster, {360, 180});
  const auto down = judge_printer(
      p, Error{"cannot connect to cupsd at localhost:631: refused", ErrorCode::unavailable});
  CHECK_FALSE(down.ok);
  CHECK(down.reachable == "no");
  CHECK(down.queue == "PLQ20@localhost:631");
  CHECK_THAT(todo(down), Catch::Contains("cannot connect to cupsd at localhost:631"));
  CHECK_THAT(todo(down), Catch::Contains("start cupsd there"));

  QueueProbe none;
  none.server = "localhost:631";
  const auto missing = judge_printer(p, none);
  CHECK_FALSE(missing.ok);
  CHECK(missing.reachable == "yes");
  CHECK(missing.accepting == "-");
  CHECK_THAT(todo(missing), Catch::Contains("no queue \"PLQ20\" on cupsd at localhost:631"));
  CHECK_THAT(todo(missing), Catch::Contains("lpadmin -p PLQ20"));
}

TEST_CASE("check: raw queues, IPP printers, PDF drivers and media are judged as they are",
          "[daemon][service]") {
  QueueProbe raw;
  raw.exists = true;
  raw.formats = {"application/pdf", "application/vnd.cups-raster"};
  const auto raw_row = judge_printer(printer("raw", kPdf, {600, 600}), raw);
  CHECK(raw_row.ok);
  CHECK(raw_row.filter == "none (raw queue)");
  CHECK(raw_row.format == "pdf 600x600 dpi: ok");

  QueueProbe everywhere = passbook();
  everywhere.filters = {{"application/vnd.cups-pdf", "-", {}}, {"image/urf", "-", {}}};
  everywhere.resolutions = {{600, 600}};
  everywhere.page_media = false;  // Letter, A4... but no booklet-sized media
  const auto eve = judge_printer(printer("everywhere", kPdf, {600, 600}), everywhere);
  CHECK(eve.ok);
  CHECK(eve.filter == "none needed");
  REQUIRE(eve.todo.size() == 1);
  CHECK_THAT(eve.todo[0], Catch::StartsWith("note: lists no booklet-sized media"));

  // A driver that takes both (the test harness's capture queue), and lists no resolution.
  QueueProbe both = passbook();
  both.filters = {{"application/pdf", "/x/capture", FilterProbe::File::installed},
                  {"application/vnd.cups-raster", "/x/capture", FilterProbe::File::installed}};
  both.resolutions.clear();
  for (auto f : {kPdf, kRaster}) {
    const auto row = judge_printer(printer("capture", f, {600, 600}), both);
    CHECK(row.ok);
    CHECK(row.filter == "installed: /x/capture");
  }
}

TEST_CASE("check: the table has a head, a row per printer and a summary", "[daemon][service]") {
  const auto good = judge_printer(printer("PLQ20", kRaster, {360, 180}), passbook());
  QueueProbe none;
  auto bad = judge_printer(printer("gone", kRaster, {360, 180}), none);
  bad.printer = "side";
  const std::string table = format_check_table({good, bad});
  INFO(table);
  CHECK_THAT(table, Catch::StartsWith("PRINTER  STATUS   QUEUE"));
  CHECK_THAT(table, Catch::Contains("\ndesk     ok       PLQ20@localhost:631"));
  CHECK_THAT(table, Catch::Contains("\nside     PROBLEM  gone@localhost:631"));
  CHECK_THAT(table, Catch::EndsWith("2 printer(s), 1 with a problem: see WHAT TO DO\n"));
  CHECK_THAT(format_check_table({good}), Catch::EndsWith("1 printer(s), all ready\n"));
  CHECK_THAT(format_check_table({}), Catch::Contains("no printer is configured"));
}
