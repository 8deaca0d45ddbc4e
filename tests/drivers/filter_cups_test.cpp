// The passbook driver through a private cupsd: a queue made from the built
// PPD (filter by absolute path) with a file: device; the daemon's page
// rasters go in as CUPS raster with the daemon's driver options, ESC/P2
// comes out, is interpreted back into dots by a printer whose right-to-left
// passes land 3/360 inch left, and page 5's QR decodes and verifies.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <thread>

#include "daemon/booklet/renderer.hpp"
#include "daemon/booklet/tokens.hpp"
#include "daemon/printing/cups/cups_port.hpp"
#include "daemon/printing/cups/cups_raster.hpp"
#include "escp_interpreter.hpp"
#include "support/cups_harness.hpp"
#include "support/qr_decode.hpp"
#include "support/read_file.hpp"
#include "support/sample_booklet.hpp"

using namespace certprint;
namespace fs = std::filesystem;

namespace {

using certprint::testing::slurp;

}  // namespace

TEST_CASE("passbook queue from the built PPD: raster in, ESC/P2 out, QR verifies",
          "[integration]") {
  testing::CupsHarness cups;
  const fs::path filters = cups.dir() / "filters";
  const fs::path filter = filters / "rastertopassbook";
  fs::copy_file(RASTERTOPASSBOOK_BINARY, filter, fs::copy_options::overwrite_existing);
  fs::permissions(filter, fs::perms(0755));
  std::string ppd = slurp(fs::path(CERTPRINT_PPD_DIR) / "cp-plq20.ppd");
  const auto line = ppd.find("*cupsFilter:");
  REQUIRE(line != std::string::npos);
  ppd.replace(line, ppd.find('\n', line) - line,
              "*cupsFilter2: \"application/vnd.cups-raster application/vnd.cups-raw 50 " +
                  filter.string() + "\"");
  std::ofstream(cups.dir() / "passbook.ppd") << ppd;
  const fs::path prn = cups.capture() / "passbook.prn";
  REQUIRE(cups.run("lpadmin -p passbook -E -v file://" + prn.string() + " -P " +
                   (cups.dir() / "passbook.ppd").string()) == 0);

  booklet::RenderOptions options;
  options.device = {{360, 180}};
  options.pdf = false;
  const auto booklet = testing::render_sample_booklet(issuance::Holder::female, options);

  auto port = printing::cups::open_cups_port({cups.server(), "passbook", 10000});
  REQUIRE(port.ok());
  for (const auto& page : booklet.pages) {
    INFO(issuance::to_string(page.kind));
    // Since Debian's CUPS 2.4.2-3+deb12u10 the scheduler opens a file: device
    // with O_EXCL and without O_CREAT: the output file must exist. Start each
    // page with an empty one.
    { std::ofstream(prn, std::ios::trunc); }
    fs::permissions(prn, fs::perms(0660));
    auto stream = printing::cups::to_cups_raster(*page.raster);
    REQUIRE(stream.ok());
    // The offset a technician calibrated for this printer: +3/360 inch.
    auto id = (*port)->submit({"cp-passbook-test", printing::DocumentFormat::cups_raster, *stream,
                               94, 128, printing::cups::passbook_options(page.kind, 3)});
    REQUIRE(id.ok());
    printing::JobPhase phase = printing::JobPhase::unknown;
    for (int i = 0; i < 200; ++i) {
      auto s = (*port)->job_status(*id);
      REQUIRE(s.ok());
      phase = s->phase;
      if (s->terminal() || phase == printing::JobPhase::stopped) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE(phase == printing::JobPhase::completed);
    const std::string bytes = slurp(prn);
    const auto printed = testing::interpret_escp(bytes, page.raster->width, -3);
    REQUIRE(printed.error.empty());
    // The PPD's default, Bidirectional, for the information page; page 5
    // always one way.
    if (page.kind == issuance::PageKind::info) {
      CHECK(bytes.find("\x1BU\x00", 0, 3) != std::string::npos);
      CHECK(printed.reverse_passes == printed.passes / 2);
      CHECK(printed.reverse_passes > 3);
    } else {
      CHECK(bytes.find("\x1BU\x01", 0, 3) != std::string::npos);
      CHECK(printed.reverse_passes == 0);
    }
    CHECK(printed.x_dpi == 360);
    CHECK(printed.eject == "FF");
    const layout::Raster& want = *page.raster;
    layout::Raster got = layout::Raster::blank(want.width, want.height, want.res);
    for (int y = 0; y < std::min(want.height, printed.height); ++y)
      for (int x = 0; x < want.width; ++x)
        if (printed.ink(x, y)) got.set(x, y);
    CHECK(got.bits == want.bits);
    if (page.kind == issuance::PageKind::page5) {
      auto scanned = testing::decode_qr(got);
      REQUIRE(scanned);
      CHECK(booklet::match_token(booklet.keys, booklet.record, *scanned).holder ==
            issuance::Holder::female);
    }
  }
}
