// QR symbols for page 5: the module matrix (libqrencode, alphanumeric mode,
// level Q) and its placement on a printer's dot grid.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "layout/geometry.hpp"
#include "layout/template.hpp"

namespace certprint::layout {

// A QR symbol without its quiet zone; dark(x, y) is true for a dark module.
struct QrMatrix {
  int version = 0;
  int size = 0;                       // modules per side
  std::vector<std::uint8_t> modules;  // row-major, 1 = dark
  bool dark(int x, int y) const { return modules[static_cast<std::size_t>(y) * size + x] != 0; }
  std::string to_text() const;  // rows of 'X' and ' ', for readable test expectations
};

// Encodes `payload` in alphanumeric mode at error-correction level Q, the
// smallest version that holds it. Fails on characters outside the QR
// alphanumeric set (0-9 A-Z space $ % * + - . / :).
Result<QrMatrix> encode_qr(std::string_view payload);

// Where and how big the symbol is on the device, in whole dots.
struct QrPlacement {
  int dots_per_module_x = 0;
  int dots_per_module_y = 0;
  double module_mm = 0;  // the same on both axes: modules are square on paper
  int quiet_modules = 0;
  int total_modules = 0;  // symbol size + 2 × quiet zone
  int origin_x_dots = 0;  // top-left of the quiet zone on the device grid
  int origin_y_dots = 0;
  int width_dots() const { return total_modules * dots_per_module_x; }
  int height_dots() const { return total_modules * dots_per_module_y; }
};

// The smallest whole-dot module that is square on paper and meets the zone's
// minimum size and dot count, for this resolution. Fails when no module up to
// 64 dots is square (a resolution pair with no usable common grid).
Result<QrPlacement> module_grid(const QrZone& zone, Resolution res);

// Places a symbol of `symbol_modules` centred in the zone, maps the position
// through `correction` (nominal paper mm -> device mm), rounds it to the dot
// grid, and checks
// that the whole footprint, quiet zone included, lands inside the zone on
// paper (device -> paper through the inverse correction). Refuses otherwise,
// saying by how much.
Result<QrPlacement> place_qr(const QrZone& zone, int symbol_modules, const Affine& correction,
                             Resolution res);

// The four paper-space corners where a placed symbol's footprint lands.
std::vector<Point> landed_corners(const QrPlacement& p, const Affine& correction, Resolution res);

}  // namespace certprint::layout
