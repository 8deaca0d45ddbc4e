// The CUPS filter on real CUPS raster streams: pages in, ESC/P2 out,
// malformed input refused without a crash, options, cancellation.
#include <catch2/catch.hpp>

#include <cups/raster.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <tuple>

#include "daemon/printing/cups/cups_raster.hpp"
#include "drivers/filter.hpp"
#include "escp_interpreter.hpp"
#include "support/temp_dir.hpp"

using namespace certprint;
using namespace certprint::escp;

namespace {

struct Run {
  int status = -1;
  std::string out, log;
};

Run filter(const std::string& raster, const FilterOptions& options = {}) {
  testing::TempDir dir;
  std::ofstream(dir / "in.ras", std::ios::binary) << raster;
  const int fd = open((dir / "in.ras").c_str(), O_RDONLY);
  FILE* out = std::fopen((dir / "out").c_str(), "wb");
  FILE* log = std::fopen((dir / "log").c_str(), "wb");
  std::atomic<bool> cancelled{false};
  Run r;
  r.status = run_filter(fd, out, options, cancelled, log);
  std::fclose(out);
  std::fclose(log);
  close(fd);
  auto slurp = [](const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  };
  r.out = slurp(dir / "out");
  r.log = slurp(dir / "log");
  return r;
}

layout::Raster pattern(int w, int h, layout::Resolution res) {
  auto r = layout::Raster::blank(w, h, res);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      if ((x * 7 + y * 3) % 11 == 0 && y > 30) r.set(x, y);
  return r;
}

}  // namespace

TEST_CASE("filter: a page of 1-bit raster becomes the same dots in ESC/P2", "[drivers]") {
  for (layout::Resolution res : {layout::Resolution{180, 180}, layout::Resolution{360, 180}}) {
    const auto page = pattern(300, 100, res);
    auto stream = printing::cups::to_cups_raster(page);
    REQUIRE(stream.ok());
    const Run r = filter(*stream + stream->substr(4));  // two pages behind one sync word
    INFO(r.log);
    CHECK(r.status == 0);
    CHECK_THAT(r.log, Catch::Contains("PAGE: 1 1") && Catch::Contains("PAGE: 2 1"));
    // The first page's bytes end at its form feed.
    const auto p = testing::interpret_escp(r.out.substr(0, r.out.find('\x0C') + 1), page.width);
    REQUIRE(p.error.empty());
    CHECK(p.x_dpi == res.x_dpi);
    int differ = 0;
    for (int y = 0; y < page.height; ++y)
      for (int x = 0; x < page.width; ++x) differ += page.ink(x, y) != p.ink(x, y);
    CHECK(differ == 0);
  }
}

TEST_CASE("filter: 8-bit grey is thresholded in either colour space", "[drivers]") {
  for (cups_cspace_t space : {CUPS_CSPACE_K, CUPS_CSPACE_W}) {
    std::string stream;
    cups_raster_t* w = cupsRasterOpenIO(
        [](void* ctx, unsigned char* b, size_t n) -> ssize_t {
          static_cast<std::string*>(ctx)->append(reinterpret_cast<char*>(b), n);
          return static_cast<ssize_t>(n);
        },
        &stream, CUPS_RASTER_WRITE);
    cups_page_header2_t h;
    std::memset(&h, 0, sizeof h);
    h.HWResolution[0] = h.HWResolution[1] = 180;
    h.cupsWidth = 40;
    h.cupsHeight = 24;
    h.cupsBitsPerColor = h.cupsBitsPerPixel = 8;
    h.cupsBytesPerLine = 40;
    h.cupsColorSpace = space;
    h.cupsNumColors = 1;
    REQUIRE(cupsRasterWriteHeader2(w, &h));
    for (int y = 0; y < 24; ++y) {
      unsigned char line[40];
      for (int x = 0; x < 40; ++x) {
        const bool ink = x == 5 && y == 0;
        line[x] = space == CUPS_CSPACE_K ? (ink ? 200 : 20) : (ink ? 20 : 230);
      }
      cupsRasterWritePixels(w, line, 40);
    }
    cupsRasterClose(w);
    const Run r = filter(stream);
    REQUIRE(r.status == 0);
    const auto p = testing::interpret_escp(r.out, 40);
    REQUIRE(p.error.empty());
    CHECK(p.ink(5, 0));
    int dots = 0;
    for (int y = 0; y < p.height; ++y)
      for (int x = 0; x < p.width; ++x) dots += p.ink(x, y);
    CHECK(dots == 1);
  }
}

