// ESC/P2 for 24-pin passbook printers: 1-bit raster rows in, printer bytes
// out. A pure encoder: all state belongs to one PageEncoder (one page of one
// job), nothing global, so it is testable without CUPS.
//
// What reaches the printer, per page:
//   ESC @, ESC ( U (unit 1/360 in), ESC U (direction)
//   for each 24-row band holding ink: one head pass:
//     for each inked stretch of columns: ESC $ (absolute x) + ESC * (graphics)
//     CR
//   blank bands cost one paper move per blank stretch (ESC J, or ESC ( V
//   beyond 255/180 in), never a pass
//   the eject of the emulation: FF (ESC/P2) or ESC O (Olivetti PR2)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace certprint::escp {

// Command bytes, each named for what the printer does with it.
inline constexpr std::uint8_t kEsc = 0x1B;
inline constexpr std::uint8_t kCarriageReturn = 0x0D;  // CR: head to the left margin
inline constexpr std::uint8_t kFormFeed = 0x0C;        // FF: ESC/P2 page eject
inline constexpr std::uint8_t kInitialize = '@';       // ESC @: reset to defaults
inline constexpr std::uint8_t kDirection = 'U';        // ESC U n: 1 unidirectional, 0 bidirectional
inline constexpr std::uint8_t kFeed = 'J';             // ESC J n: feed n/180 inch
inline constexpr std::uint8_t kAbsoluteX = '$';        // ESC $ nL nH: x position in defined units
inline constexpr std::uint8_t kGraphics = '*';         // ESC * m nL nH data: bit image
inline constexpr std::uint8_t kExtended = '(';     // ESC ( c nL nH ...: ESC/P2 extended commands
inline constexpr std::uint8_t kUnitCommand = 'U';  // ESC ( U 01 00 m: unit m/3600 inch
inline constexpr std::uint8_t kAbsoluteY = 'V';    // ESC ( V 02 00 mL mH: y position in units
inline constexpr std::uint8_t kPr2Eject = 'O';     // ESC O: Olivetti PR2 document eject
inline constexpr std::uint8_t kMode180 = 39;       // ESC * 39: 24-pin, 180 dpi, 3 bytes/column
inline constexpr std::uint8_t kMode360 = 40;       // ESC * 40: 24-pin, 360 dpi, 3 bytes/column
inline constexpr int kUnitsPerInch = 360;          // the unit ESC ( U selects
inline constexpr int kBandRows = 24;               // pins in the head
inline constexpr int kMaxFeedRows = 255;           // ESC J's largest step

enum class Emulation { escp2, pr2 };

struct EncoderOptions {
  int x_dpi = 180;  // 180 or 360
  int y_dpi = 180;  // 180 (the pin pitch)
  bool unidirectional = true;
  Emulation emulation = Emulation::escp2;
  // Blank columns inside a band shorter than this are sent as zeros: an
  // ESC $ costs 4 bytes plus a new ESC * header (5 bytes).
  int min_gap_columns = 4;
};

struct PageStats {
  int bands_total = 0;
  int passes = 0;       // head passes (ESC * groups ended by CR)
  int paper_moves = 0;  // ESC J and ESC ( V commands
  int graphics_commands = 0;
  std::size_t bytes = 0;
};

class PageEncoder {
 public:
  // REQUIRES: x_dpi in {180, 360}, y_dpi == 180, width_dots > 0.
  PageEncoder(const EncoderOptions& options, int width_dots);

  // One raster row, (width+7)/8 bytes, MSB first, 1 = ink. Rows are added
  // top to bottom; a partial last band is padded with blank rows.
  void add_row(const std::uint8_t* row);
  // Flushes the last band, ejects the page, returns every byte of it.
  std::string finish();
  const PageStats& stats() const { return stats_; }
  static bool valid(const EncoderOptions& options, int width_dots);

 private:
  void flush_band();
  void move_paper_to(int row);
  std::string out_;
  EncoderOptions options_;
  int width_;
  int stride_;
  std::vector<std::uint8_t> band_;  // kBandRows rows
  int rows_in_band_ = 0;
  int band_top_row_ = 0;  // page row of the band being collected
  int head_row_ = 0;      // page row the head is at
  PageStats stats_;
};

// Convenience for tests and tools: a whole page at once.
std::string encode_page(const EncoderOptions& options, int width_dots, int height_dots,
                        const std::vector<std::uint8_t>& bits, PageStats* stats = nullptr);

}  // namespace certprint::escp
