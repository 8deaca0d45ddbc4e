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

bool row_inked(const Bitmap& b, int y) {
  for (int x = 0; x < b.w; ++x)
    if (b.get(x, y)) return true;
  return false;
}

// The fewest 24-row passes that cover every inked row, by dynamic
// programming over where each pass starts (any row), not by the encoder's
// greedy rule: best[y] is the fewest passes for the inked rows from y down.
int fewest_passes(const Bitmap& b) {
  std::vector<int> best(static_cast<std::size_t>(b.h) + 25, 0);
  for (int y = b.h - 1; y >= 0; --y) {
    if (!row_inked(b, y)) {
      best[y] = best[y + 1];
      continue;
    }
    // Row y is the topmost uncovered inked row: some pass starting at one
    // of rows y-23..y covers it, and covers the rows below it up to its end.
    int least = 1 << 30;
    for (int start = y - 23; start <= y; ++start)
      least = std::min(least, 1 + best[std::min(b.h, std::max(y + 1, start + 24))]);
    best[y] = least;
  }
  return b.h > 0 ? best[0] : 0;
}

// A proof that the passes printed are as few as possible: their top rows are
// inked rows at least 24 apart, and no pass covers two of them, so every
// cover needs at least that many passes.
void check_optimal(const Bitmap& b, const testing::Printed& p) {
  for (std::size_t i = 0; i < p.pass_rows.size(); ++i) {
    CHECK(row_inked(b, p.pass_rows[i]));
    if (i > 0) CHECK(p.pass_rows[i] - p.pass_rows[i - 1] >= 24);
  }
}

Bitmap random_bitmap(std::mt19937& rng, int left_margin) {
  Bitmap b(left_margin + 1 + static_cast<int>(rng() % 300), 1 + static_cast<int>(rng() % 240));
  const int density = static_cast<int>(rng() % 50) + 1;
  // Some rows blank, so passes have gaps to skip.
  const int blank_every = 2 + static_cast<int>(rng() % 9);
  for (int y = 0; y < b.h; ++y) {
    if ((y / 7) % blank_every == 0) continue;
    for (int x = left_margin; x < b.w; ++x)
      if (rng() % 1000 < static_cast<unsigned>(density)) b.set(x, y);
  }
  return b;
}

Bitmap as_bitmap(const layout::Raster& r) {
  Bitmap b(r.width, r.height);
  b.bits = r.bits;
  return b;
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
  CHECK(stats.reverse_passes == 0);
}

TEST_CASE("blank rows cost one paper move per stretch and no pass", "[drivers]") {
  Bitmap b(64, 24 * 20);
  b.set(10, 5);            // the first pass starts at row 5
  b.set(20, 24 * 3 + 1);   // 68 rows below it
  b.set(30, 24 * 19 + 2);  // 385 rows further: more than ESC J's 255
  PageStats stats;
  const std::string out =
      encode_page({180, 180, true, Emulation::escp2, 4}, b.w, b.h, b.bits, &stats);
  CHECK(stats.passes == 3);
  CHECK(stats.paper_moves == 3);  // ESC J 5, ESC J 68, then ESC ( V for the long stretch
  CHECK(out.find("\x1BJ\x05") != std::string::npos);
  CHECK(out.find("\x1BJ\x44") != std::string::npos);
  auto p = testing::interpret_escp(out, b.w);
  require_same(b, p);
  CHECK(p.passes == 3);
  CHECK(p.pass_rows == std::vector<int>{5, 73, 458});
}

