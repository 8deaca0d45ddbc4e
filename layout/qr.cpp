#include "layout/qr.hpp"

#include <qrencode.h>

#include <cmath>
#include <cstdio>
#include <memory>

namespace certprint::layout {

std::string QrMatrix::to_text() const {
  std::string s;
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) s += dark(x, y) ? 'X' : ' ';
    s += '\n';
  }
  return s;
}

Result<QrMatrix> encode_qr(std::string_view payload) {
  static constexpr std::string_view kAlphanumeric = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  for (char c : payload)
    if (kAlphanumeric.find(c) == std::string_view::npos)
      return Error{"QR payload has a character outside QR alphanumeric mode (byte " +
                   std::to_string(static_cast<unsigned char>(c)) + ")"};
  if (payload.empty()) return Error{"QR payload is empty"};

  std::unique_ptr<QRinput, decltype(&QRinput_free)> input(QRinput_new2(0, QR_ECLEVEL_Q),
                                                          &QRinput_free);
  if (!input) return Error{"libqrencode: QRinput_new2 failed"};
  if (QRinput_append(input.get(), QR_MODE_AN, static_cast<int>(payload.size()),
                     reinterpret_cast<const unsigned char*>(payload.data())) != 0)
    return Error{"libqrencode: payload refused in alphanumeric mode"};
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(QRcode_encodeInput(input.get()),
                                                       &QRcode_free);
  if (!code) return Error{"libqrencode: payload too long for a QR symbol at level Q"};

  QrMatrix m;
  m.version = code->version;
  m.size = code->width;
  m.modules.resize(static_cast<std::size_t>(m.size) * m.size);
  for (std::size_t i = 0; i < m.modules.size(); ++i) m.modules[i] = code->data[i] & 1;
  return m;
}

Result<QrPlacement> module_grid(const QrZone& zone, Resolution res) {
  if (res.x_dpi <= 0 || res.y_dpi <= 0)
    return Error{"resolution " + res.describe() + " is not positive"};
  // A module of n_y dots vertically is n_y·x_dpi/y_dpi dots horizontally; take
  // the smallest n_y for which that is whole and both meet the minimums.
  for (int ny = 1; ny <= 64; ++ny) {
    if ((static_cast<long>(ny) * res.x_dpi) % res.y_dpi != 0) continue;
    const int nx = static_cast<int>(static_cast<long>(ny) * res.x_dpi / res.y_dpi);
    const double module_mm = ny * kMmPerInch / res.y_dpi;
    if (nx < zone.min_dots_per_module || ny < zone.min_dots_per_module) continue;
    if (module_mm + 1e-9 < zone.module_min_mm) continue;
    QrPlacement p;
    p.dots_per_module_x = nx;
    p.dots_per_module_y = ny;
    p.module_mm = module_mm;
    p.quiet_modules = zone.quiet_zone_modules;
    return p;
  }
  return Error{"no square QR module of whole dots up to 64 dots fits " + res.describe()};
}

std::vector<Point> landed_corners(const QrPlacement& p, const Affine& correction, Resolution res) {
  const auto inv = correction.inverse();
  const double x0 = p.origin_x_dots / res.dots_per_mm_x();
  const double y0 = p.origin_y_dots / res.dots_per_mm_y();
  const double x1 = (p.origin_x_dots + p.width_dots()) / res.dots_per_mm_x();
  const double y1 = (p.origin_y_dots + p.height_dots()) / res.dots_per_mm_y();
  std::vector<Point> corners{{x0, y0}, {x1, y0}, {x0, y1}, {x1, y1}};
  if (inv)
    for (auto& c : corners) c = inv->apply(c);
  return corners;
}

Result<QrPlacement> place_qr(const QrZone& zone, int symbol_modules, const Affine& correction,
                             Resolution res) {
  auto grid = module_grid(zone, res);
  if (!grid) return grid.error();
  QrPlacement p = *grid;
  p.total_modules = symbol_modules + 2 * p.quiet_modules;
  const double size_mm = p.total_modules * p.module_mm;
  if (size_mm > zone.box.w_mm + 1e-9 || size_mm > zone.box.h_mm + 1e-9) {
    char buf[160];
    std::snprintf(
        buf, sizeof buf,
        "QR symbol with quiet zone is %.2f mm square at %s; the zone is only %.2f × %.2f mm",
        size_mm, res.describe().c_str(), zone.box.w_mm, zone.box.h_mm);
    return Error{buf};
  }
  if (!correction.inverse()) return Error{"page 5 calibration is singular"};

  const Point nominal{zone.box.x_mm + (zone.box.w_mm - size_mm) / 2,
                      zone.box.y_mm + (zone.box.h_mm - size_mm) / 2};
  const Point device = correction.apply(nominal);
  p.origin_x_dots = static_cast<int>(std::lround(device.x_mm * res.dots_per_mm_x()));
  p.origin_y_dots = static_cast<int>(std::lround(device.y_mm * res.dots_per_mm_y()));
  if (p.origin_x_dots < 0 || p.origin_y_dots < 0)
    return Error{"QR would start above or left of the printable page after calibration"};

  for (const Point& c : landed_corners(p, correction, res)) {
    if (!zone.box.contains(c)) {
      char buf[200];
      std::snprintf(buf, sizeof buf,
                    "QR would land outside page 5's QR zone (%s): a corner of the symbol lands at "
                    "(%.2f, %.2f) mm after calibration; refusing to print it",
                    zone.box.describe().c_str(), c.x_mm, c.y_mm);
      return Error{buf};
    }
  }
  return p;
}

}  // namespace certprint::layout
