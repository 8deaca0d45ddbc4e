// A 1-bit device raster: what a dot printer receives for one page.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "layout/geometry.hpp"

namespace certprint::layout {

// Rows top to bottom, bits most significant first, 1 = ink (the layout of
// CUPS 1-bit black raster and of PBM P4).
struct Raster {
  int width = 0;   // dots
  int height = 0;  // dots
  Resolution res;
  int stride = 0;  // bytes per row
  std::vector<std::uint8_t> bits;

  static Raster blank(int width, int height, Resolution res);
  bool ink(int x, int y) const {
    return (bits[static_cast<std::size_t>(y) * stride + (x >> 3)] >> (7 - (x & 7))) & 1;
  }
  void set(int x, int y) {
    bits[static_cast<std::size_t>(y) * stride + (x >> 3)] |=
        static_cast<std::uint8_t>(0x80 >> (x & 7));
  }
  std::size_t ink_count() const;
};

// PBM (P4) bytes of the raster, for inspection with any image viewer.
std::string to_pbm(const Raster& r);

}  // namespace certprint::layout
