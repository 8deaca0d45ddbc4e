#include "drivers/raster_guard.hpp"

#include <algorithm>
#include <cstring>

namespace certprint::escp {
namespace {

std::uint32_t u32(const unsigned char* b, bool little_endian) {
  return little_endian ? (std::uint32_t(b[3]) << 24 | std::uint32_t(b[2]) << 16 |
                          std::uint32_t(b[1]) << 8 | b[0])
                       : (std::uint32_t(b[0]) << 24 | std::uint32_t(b[1]) << 16 |
                          std::uint32_t(b[2]) << 8 | b[3]);
}

}  // namespace

std::size_t RasterGuard::pass(const unsigned char* bytes, std::size_t n) {
  if (part_ == Part::refused) return 0;
  for (std::size_t i = 0; i < n; ++i) {
    // A header refused at its last byte: pass on what came before it.
    if (!step(bytes[i])) return i + 1 >= have_ ? i + 1 - have_ : 0;
  }
  return n;
}

// The sync word is a 32-bit "RaS?" in the writer's byte order: bytes "?SaR"
// come from a little-endian writer, "RaS?" from a big-endian one.
bool RasterGuard::take_sync() {
  const std::string word(header_.begin(), header_.begin() + 4);
  for (const char* v : {"RaSt", "RaS2", "RaS3"}) {
    std::string reversed(v);
    std::reverse(reversed.begin(), reversed.end());
    if (word == v || word == reversed) {
      little_endian_ = word == reversed;
      packed_ = v[3] == '2';
      // libcups reads a v1 header as the shorter cups_page_header_t; the
      // fields judged here lie in both.
      header_bytes_ = v[3] == 't' ? sizeof(cups_page_header_t) : sizeof(cups_page_header2_t);
      part_ = Part::header;
      have_ = 0;
      return true;
    }
  }
  problem_ = "the input is not CUPS raster (v1, v2 or v3)";
  part_ = Part::refused;
  return false;
}

bool RasterGuard::take_header() {
  ++page_;
  const auto field = [&](std::size_t offset) {
    return u32(header_.data() + offset, little_endian_);
  };
  cups_page_header2_t h;
  std::memset(&h, 0, sizeof h);
  h.HWResolution[0] = field(offsetof(cups_page_header2_t, HWResolution));
  h.HWResolution[1] = field(offsetof(cups_page_header2_t, HWResolution) + 4);
  h.cupsWidth = field(offsetof(cups_page_header2_t, cupsWidth));
  h.cupsHeight = field(offsetof(cups_page_header2_t, cupsHeight));
  h.cupsBitsPerColor = field(offsetof(cups_page_header2_t, cupsBitsPerColor));
  h.cupsBitsPerPixel = field(offsetof(cups_page_header2_t, cupsBitsPerPixel));
  h.cupsBytesPerLine = field(offsetof(cups_page_header2_t, cupsBytesPerLine));
  // The enums arrive as any 32-bit value: copy them as numbers.
  const std::uint32_t order = field(offsetof(cups_page_header2_t, cupsColorOrder));
  const std::uint32_t space = field(offsetof(cups_page_header2_t, cupsColorSpace));
  std::memcpy(&h.cupsColorOrder, &order, sizeof order);
  std::memcpy(&h.cupsColorSpace, &space, sizeof space);
  const std::string wrong = judge_(h);
  if (!wrong.empty()) {
    problem_ = "page " + std::to_string(page_) + ": " + wrong;
    part_ = Part::refused;
    return false;
  }
  bytes_per_line_ = h.cupsBytesPerLine;
  lines_left_ = h.cupsHeight;
  plain_left_ = std::uint64_t{h.cupsBytesPerLine} * h.cupsHeight;
  have_ = 0;
  if (packed_)
    next_lines();
  else
    part_ = Part::plain_rows;
  return true;
}

// A v2 row stands for 1..256 lines (its repeat count). The lines it still
// stands for at the end of a page are dropped: libcups starts every page's
// rows afresh (its repeat count is reset with each header; carrying them
// over, as this guard once did, lost its place in the stream). The page
// ends when its lines are counted; the next header follows at once.
void RasterGuard::next_lines() {
  const std::uint32_t repeated = std::min(repeat_left_, lines_left_);
  repeat_left_ -= repeated;
  lines_left_ -= repeated;
  if (lines_left_ == 0) repeat_left_ = 0;
  part_ = lines_left_ == 0 ? Part::header : Part::line_start;
}

// False once the stream is refused.
bool RasterGuard::step(unsigned char byte) {
  switch (part_) {
    case Part::sync:
      header_[have_++] = byte;
      return have_ < 4 || take_sync();
    case Part::header:
      header_[have_++] = byte;
      return have_ < header_bytes_ || take_header();
    case Part::plain_rows:
      if (--plain_left_ == 0) part_ = Part::header;
      return true;
    case Part::line_start:  // the row's repeat count, 0..255 for 1..256 lines
      repeat_left_ = std::uint32_t{byte} + 1;
      line_left_ = bytes_per_line_;
      part_ = Part::run;
      return true;
    case Part::run: {
      // 128: the rest of the line is blank; 0..127: one pixel repeated
      // byte+1 times; 129..255: 257-byte pixels as they are (a pixel is one
      // byte at 1 or 8 bits).
      const std::uint32_t covers = byte == 128  ? line_left_
                                   : byte < 128 ? std::uint32_t{byte} + 1
                                                : 257u - byte;
      const std::uint32_t count = std::min(covers, line_left_);
      line_left_ -= count;
      data_left_ = byte == 128 ? 0 : byte < 128 ? 1 : count;
      if (data_left_ > 0)
        part_ = Part::run_data;
      else if (line_left_ == 0)
        next_lines();
      return true;
    }
    case Part::run_data:
      if (--data_left_ == 0) {
        if (line_left_ == 0)
          next_lines();
        else
          part_ = Part::run;
      }
      return true;
    case Part::refused:
      break;
  }
  return false;
}

}  // namespace certprint::escp