TEST_CASE("filter: bad, truncated and hostile raster is refused, never crashes", "[drivers]") {
  const Run garbage = filter("this is not raster at all");
  CHECK(garbage.status == 1);
  CHECK_THAT(garbage.log, Catch::Contains("ERROR:"));
  CHECK(filter("").status == 1);

  auto stream = printing::cups::to_cups_raster(pattern(200, 120, {180, 180}));
  REQUIRE(stream.ok());
  const Run cut = filter(stream->substr(0, stream->size() / 2));
  CHECK(cut.status == 1);
  CHECK_THAT(cut.log, Catch::Contains("ends after"));
  REQUIRE_FALSE(cut.out.empty());
  CHECK(cut.out.back() == '\x0C');  // the booklet still comes out

  // 300 dpi is not a 24-pin resolution.
  auto wrong = printing::cups::to_cups_raster(pattern(100, 50, {300, 300}));
  const Run refused = filter(*wrong);
  CHECK(refused.status == 1);
  CHECK_THAT(refused.log, Catch::Contains("unsupported raster") && Catch::Contains("300x300"));

  // Flipped bytes anywhere in a valid stream: any outcome but a crash or a hang.
  std::mt19937 rng(11);
  for (int i = 0; i < 200; ++i) {
    std::string bad = *stream;
    for (int k = 0; k < 4; ++k) bad[rng() % bad.size()] = static_cast<char>(rng());
    const Run r = filter(bad);
    CHECK((r.status == 0 || r.status == 1));
  }
}

namespace {

// A copy of a stream's first page (its header and rows, without the sync
// word) with one 32-bit header field replaced; the writer's byte order.
std::string page_with(const std::string& stream, std::size_t offset, std::uint32_t value) {
  std::string page = stream.substr(4);
  std::memcpy(page.data() + offset, &value, sizeof value);
  return page;
}

}  // namespace

TEST_CASE("filter: every page's header is judged before libcups reads it", "[drivers]") {
  auto stream = printing::cups::to_cups_raster(pattern(200, 120, {180, 180}));
  REQUIRE(stream.ok());
  const auto bpl = offsetof(cups_page_header2_t, cupsBytesPerLine);
  const auto width = offsetof(cups_page_header2_t, cupsWidth);
  const auto bits = offsetof(cups_page_header2_t, cupsBitsPerPixel);
  const auto colour = offsetof(cups_page_header2_t, cupsBitsPerColor);
  const auto x_dpi = offsetof(cups_page_header2_t, HWResolution);

  // A second page whose header asks for 2 GiB a line (8-bit, consistent
  // width): refused from the header alone, page 1 printed.
  std::string huge = page_with(*stream, bpl, 0x7FFFFFF0u);
  std::memcpy(huge.data() + width, "\xF0\xFF\xFF\x7F", 4);
  std::memcpy(huge.data() + bits, "\x08\0\0\0", 4);
  std::memcpy(huge.data() + colour, "\x08\0\0\0", 4);
  const Run r = filter(*stream + huge);
  INFO(r.log);
  CHECK(r.status == 1);
  CHECK_THAT(r.log, Catch::Contains("PAGE: 1 1"));
  CHECK_THAT(r.log, Catch::Contains("ERROR: page 2: header refused before its rows are read") &&
                        Catch::Contains("2147483632 bytes per line"));
  CHECK(r.log.find("PAGE: 2") == std::string::npos);
  REQUIRE_FALSE(r.out.empty());
  CHECK(r.out.back() == '\x0C');

  // Bytes per line that disagree with the width, and a resolution the
  // printer lacks, on page 3 after two good pages.
  for (const auto& [offset, value, says] :
       {std::tuple{bpl, 26u, "26 bytes per line"}, std::tuple{x_dpi, 300u, "300x180 dpi"}}) {
    const Run bad = filter(*stream + stream->substr(4) + page_with(*stream, offset, value));
    INFO(bad.log);
    CHECK(bad.status == 1);
    CHECK_THAT(bad.log, Catch::Contains("PAGE: 2 1") &&
                            Catch::Contains("ERROR: page 3: header refused before its rows") &&
                            Catch::Contains(says));
  }

  // A stream that is not CUPS raster v1, v2 or v3 (Apple raster here) is
  // refused by its sync word.
  const Run apple = filter(std::string("UNIRAST\0", 8) + std::string(64, '\0'));
  CHECK(apple.status == 1);
  CHECK_THAT(apple.log, Catch::Contains("ERROR:"));
}

namespace {

// A v2 (packed) page header, little-endian: 1-bit black at 180x180 dpi.
std::string packed_header(std::uint32_t width, std::uint32_t height, std::uint32_t bytes_per_line) {
  cups_page_header2_t h;
  std::memset(&h, 0, sizeof h);
  std::strcpy(h.MediaClass, "PwgRaster");
  h.HWResolution[0] = h.HWResolution[1] = 180;
  h.cupsWidth = width;
  h.cupsHeight = height;
  h.cupsBitsPerColor = h.cupsBitsPerPixel = 1;
  h.cupsBytesPerLine = bytes_per_line;
  h.cupsColorOrder = CUPS_ORDER_CHUNKED;
  h.cupsColorSpace = CUPS_CSPACE_K;
  return std::string(reinterpret_cast<const char*>(&h), sizeof h);
}

}  // namespace

