#include "drivers/escp.hpp"

#include <algorithm>
#include <cstring>

namespace certprint::escp {
namespace {

void put16(std::string& out, int v) {
  out += static_cast<char>(v & 0xFF);
  out += static_cast<char>((v >> 8) & 0xFF);
}

// One collected pass: kBandRows raster rows of `stride` bytes, MSB first.
struct BandView {
  const std::vector<std::uint8_t>& bits;
  int stride;
  int width;

  bool ink_at(int row, int x) const {
    const std::uint8_t mask = static_cast<std::uint8_t>(0x80 >> (x & 7));
    return bits[static_cast<std::size_t>(row) * stride + (x >> 3)] & mask;
  }
  bool ink_in_column(int x) const {
    for (int r = 0; r < kBandRows; ++r)
      if (ink_at(r, x)) return true;
    return false;
  }
};

// Where the inked stretch starting at column `x` ends. A gap narrower than
// `min_gap_columns` is bridged: sending it as zeros is cheaper than a new
// ESC $ + ESC * header.
int stretch_end(const BandView& band, int x, int min_gap_columns) {
  int end = x + 1;
  while (end < band.width) {
    if (band.ink_in_column(end)) {
      ++end;
      continue;
    }
    int gap = end;
    while (gap < band.width && gap - end < min_gap_columns && !band.ink_in_column(gap)) ++gap;
    if (gap < band.width && gap - end < min_gap_columns && band.ink_in_column(gap)) {
      end = gap;
      continue;
    }
    break;
  }
  return end;
}

// Inked stretches of columns as [start, end), small gaps merged.
std::vector<std::pair<int, int>> inked_stretches(const BandView& band, int min_gap_columns) {
  std::vector<std::pair<int, int>> runs;
  for (int x = 0; x < band.width;) {
    if (!band.ink_in_column(x)) {
      ++x;
      continue;
    }
    const int end = stretch_end(band, x, min_gap_columns);
    runs.emplace_back(x, end);
    x = end;
  }
  return runs;
}

// ESC $ nL nH to the stretch's first column moved by `shift` (1/360 inch),
// then ESC * m nL nH with its columns' pin data. REQUIRES: the position is
// not negative.
void put_stretch(std::string& out, const BandView& band, int start, int end, int x_dpi, int shift) {
  const int units_per_dot = kUnitsPerInch / x_dpi;
  out += {static_cast<char>(kEsc), static_cast<char>(kAbsoluteX)};
  put16(out, start * units_per_dot + shift);
  const int n = end - start;
  out += {static_cast<char>(kEsc), static_cast<char>(kGraphics),
          static_cast<char>(x_dpi == 180 ? kMode180 : kMode360)};
  put16(out, n);
  // Three bytes a column; the top pin is the first byte's top bit.
  for (int x = start; x < end; ++x) {
    for (int b = 0; b < 3; ++b) {
      std::uint8_t v = 0;
      for (int bit = 0; bit < 8; ++bit)
        if (band.ink_at(b * 8 + bit, x)) v |= static_cast<std::uint8_t>(0x80 >> bit);
      out += static_cast<char>(v);
    }
  }
}

}  // namespace

bool PageEncoder::valid(const EncoderOptions& o, int width_dots) {
  return (o.x_dpi == 180 || o.x_dpi == 360) && o.y_dpi == 180 && width_dots > 0 &&
         width_dots <= 32767 && o.min_gap_columns >= 1 && o.bidi_offset >= -kMaxBidiOffset &&
         o.bidi_offset <= kMaxBidiOffset;
}

PageEncoder::PageEncoder(const EncoderOptions& options, int width_dots)
    : options_(options),
      width_(width_dots),
      stride_((width_dots + 7) / 8),
      pass_(static_cast<std::size_t>(stride_) * kBandRows, 0) {
  out_ += static_cast<char>(kEsc);
  out_ += static_cast<char>(kInitialize);
  // ESC ( U 01 00 10: positions in 1/360 inch, exact at both resolutions.
  out_ += {static_cast<char>(kEsc),
           static_cast<char>(kExtended),
           static_cast<char>(kUnitCommand),
           1,
           0,
           static_cast<char>(3600 / kUnitsPerInch)};
  out_ += {static_cast<char>(kEsc), static_cast<char>(kDirection),
           static_cast<char>(options_.unidirectional ? 1 : 0)};
}

void PageEncoder::add_row(const std::uint8_t* row) {
  const int row_index = next_row_++;
  if (rows_in_pass_ == 0) {
    // No pass open: a blank row needs none; an inked one starts the next.
    bool ink = false;
    for (int i = 0; i < stride_ && !ink; ++i) ink = row[i] != 0;
    if (!ink) return;
    pass_top_ = row_index;
  }
  std::memcpy(&pass_[static_cast<std::size_t>(rows_in_pass_) * stride_], row,
              static_cast<std::size_t>(stride_));
  if (++rows_in_pass_ == kBandRows) print_pass();
}

void PageEncoder::move_paper_to(int row) {
  int delta = row - head_row_;
  if (delta <= 0) return;
  ++stats_.paper_moves;
  if (delta <= kMaxFeedRows) {
    out_ += {static_cast<char>(kEsc), static_cast<char>(kFeed), static_cast<char>(delta)};
  } else {
    // One absolute move for a long blank stretch, in 1/360 inch from the top.
    out_ += {static_cast<char>(kEsc), static_cast<char>(kExtended), static_cast<char>(kAbsoluteY),
             2, 0};
    put16(out_, row * (kUnitsPerInch / options_.y_dpi));
  }
  head_row_ = row;
}

void PageEncoder::print_pass() {
  const BandView band{pass_, stride_, width_};
  // Bidirectional: passes alternate, the first left to right.
  const bool reverse = !options_.unidirectional && stats_.passes % 2 == 1;
  const int units_per_dot = kUnitsPerInch / options_.x_dpi;
  const int shift = reverse ? options_.bidi_offset : 0;
  // The stretches to send, less columns a negative shift would put left of
  // the paper's edge.
  std::vector<std::pair<int, int>> sent;
  for (auto [start, end] : inked_stretches(band, options_.min_gap_columns)) {
    const int lost =
        shift < 0
            ? std::max(0, (-shift - start * units_per_dot + units_per_dot - 1) / units_per_dot)
            : 0;
    stats_.clipped_columns += std::min(lost, end - start);
    if (start + lost < end) sent.emplace_back(start + lost, end);
  }
  // Nothing left to print: the head does not sweep, so the turn is not taken.
  if (!sent.empty()) {
    move_paper_to(pass_top_);
    ++stats_.passes;
    stats_.reverse_passes += reverse;
    for (auto [start, end] : sent) {
      put_stretch(out_, band, start, end, options_.x_dpi, shift);
      ++stats_.graphics_commands;
    }
    out_ += static_cast<char>(kCarriageReturn);
  }
  std::fill(pass_.begin(), pass_.end(), 0);
  rows_in_pass_ = 0;
}

std::string PageEncoder::finish() {
  if (rows_in_pass_ > 0) print_pass();
  if (options_.emulation == Emulation::escp2) {
    out_ += static_cast<char>(kFormFeed);
  } else {
    out_ += {static_cast<char>(kEsc), static_cast<char>(kPr2Eject)};
  }
  stats_.bytes = out_.size();
  return std::move(out_);
}

std::string encode_page(const EncoderOptions& options, int width_dots, int height_dots,
                        const std::vector<std::uint8_t>& bits, PageStats* stats) {
  PageEncoder e(options, width_dots);
  const int stride = (width_dots + 7) / 8;
  for (int y = 0; y < height_dots; ++y) e.add_row(&bits[static_cast<std::size_t>(y) * stride]);
  std::string out = e.finish();
  if (stats) *stats = e.stats();
  return out;
}

}  // namespace certprint::escp
