// Decodes the QR symbols a rendered raster holds with zxing-cpp, the way a
// scanner would see the paper: modules square, ink black on white.
#pragma once

#define ZX_USE_UTF8 1
#include <ZXing/ReadBarcode.h>

#include <optional>
#include <string>
#include <vector>

#include "layout/raster.hpp"

namespace certprint::testing {

// Resamples a non-square raster so that one output pixel is square on paper
// (the smaller resolution on both axes), then decodes. nullopt: nothing found.
inline std::optional<std::string> decode_qr(const layout::Raster& r) {
  const int base = std::min(r.res.x_dpi, r.res.y_dpi);
  const int fx = r.res.x_dpi / base, fy = r.res.y_dpi / base;
  const int w = r.width / fx, h = r.height / fy;
  std::vector<std::uint8_t> lum(static_cast<std::size_t>(w) * h, 255);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      if (r.ink(x * fx, y * fy)) lum[static_cast<std::size_t>(y) * w + x] = 0;
  ZXing::DecodeHints hints;
  hints.setFormats(ZXing::BarcodeFormat::QRCode);
  hints.setTryHarder(true);
  auto result = ZXing::ReadBarcode({lum.data(), w, h, ZXing::ImageFormat::Lum}, hints);
  if (!result.isValid()) return std::nullopt;
  return result.text();
}

}  // namespace certprint::testing
