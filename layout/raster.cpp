#include "layout/raster.hpp"

#include <bit>

namespace certprint::layout {

Raster Raster::blank(int width, int height, Resolution res) {
  Raster r;
  r.width = width;
  r.height = height;
  r.res = res;
  r.stride = (width + 7) / 8;
  r.bits.assign(static_cast<std::size_t>(r.stride) * height, 0);
  return r;
}

std::size_t Raster::ink_count() const {
  std::size_t n = 0;
  for (auto b : bits) n += std::popcount(b);
  return n;
}

std::string to_pbm(const Raster& r) {
  std::string out = "P4\n" + std::to_string(r.width) + " " + std::to_string(r.height) + "\n";
  out.append(reinterpret_cast<const char*>(r.bits.data()), r.bits.size());
  return out;
}

}  // namespace certprint::layout