// Found by the raster fuzzer: a page's last row repeated past the page's end.
// libcups starts the next page's rows afresh; the guard counted the leftover
// repeats into the next page, lost its place, and let a later header reach
// libcups unjudged (one asking for 4 GB a line).
TEST_CASE("filter: a row repeated past its page's end does not carry into the next page",
          "[drivers]") {
  const std::string row_ink = {'\x00', '\x07', '\xFF'};  // once; 8 bytes of 0xFF
  std::string stream = "2SaR" + packed_header(64, 2, 8);
  stream += std::string{'\x04', '\x07', '\x00'};  // one blank row standing for 5 lines
  stream += packed_header(64, 2, 8) + row_ink + row_ink;
  stream += packed_header(0x7FFFFFF0u, 2, 0x0FFFFFFEu);  // page 3 asks for 256 MiB a line
  stream += row_ink;
  const Run r = filter(stream);
  INFO(r.log);
  CHECK(r.status == 1);
  CHECK_THAT(r.log, Catch::Contains("PAGE: 1 1") && Catch::Contains("PAGE: 2 1"));
  CHECK_THAT(r.log, Catch::Contains("ERROR: page 3: header refused before its rows are read"));
  // Page 2's two rows are ink from edge to edge.
  const auto second = testing::interpret_escp(r.out.substr(r.out.find('\x0C') + 1), 64);
  REQUIRE(second.error.empty());
  int dots = 0;
  for (int y = 0; y < second.height; ++y)
    for (int x = 0; x < second.width; ++x) dots += second.ink(x, y);
  CHECK(dots == 2 * 64);
}

TEST_CASE("filter options: job options over PPD defaults", "[drivers]") {
  testing::TempDir dir;
  std::ofstream(dir / "p.ppd")
      << "*PPD-Adobe: \"4.3\"\n*DefaultEmulation: PR2\n*DefaultDirection: Bidirectional\n";
  FILE* log = std::tmpfile();
  auto from_ppd = filter_options("", (dir / "p.ppd").string(), log);
  CHECK(from_ppd.emulation == Emulation::pr2);
  CHECK_FALSE(from_ppd.unidirectional);
  auto overridden =
      filter_options("Emulation=ESCP2 Direction=Unidirectional", (dir / "p.ppd").string(), log);
  CHECK(overridden.emulation == Emulation::escp2);
  CHECK(overridden.unidirectional);
  CHECK(overridden.bidi_offset == 0);
  std::fclose(log);

  // The reverse passes' offset: a whole number within +-36, else the
  // default stays and the log says why.
  for (const auto& [given, expected] :
       std::vector<std::pair<std::string, int>>{{"BidiOffset=5", 5},
                                                {"BidiOffset=-36", -36},
                                                {"BidiOffset=37", 0},
                                                {"BidiOffset=2x", 0},
                                                {"BidiOffset=", 0}}) {
    INFO(given);
    FILE* why = std::tmpfile();
    CHECK(filter_options(given, (dir / "p.ppd").string(), why).bidi_offset == expected);
    std::rewind(why);
    char line[256] = {};
    const bool said = std::fgets(line, sizeof line, why) != nullptr;
    CHECK(said == (expected == 0));
    if (said)
      CHECK_THAT(std::string(line), Catch::Contains("BidiOffset") && Catch::Contains("-36"));
    std::fclose(why);
  }

  auto stream = printing::cups::to_cups_raster(pattern(50, 40, {180, 180}));
  const Run pr2 = filter(*stream, from_ppd);
  REQUIRE(pr2.status == 0);
  CHECK(pr2.out.substr(pr2.out.size() - 2) == "\x1BO");
}

TEST_CASE("filter: cancellation ejects the page under way", "[drivers]") {
  auto stream = printing::cups::to_cups_raster(pattern(200, 2000, {180, 180}));
  REQUIRE(stream.ok());
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  testing::TempDir dir;
  FILE* out = std::fopen((dir / "out").c_str(), "wb");
  FILE* log = std::fopen((dir / "log").c_str(), "wb");
  std::atomic<bool> cancelled{false};
  // Half the page now; cancel; then the rest, which must not be printed.
  std::thread writer([&] {
    const std::size_t half = stream->size() / 2;
    (void)!write(fds[1], stream->data(), half);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancelled = true;
    (void)!write(fds[1], stream->data() + half, stream->size() - half);
    close(fds[1]);
  });
  const int status = run_filter(fds[0], out, {}, cancelled, log);
  writer.join();
  close(fds[0]);
  std::fclose(out);
  std::fclose(log);
  CHECK(status == 0);
  std::ifstream f(dir / "out", std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string bytes = ss.str();
  REQUIRE_FALSE(bytes.empty());
  CHECK(bytes.back() == '\x0C');
  const auto p = testing::interpret_escp(bytes, 200);
  CHECK(p.error.empty());
  CHECK(p.height < 2000);  // stopped part-way
}
