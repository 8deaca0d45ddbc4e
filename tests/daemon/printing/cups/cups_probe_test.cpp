// The printer probe of `certprintd --check`: a PPD's filters and
// resolutions, and what a real cupsd (the private harness) says of its
// queues.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "daemon/printing/cups/cups_probe.hpp"
#include "support/cups_harness.hpp"
#include "support/read_file.hpp"

using namespace certprint;
using namespace certprint::printing::cups;
using namespace certprint::testing;

namespace {}  // namespace

TEST_CASE("probe: a PPD's filters and resolutions", "[daemon][printing]") {
  const auto facts = parse_ppd(
      "*PPD-Adobe: \"4.3\"\r\n"
      "*cupsFilter: \"application/vnd.cups-raster 50 rastertopassbook\"\r\n"
      "*cupsFilter2: \"application/pdf application/vnd.cups-raw 0 /opt/x/my filter\"\n"
      "*OpenUI *Resolution/Resolution: PickOne\n"
      "*DefaultResolution: 360x180dpi\n"
      "*Resolution 180dpi/180 x 180 dpi: \"<</HWResolution[180 180]>>setpagedevice\"\n"
      "*Resolution 360x180dpi/360 x 180 dpi: \"<</HWResolution[360 180]>>setpagedevice\"\n"
      "*CloseUI: *Resolution\n");
  REQUIRE(facts.filters.size() == 2);
  CHECK(facts.filters[0].source_type == "application/vnd.cups-raster");
  CHECK(facts.filters[0].program == "rastertopassbook");
  CHECK(facts.filters[1].source_type == "application/pdf");
  CHECK(facts.filters[1].program == "/opt/x/my filter");
  REQUIRE(facts.resolutions.size() == 2);
  CHECK(facts.resolutions[0].describe() == "180x180 dpi");
  CHECK(facts.resolutions[1].describe() == "360x180 dpi");

  // Without *Resolution choices the default stands; with neither, none.
  const auto fallback = parse_ppd("*DefaultResolution: 600dpi\n");
  REQUIRE(fallback.resolutions.size() == 1);
  CHECK(fallback.resolutions[0].describe() == "600x600 dpi");
  CHECK(parse_ppd("*PPD-Adobe: \"4.3\"\n").resolutions.empty());
}

TEST_CASE("probe: what a real cupsd says of its queues and an IPP printer", "[integration]") {
  CupsHarness cups;
  const double w = 94, h = 128;  // the harness's PPD queues list a 94x128 mm page
  auto capture = probe_queue({cups.server(), "capture", 5000}, w, h);
  REQUIRE(capture.ok());
  CHECK(capture->exists);
  CHECK(capture->status.accepting_jobs);
  CHECK(capture->has_ppd);
  CHECK(capture->make_and_model == "certprint capture test queue");
  REQUIRE(capture->filters.size() == 2);
  CHECK(capture->filters[0].program == (cups.dir() / "filters" / "capture").string());
  CHECK(capture->filters[0].file == FilterProbe::File::installed);  // the cupsd runs here
  CHECK(capture->resolutions.empty());                              // the PPD names none
  CHECK(capture->page_media == std::optional<bool>(true));
  CHECK(capture->stopped_jobs == 0);

  auto raw = probe_queue({cups.server(), "raw", 5000}, w, h);
  REQUIRE(raw.ok());
  CHECK(raw->exists);
  CHECK_FALSE(raw->has_ppd);
  CHECK(raw->device_uri == cups.printer_uri());

  auto everywhere = probe_queue({cups.server(), "everywhere", 5000}, w, h);
  REQUIRE(everywhere.ok());
  CHECK(everywhere->has_ppd);
  REQUIRE(everywhere->resolutions.size() == 1);
  CHECK(everywhere->resolutions[0].describe() == "600x600 dpi");
  CHECK(everywhere->page_media == std::optional<bool>(false));  // Letter, A4, ... only

  auto direct = probe_queue({"", cups.printer_uri(), 5000}, w, h);
  REQUIRE(direct.ok());
  CHECK(direct->by_uri);
  CHECK(direct->exists);
  CHECK(std::find(direct->formats.begin(), direct->formats.end(), "application/vnd.cups-raster") !=
        direct->formats.end());

  auto gone = probe_queue({cups.server(), "no-such-queue", 5000}, w, h);
  REQUIRE(gone.ok());
  CHECK_FALSE(gone->exists);

  // A queue whose driver names a filter that is not there: cupsd says so,
  // and so does the file check.
  std::string ppd = slurp(cups.dir() / "badfilter.ppd");
  for (auto at = ppd.find("/filters/fail"); at != std::string::npos; at = ppd.find("/filters/fail"))
    ppd.replace(at, 13, "/filters/not-installed");
  std::ofstream(cups.temp() / "nofilter.ppd") << ppd;
  REQUIRE(cups.run("lpadmin -p nofilter -E -v file:///dev/null -P '" +
                   (cups.temp() / "nofilter.ppd").string() + "'") == 0);
  auto nofilter = probe_queue({cups.server(), "nofilter", 5000}, w, h);
  REQUIRE(nofilter.ok());
  REQUIRE_FALSE(nofilter->filters.empty());
  CHECK(nofilter->filters[0].file == FilterProbe::File::missing);
  CHECK(std::find(nofilter->status.reasons.begin(), nofilter->status.reasons.end(),
                  "cups-missing-filter-warning") != nofilter->status.reasons.end());

  // Nothing answers on this port.
  auto down = probe_queue({"localhost:1", "capture", 2000}, w, h);
  REQUIRE_FALSE(down.ok());
  CHECK(down.error().code == ErrorCode::unavailable);
  CHECK_THAT(down.error().message, Catch::Contains("localhost:1"));
}
