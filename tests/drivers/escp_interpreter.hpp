// An ESC/P2 interpreter for tests: printer bytes back to the bitmap a
// 24-pin printer would put on paper, plus what it cost (passes, moves).
// It knows exactly the commands the passbook filter may send, and reports
// anything else as an error, so a stray byte cannot pass unnoticed.
//
// Under ESC U 0 it sweeps like the printers the driver is written for: by
// turns left to right and right to left, the first pass left to right. A
// printer's reverse sweeps may land off: `reverse_misalignment` (1/360 inch,
// positive to the right) is added to every dot of a right-to-left pass.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace certprint::testing {

struct Printed {
  int x_dpi = 0;  // resolution of the graphics seen (0: none)
  int width = 0;
  int height = 0;
  std::vector<std::vector<bool>> dots;  // [row][column]
  int passes = 0;
  int reverse_passes = 0;
  std::vector<int> pass_rows;  // the page row of each pass's top pin
  int paper_moves = 0;
  bool ejected = false;
  std::string eject;  // "FF" or "ESC O"
  std::string error;  // empty when every byte was understood
  bool ink(int x, int y) const { return y < height && x < width && dots[y][x]; }
};

inline Printed interpret_escp(const std::string& bytes, int page_width_dots,
                              int reverse_misalignment = 0) {
  Printed p;
  bool bidirectional = false;
  p.width = page_width_dots;
  double unit_inch = 1.0 / 60;
  long x_units = 0;  // head position in 1/3600 inch
  int y = 0;         // rows of 1/180 inch
  bool graphics_since_cr = false;
  auto u8 = [&](std::size_t i) { return static_cast<std::uint8_t>(bytes[i]); };
  auto paint = [&](int row, int col) {
    if (col >= p.width) p.width = col + 1;
    if (row >= static_cast<int>(p.dots.size())) p.dots.resize(row + 1);
    auto& r = p.dots[row];
    if (static_cast<int>(r.size()) < p.width) r.resize(p.width, false);
    r[col] = true;
  };
  std::size_t i = 0;
  auto need = [&](std::size_t n) {
    if (i + n > bytes.size()) {
      p.error = "truncated command at byte " + std::to_string(i);
      return false;
    }
    return true;
  };
  while (i < bytes.size() && p.error.empty() && !p.ejected) {
    const std::uint8_t c = u8(i);
    if (c == 0x0D) {
      if (graphics_since_cr) {
        p.reverse_passes += bidirectional && p.passes % 2 == 1;
        p.pass_rows.push_back(y);
        ++p.passes;
      }
      graphics_since_cr = false;
      x_units = 0;
      ++i;
    } else if (c == 0x0C) {
      p.ejected = true;
      p.eject = "FF";
      ++i;
    } else if (c == 0x1B && need(2)) {
      const std::uint8_t cmd = u8(i + 1);
      if (cmd == '@') {
        unit_inch = 1.0 / 60;
        x_units = 0;
        i += 2;
      } else if (cmd == 'U' && need(3)) {
        bidirectional = u8(i + 2) == 0 || u8(i + 2) == '0';
        i += 3;
      } else if (cmd == 'O') {
        p.ejected = true;
        p.eject = "ESC O";
        i += 2;
      } else if (cmd == 'J' && need(3)) {
        y += u8(i + 2);
        ++p.paper_moves;
        i += 3;
      } else if (cmd == '$' && need(4)) {
        x_units = static_cast<long>((u8(i + 2) | u8(i + 3) << 8) * unit_inch * 3600 + 0.5);
        i += 4;
      } else if (cmd == '(' && need(5)) {
        const std::uint8_t sub = u8(i + 2);
        const int len = u8(i + 3) | u8(i + 4) << 8;
        if (!need(5 + static_cast<std::size_t>(len))) break;
        if (sub == 'U' && len == 1) {
          unit_inch = u8(i + 5) / 3600.0;
        } else if (sub == 'V' && len == 2) {
          y = static_cast<int>((u8(i + 5) | u8(i + 6) << 8) * unit_inch * 180 + 0.5);
          ++p.paper_moves;
        } else {
          p.error = "unexpected ESC ( " + std::string(1, static_cast<char>(sub)) + " at byte " +
                    std::to_string(i);
        }
        i += 5 + static_cast<std::size_t>(len);
      } else if (cmd == '*' && need(5)) {
        const int mode = u8(i + 2);
        const int n = u8(i + 3) | u8(i + 4) << 8;
        const int dpi = mode == 39 ? 180 : mode == 40 ? 360 : 0;
        if (dpi == 0) {
          p.error = "unexpected graphics mode " + std::to_string(mode);
          break;
        }
        if (p.x_dpi != 0 && p.x_dpi != dpi) p.error = "graphics modes mixed on one page";
        p.x_dpi = dpi;
        if (!need(5 + 3 * static_cast<std::size_t>(n))) break;
        const bool reverse = bidirectional && p.passes % 2 == 1;
        const long landed = x_units + (reverse ? reverse_misalignment * 10L : 0);
        if (landed < 0) {
          p.error = "ink left of the paper's edge at byte " + std::to_string(i);
          break;
        }
        const int col0 = static_cast<int>(landed * dpi / 3600);
        for (int k = 0; k < n; ++k)
          for (int b = 0; b < 3; ++b) {
            const std::uint8_t v = u8(i + 5 + 3 * k + b);
            for (int bit = 0; bit < 8; ++bit)
              if (v & (0x80 >> bit)) paint(y + b * 8 + bit, col0 + k);
          }
        x_units += static_cast<long>(n) * 3600 / dpi;
        graphics_since_cr = true;
        i += 5 + 3 * static_cast<std::size_t>(n);
      } else if (p.error.empty()) {
        p.error = "unexpected ESC " + std::to_string(cmd) + " at byte " + std::to_string(i);
      }
    } else if (p.error.empty()) {
      p.error = "unexpected byte " + std::to_string(c) + " at byte " + std::to_string(i);
    }
  }
  if (p.error.empty() && i < bytes.size()) p.error = "bytes after the eject";
  p.height = static_cast<int>(p.dots.size());
  for (auto& r : p.dots) r.resize(p.width, false);
  return p;
}

}  // namespace certprint::testing
