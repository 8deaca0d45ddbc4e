// certprintd's --printer option.
#include <catch2/catch.hpp>

#include "daemon/service/printer_spec.hpp"

using namespace certprint;

TEST_CASE("printer spec: a queue with its format, resolution and server", "[daemon][service]") {
  auto p = service::parse_printer_spec(
      "desk1=PLQ20-desk1,format=raster,dpi=360x180,server=localhost:6310", "default:631");
  REQUIRE(p.ok());
  CHECK(p->name == "desk1");
  CHECK(p->cups.printer == "PLQ20-desk1");
  CHECK(p->cups.server == "localhost:6310");
  CHECK(p->format == printing::DocumentFormat::cups_raster);
  CHECK(p->res.x_dpi == 360);
  CHECK(p->res.y_dpi == 180);

  auto plain = service::parse_printer_spec("laser=ipp://10.0.0.7/ipp/print", "cups.local:631");
  REQUIRE(plain.ok());
  CHECK(plain->cups.printer == "ipp://10.0.0.7/ipp/print");
  CHECK(plain->cups.server == "cups.local:631");  // the default server
  CHECK(plain->format == printing::DocumentFormat::pdf);
  CHECK(plain->feed == engine::PrinterConfig::Feed::tray);
  CHECK_FALSE(plain->media_wait);
}

TEST_CASE("printer spec: a passbook feed waits for the booklet without limit, unless told",
          "[daemon][service]") {
  using namespace std::chrono_literals;
  const printing::SequencerConfig base{100ms, 60s, 180s, 3s};
  auto passbook = service::parse_printer_spec("desk1=q,feed=passbook", "");
  REQUIRE(passbook.ok());
  CHECK(passbook->feed == engine::PrinterConfig::Feed::passbook);
  CHECK(engine::sequencer_for(base, *passbook).media_wait == printing::SequencerConfig::kNoLimit);
  auto bounded = service::parse_printer_spec("desk1=q,feed=manual,media-wait=300", "");
  REQUIRE(bounded.ok());
  CHECK(engine::sequencer_for(base, *bounded).media_wait == 300s);
  auto tray = service::parse_printer_spec("laser=q", "");
  REQUIRE(tray.ok());
  CHECK_FALSE(engine::sequencer_for(base, *tray).media_wait);  // the stall timeout
  auto unbounded_tray = service::parse_printer_spec("laser=q,media-wait=none", "");
  REQUIRE(unbounded_tray.ok());
  CHECK(engine::sequencer_for(base, *unbounded_tray).media_wait ==
        printing::SequencerConfig::kNoLimit);
  CHECK(engine::sequencer_for(base, *unbounded_tray).stall_timeout == 60s);
}

TEST_CASE("printer spec: a bad spec is refused, quoting it and saying what is expected",
          "[daemon][service]") {
  struct Case {
    const char* spec;
    const char* says;
  };
  for (const Case& c : std::vector<Case>{
           {"desk1", "expected NAME=QUEUE"},
           {"=queue", "expected NAME=QUEUE"},
           {"desk1=", "expected NAME=QUEUE"},
           {"desk 1=q", "may hold only letters"},
           {"desk1=q,format=ps", "is not format=pdf|raster"},
           {"desk1=q,dpi=12", "dpi \"12\""},
           {"desk1=q,band-rows=24", "band-rows is no longer used"},
           {"desk1=q,band-rows=24", "remove \"band-rows=24\""},
           {"desk1=q,colour=red", "\"colour=red\" is not"},
           {"desk1=q,feed=roll", "\"feed=roll\" is not"},
           {"desk1=q,media-wait=0", "media-wait \"0\" should be whole seconds"},
           {"desk1=q,media-wait=5m", "media-wait \"5m\""},
           {"desk1=,format=pdf", "the queue is missing"},
       }) {
    INFO(c.spec);
    auto p = service::parse_printer_spec(c.spec, "");
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().code == ErrorCode::invalid);
    CHECK_THAT(p.error().message, Catch::Contains(c.says));
    CHECK_THAT(p.error().message, Catch::StartsWith("--printer \"" + std::string(c.spec) + "\""));
  }
}
