#include "drivers/escp.hpp"

#include <cstring>

namespace certprint::escp {
namespace {

void put16(std::string& out, int v) {
  out += static_cast<char>(v & 0xFF);
  out += static_cast<char>((v >> 8) & 0xFF);
}

}  // namespace

bool PageEncoder::valid(const EncoderOptions& o, int width_dots) {
  return (o.x_dpi == 180 || o.x_dpi == 360) && o.y_dpi == 180 && width_dots > 0 &&
         width_dots <= 32767 && o.min_gap_columns >= 1;
}

PageEncoder::PageEncoder(const EncoderOptions& options, int width_dots)
    : options_(options),
      width_(width_dots),
      stride_((width_dots + 7) / 8),
      band_(static_cast<std::size_t>(stride_) * kBandRows, 0) {
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
  std::memcpy(&band_[static_cast<std::size_t>(rows_in_band_) * stride_], row,
              static_cast<std::size_t>(stride_));
  if (++rows_in_band_ == kBandRows) flush_band();
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

void PageEncoder::flush_band() {
  ++stats_.bands_total;
  const int top = band_top_row_;
  band_top_row_ += kBandRows;
  auto ink_in_column = [&](int x) {
    const std::uint8_t mask = static_cast<std::uint8_t>(0x80 >> (x & 7));
    for (int r = 0; r < kBandRows; ++r)
      if (band_[static_cast<std::size_t>(r) * stride_ + (x >> 3)] & mask) return true;
    return false;
  };
  // Inked stretches of columns, small gaps merged.
  std::vector<std::pair<int, int>> runs;  // [start, end)
  for (int x = 0; x < width_;) {
    if (!ink_in_column(x)) {
      ++x;
      continue;
    }
    int end = x + 1;
    while (end < width_) {
      if (ink_in_column(end)) {
        ++end;
        continue;
      }
      int gap = end;
      while (gap < width_ && gap - end < options_.min_gap_columns && !ink_in_column(gap)) ++gap;
      if (gap < width_ && gap - end < options_.min_gap_columns && ink_in_column(gap)) {
        end = gap;
        continue;
      }
      break;
    }
    runs.emplace_back(x, end);
    x = end;
  }
  if (!runs.empty()) {
    move_paper_to(top);
    ++stats_.passes;
    const int units_per_dot = kUnitsPerInch / options_.x_dpi;
    for (auto [start, end] : runs) {
      out_ += {static_cast<char>(kEsc), static_cast<char>(kAbsoluteX)};
      put16(out_, start * units_per_dot);
      const int n = end - start;
      out_ += {static_cast<char>(kEsc), static_cast<char>(kGraphics),
               static_cast<char>(options_.x_dpi == 180 ? kMode180 : kMode360)};
      put16(out_, n);
      ++stats_.graphics_commands;
      // Three bytes a column; the top pin is the first byte's top bit.
      for (int x = start; x < end; ++x) {
        const std::uint8_t mask = static_cast<std::uint8_t>(0x80 >> (x & 7));
        for (int b = 0; b < 3; ++b) {
          std::uint8_t v = 0;
          for (int bit = 0; bit < 8; ++bit)
            if (band_[static_cast<std::size_t>(b * 8 + bit) * stride_ + (x >> 3)] & mask)
              v |= static_cast<std::uint8_t>(0x80 >> bit);
          out_ += static_cast<char>(v);
        }
      }
    }
    out_ += static_cast<char>(kCarriageReturn);
  }
  std::fill(band_.begin(), band_.end(), 0);
  rows_in_band_ = 0;
}

std::string PageEncoder::finish() {
  if (rows_in_band_ > 0) flush_band();
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
