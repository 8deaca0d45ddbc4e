#include <catch2/catch.hpp>

#include <random>

#include "daemon/booklet/renderer.hpp"
#include "daemon/booklet/tokens.hpp"
#include "drivers/escp.hpp"
#include "escp_interpreter.hpp"
#include "support/qr_decode.hpp"
#include "support/sample_booklet.hpp"
#include "support/temp_dir.hpp"

using namespace certprint;
using namespace certprint::escp;

namespace {

std::string hex(const std::string& s) {
  static const char* d = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (!out.empty()) out += ' ';
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

struct Bitmap {
  int w, h;
  std::vector<std::uint8_t> bits;
  Bitmap(int w_, int h_) : w(w_), h(h_), bits(static_cast<std::size_t>((w_ + 7) / 8) * h_, 0) {}
  void set(int x, int y) {
    bits[static_cast<std::size_t>(y) * ((w + 7) / 8) + x / 8] |= 0x80 >> (x % 8);
  }
  bool get(int x, int y) const {
    return bits[static_cast<std::size_t>(y) * ((w + 7) / 8) + x / 8] & (0x80 >> (x % 8));
  }
};

void require_same(const Bitmap& b, const testing::Printed& p) {
  REQUIRE(p.error.empty());
  int differ = 0;
  for (int y = 0; y < b.h; ++y)
    for (int x = 0; x < b.w; ++x) differ += b.get(x, y) != p.ink(x, y);
  CHECK(differ == 0);
  for (int y = b.h; y < p.height; ++y)
    for (int x = 0; x < p.width; ++x) CHECK_FALSE(p.ink(x, y));
}

}  // namespace

TEST_CASE("a tiny page as an annotated ESC/P2 stream", "[drivers]") {
  // 16 columns, 30 rows; ink at column 3 on rows 0 and 23 (band 1, pins 1
  // and 24), nothing in band 2.
  Bitmap b(16, 30);
  b.set(3, 0);
  b.set(3, 23);
  PageStats stats;
  const std::string out =
      encode_page({180, 180, true, Emulation::escp2, 4}, b.w, b.h, b.bits, &stats);
  const std::string expected =
      "1B 40 "              // ESC @: reset
      "1B 28 55 01 00 0A "  // ESC ( U: unit 10/3600 = 1/360 inch
      "1B 55 01 "           // ESC U 1: unidirectional
      "1B 24 06 00 "        // ESC $ 6: x = 6/360 inch = column 3 at 180 dpi
      "1B 2A 27 01 00 "     // ESC * 39, 1 column
      "80 00 01 "           // pins 1 and 24
      "0D "                 // CR: end of the pass
      "0C";                 // FF: eject
  CHECK(hex(out) == expected);
  CHECK(stats.passes == 1);
  CHECK(stats.paper_moves == 0);
  CHECK(stats.bands_total == 2);
}

TEST_CASE("blank bands cost one paper move per stretch and no pass", "[drivers]") {
  Bitmap b(64, 24 * 20);
  b.set(10, 5);            // band 0
  b.set(20, 24 * 3 + 1);   // band 3: two blank bands before it
  b.set(30, 24 * 19 + 2);  // band 19: 15 blank bands (360 rows) before it
  PageStats stats;
  const std::string out =
      encode_page({180, 180, true, Emulation::escp2, 4}, b.w, b.h, b.bits, &stats);
  CHECK(stats.passes == 3);
  CHECK(stats.paper_moves == 2);  // ESC J 72, then ESC ( V for the long stretch
  auto p = testing::interpret_escp(out, b.w);
  require_same(b, p);
  CHECK(p.passes == 3);
}

TEST_CASE("blank columns are skipped by absolute positioning", "[drivers]") {
  Bitmap b(400, 24);
  for (int x = 0; x < 5; ++x) b.set(x, 0);
  for (int x = 300; x < 310; ++x) b.set(x, 12);
  PageStats stats;
  const std::string out =
      encode_page({180, 180, true, Emulation::escp2, 4}, b.w, b.h, b.bits, &stats);
  CHECK(stats.graphics_commands == 2);
  // Header 11 bytes (ESC @, ESC ( U, ESC U), two (ESC $ + ESC * header) = 2 × 9,
  // 15 columns × 3, CR, FF.
  CHECK(out.size() == 11 + 18 + 45 + 2);
  require_same(b, testing::interpret_escp(out, b.w));
}

TEST_CASE("PR2 emulation ejects with ESC O; bidirectional when asked", "[drivers]") {
  Bitmap b(8, 24);
  b.set(0, 0);
  const std::string out = encode_page({180, 180, false, Emulation::pr2, 4}, b.w, b.h, b.bits);
  CHECK(out.substr(out.size() - 2) == "\x1BO");
  CHECK(out.find(std::string("\x1BU\x00", 3)) != std::string::npos);
  auto p = testing::interpret_escp(out, b.w);
  CHECK(p.eject == "ESC O");
}

TEST_CASE("random rasters survive the round trip at 180 and 360 dpi", "[drivers]") {
  std::mt19937 rng(5);
  for (int x_dpi : {180, 360}) {
    for (int trial = 0; trial < 20; ++trial) {
      Bitmap b(1 + static_cast<int>(rng() % 300), 1 + static_cast<int>(rng() % 200));
      const int density = static_cast<int>(rng() % 50) + 1;
      for (int y = 0; y < b.h; ++y)
        for (int x = 0; x < b.w; ++x)
          if (rng() % 1000 < static_cast<unsigned>(density)) b.set(x, y);
      const std::string out = encode_page(
          {x_dpi, 180, true, Emulation::escp2, 1 + static_cast<int>(rng() % 6)}, b.w, b.h, b.bits);
      auto p = testing::interpret_escp(out, b.w);
      INFO("dpi " << x_dpi << " trial " << trial << " " << b.w << "x" << b.h);
      require_same(b, p);
    }
  }
}

TEST_CASE("page 5 at 360x180 through the encoder still scans and verifies", "[drivers]") {
  booklet::RenderOptions options;
  options.device = {{360, 180}, 24};
  options.pdf = false;
  const auto booklet = testing::render_sample_booklet(issuance::Holder::male, options);
  const layout::Raster& r = *booklet.pages[1].raster;
  PageStats stats;
  const std::string out =
      encode_page({360, 180, true, Emulation::escp2, 4}, r.width, r.height, r.bits, &stats);
  auto p = testing::interpret_escp(out, r.width);
  REQUIRE(p.error.empty());
  // The physical minimum: one pass per band that holds ink.
  int inked_bands = 0;
  for (int band = 0; band * 24 < r.height; ++band) {
    bool ink = false;
    for (int y = band * 24; y < std::min(r.height, band * 24 + 24) && !ink; ++y)
      for (int x = 0; x < r.width && !ink; ++x) ink = r.ink(x, y);
    inked_bands += ink;
  }
  CHECK(stats.passes == inked_bands);
  CHECK(p.passes == inked_bands);
  layout::Raster back = layout::Raster::blank(r.width, r.height, r.res);
  for (int y = 0; y < r.height; ++y)
    for (int x = 0; x < r.width; ++x)
      if (p.ink(x, y)) back.set(x, y);
  CHECK(back.bits == r.bits);
  auto scanned = testing::decode_qr(back);
  REQUIRE(scanned);
  CHECK(booklet::match_token(booklet.keys, booklet.record, *scanned).holder ==
        issuance::Holder::male);
}