TEST_CASE("a pass starts at the first inked row, not on a fixed 24-row grid", "[drivers]") {
  // Ink on rows 20..43: two bands of a grid from the top, one pass from row 20.
  Bitmap b(32, 60);
  for (int y = 20; y < 44; ++y) b.set(7, y);
  PageStats stats;
  const std::string out =
      encode_page({180, 180, true, Emulation::escp2, 4}, b.w, b.h, b.bits, &stats);
  CHECK(stats.passes == 1);
  auto p = testing::interpret_escp(out, b.w);
  require_same(b, p);
  CHECK(p.pass_rows == std::vector<int>{20});
  // One row more needs a second pass, which starts at that row.
  b.set(7, 44);
  const std::string two = encode_page({180, 180, true, Emulation::escp2, 4}, b.w, b.h, b.bits);
  auto q = testing::interpret_escp(two, b.w);
  require_same(b, q);
  CHECK(q.pass_rows == std::vector<int>{20, 44});
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

TEST_CASE(
    "bidirectional: a pass a negative offset clips whole is not swept, and the turns stay true",
    "[drivers]") {
  // Pass 1 (left to right) at column 20; pass 2 (right to left) holds ink
  // only at column 0, all of it left of the paper's edge at offset -3; pass 3
  // at column 20 again. The printer sweeps only where it is sent graphics,
  // so its second sweep, right to left, is pass 3.
  Bitmap b(40, 72);
  for (int y = 0; y < 24; ++y) b.set(20, y);
  for (int y = 24; y < 48; ++y) b.set(0, y);
  for (int y = 48; y < 72; ++y) b.set(20, y);
  PageStats stats;
  const std::string out =
      encode_page({180, 180, false, Emulation::escp2, 4, -3}, b.w, b.h, b.bits, &stats);
  CHECK(stats.clipped_columns == 1);
  CHECK(stats.passes == 2);
  CHECK(stats.reverse_passes == 1);
  auto p = testing::interpret_escp(out, b.w, 3);
  REQUIRE(p.error.empty());
  CHECK(p.passes == 2);
  CHECK(p.ink(20, 10));
  CHECK(p.ink(20, 60));  // the reverse sweep, moved by the offset, lands on column 20
  CHECK_FALSE(p.ink(21, 60));
}

TEST_CASE("random rasters: dot for dot, in the fewest passes, at 180 and 360 dpi", "[drivers]") {
  std::mt19937 rng(5);
  for (int x_dpi : {180, 360}) {
    for (int trial = 0; trial < 40; ++trial) {
      const Bitmap b = random_bitmap(rng, 0);
      const std::string out = encode_page(
          {x_dpi, 180, true, Emulation::escp2, 1 + static_cast<int>(rng() % 6)}, b.w, b.h, b.bits);
      auto p = testing::interpret_escp(out, b.w);
      INFO("dpi " << x_dpi << " trial " << trial << " " << b.w << "x" << b.h);
      require_same(b, p);
      CHECK(p.passes == fewest_passes(b));
      check_optimal(b, p);
    }
  }
}

TEST_CASE("bidirectional: reverse passes moved by the offset meet the forward ones", "[drivers]") {
  std::mt19937 rng(11);
  for (int x_dpi : {180, 360}) {
    for (int misalignment : {-7, -2, 0, 1, 4, 9}) {
      for (int trial = 0; trial < 8; ++trial) {
        // A booklet page's ink keeps clear of the paper's left edge.
        const Bitmap b = random_bitmap(rng, 10);
        PageStats stats;
        const std::string out = encode_page({x_dpi, 180, false, Emulation::escp2, 4, -misalignment},
                                            b.w, b.h, b.bits, &stats);
        INFO("dpi " << x_dpi << " printer off by " << misalignment << "/360 in, trial " << trial);
        auto p = testing::interpret_escp(out, b.w, misalignment);
        require_same(b, p);
        CHECK(p.passes == fewest_passes(b));
        CHECK(p.reverse_passes == p.passes / 2);
        CHECK(stats.reverse_passes == p.passes / 2);
        CHECK(stats.clipped_columns == 0);
      }
    }
  }
}

TEST_CASE("bidirectional: without the offset a misaligned printer smears, so the offset matters",
          "[drivers]") {
  // Two passes: a column of ink in each, one under the other.
  Bitmap b(200, 48);
  for (int y = 0; y < 48; ++y) b.set(100, y);
  const std::string uncorrected =
      encode_page({360, 180, false, Emulation::escp2, 4, 0}, b.w, b.h, b.bits);
  auto p = testing::interpret_escp(uncorrected, b.w, 3);
  REQUIRE(p.error.empty());
  CHECK(p.reverse_passes == 1);
  CHECK(p.ink(100, 0));
  CHECK_FALSE(p.ink(100, 24));  // the reverse pass landed 3 dots right
  CHECK(p.ink(103, 24));
  const std::string corrected =
      encode_page({360, 180, false, Emulation::escp2, 4, -3}, b.w, b.h, b.bits);
  require_same(b, testing::interpret_escp(corrected, b.w, 3));
  // Unidirectional printing has no reverse passes to move.
  PageStats stats;
  const std::string one_way =
      encode_page({360, 180, true, Emulation::escp2, 4, -3}, b.w, b.h, b.bits, &stats);
  CHECK(stats.reverse_passes == 0);
  require_same(b, testing::interpret_escp(one_way, b.w, 3));
}

TEST_CASE("bidirectional: ink a negative offset would put off the paper is counted, not sent",
          "[drivers]") {
  Bitmap b(40, 48);
  for (int y = 0; y < 48; ++y) b.set(0, y), b.set(1, y), b.set(20, y);
  PageStats stats;
  const std::string out =
      encode_page({180, 180, false, Emulation::escp2, 4, -3}, b.w, b.h, b.bits, &stats);
  // Columns 0 and 1 of the reverse pass would sit at -3/360 and -1/360 inch.
  CHECK(stats.clipped_columns == 2);
  auto p = testing::interpret_escp(out, b.w, 3);
  REQUIRE(p.error.empty());
  CHECK(p.ink(20, 30));
  CHECK_FALSE(p.ink(0, 30));
  CHECK_FALSE(PageEncoder::valid({180, 180, false, Emulation::escp2, 4, 37}, 40));
  CHECK(PageEncoder::valid({180, 180, false, Emulation::escp2, 4, -36}, 40));
}

TEST_CASE("page 5 at 360x180 through the encoder still scans and verifies", "[drivers]") {
  booklet::RenderOptions options;
  options.device = {{360, 180}};
  options.pdf = false;
  const auto booklet = testing::render_sample_booklet(issuance::Holder::male, options);
  const layout::Raster& r = *booklet.pages[1].raster;
  PageStats stats;
  const std::string out =
      encode_page({360, 180, true, Emulation::escp2, 4}, r.width, r.height, r.bits, &stats);
  auto p = testing::interpret_escp(out, r.width);
  REQUIRE(p.error.empty());
  CHECK(stats.passes == fewest_passes(as_bitmap(r)));
  CHECK(p.passes == stats.passes);
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

TEST_CASE("both pages at 180x180 and 360x180: dot for dot, in the fewest passes, either way",
          "[drivers]") {
  for (const layout::Resolution res :
       {layout::Resolution{180, 180}, layout::Resolution{360, 180}}) {
    booklet::RenderOptions options;
    options.device = {res};
    options.pdf = false;
    const auto booklet = testing::render_sample_booklet(issuance::Holder::female, options);
    for (const auto& page : booklet.pages) {
      const layout::Raster& r = *page.raster;
      const Bitmap b = as_bitmap(r);
      for (bool unidirectional : {true, false}) {
        INFO(res.x_dpi << "x" << res.y_dpi << " " << issuance::to_string(page.kind)
                       << (unidirectional ? " unidirectional" : " bidirectional"));
        PageStats stats;
        const std::string out =
            encode_page({res.x_dpi, 180, unidirectional, Emulation::escp2, 4, 2}, r.width, r.height,
                        r.bits, &stats);
        auto p = testing::interpret_escp(out, r.width, -2);
        require_same(b, p);
        CHECK(p.passes == fewest_passes(b));
        check_optimal(b, p);
        CHECK(stats.reverse_passes == (unidirectional ? 0 : stats.passes / 2));
      }
    }
  }
}
