// ESC/P2 for 24-pin passbook printers: 1-bit raster rows in, printer bytes
// out. A pure encoder: all state belongs to one PageEncoder (one page of one
// job), nothing global, so it is testable without CUPS.
//
// What reaches the printer, per page:
//   ESC @, ESC ( U (unit 1/360 in), ESC U (direction)
//   for each head pass: the paper moved so the top pin is at the pass's
//   first row (ESC J, or ESC ( V beyond 255/180 in), then
//     for each inked stretch of columns: ESC $ (absolute x) + ESC * (graphics)
//     CR
//   the eject of the emulation: FF (ESC/P2) or ESC O (Olivetti PR2)
//
// Where the passes go: the paper moves by whole dot rows, so a pass can
// start at any row. Each pass starts at the first inked row no pass has
// printed yet and covers the 24 rows from there. That greedy cover is the
// fewest passes any placement can manage: for the topmost uncovered inked
// row, some pass must cover it, and none that starts higher covers more of
// what lies below.
//
// Bidirectional printing (ESC U 0): the printer sweeps the head left to
// right and right to left by turns, starting left to right, and saves the
// return. Its reverse sweeps land a little to one side; the driver moves
// every reverse pass by `bidi_offset` (1/360 inch, measured by a
// technician from the alignment pattern) so both directions meet.
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
  // Blank columns inside a pass shorter than this are sent as zeros: an
  // ESC $ costs 4 bytes plus a new ESC * header (5 bytes).
  int min_gap_columns = 4;
  // Bidirectional only: added to the x position of every right-to-left
  // pass, in 1/360 inch (positive: further right). Within +-kMaxBidiOffset.
  int bidi_offset = 0;
};

inline constexpr int kMaxBidiOffset = 36;  // 0.1 inch; a printer further off needs service

struct PageStats {
  int passes = 0;          // head passes (ESC * groups ended by CR)
  int reverse_passes = 0;  // of them, swept right to left (bidirectional only)
  int paper_moves = 0;     // ESC J and ESC ( V commands
  int graphics_commands = 0;
  // Columns of a reverse pass that a negative offset would put left of the
  // paper's edge: not sent (a booklet page has no ink there).
  int clipped_columns = 0;
  std::size_t bytes = 0;
};

class PageEncoder {
 public:
  // REQUIRES: valid(options, width_dots).
  PageEncoder(const EncoderOptions& options, int width_dots);

  // One raster row, (width+7)/8 bytes, MSB first, 1 = ink. Rows are added
  // top to bottom; a pass that reaches past the last row prints blank pins
  // there.
  void add_row(const std::uint8_t* row);
  // Prints the pass under way, ejects the page, returns every byte of it.
  std::string finish();
  const PageStats& stats() const { return stats_; }
  static bool valid(const EncoderOptions& options, int width_dots);

 private:
  void print_pass();
  void move_paper_to(int row);
  std::string out_;
  EncoderOptions options_;
  int width_;
  int stride_;
  std::vector<std::uint8_t> pass_;  // kBandRows rows from pass_top_
  int rows_in_pass_ = 0;            // 0: no pass open
  int pass_top_ = 0;                // page row of the open pass's top pin
  int next_row_ = 0;                // page row of the next row added
  int head_row_ = 0;                // page row the top pin is at
  PageStats stats_;
};

// Convenience for tests and tools: a whole page at once.
std::string encode_page(const EncoderOptions& options, int width_dots, int height_dots,
                        const std::vector<std::uint8_t>& bits, PageStats* stats = nullptr);

}  // namespace certprint::escp
