// The passbook driver against CUPS's own rastertoepson (Epson 24-pin PPD
// from Debian's sample.drv), on the same 180x180 rasters: the sample's
// page 5 (QR at its layout position) and its info page. For each: bytes,
// head passes, paper-move commands and a modelled print time, with the
// physical minimum of one pass per 24-row band that holds ink.
//
//   build/bench/driver_bench   (--help)
//
// The time model (an assumption, the same for both): each head pass costs
// 0.25 s (carriage start, travel, return at about 10 in/s over a 94 mm
// page), each paper-move command 0.03 s plus its distance at 4 in/s.
#include <cups/raster.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "bench_options.hpp"
#include "daemon/booklet/renderer.hpp"
#include "daemon/booklet/tokens.hpp"

namespace fs = std::filesystem;
using namespace certprint;

namespace {

struct Cost {
  std::size_t bytes = 0;
  int passes = 0;
  int moves = 0;
  double feed_inch = 0;
  double seconds() const { return passes * 0.25 + moves * 0.03 + feed_inch / 4.0; }
};

// Reads the ESC/P and ESC/P2 commands either driver sends; unknown bytes
// are counted as data. A pass is a run of graphics ended by a line end.
Cost analyse(const std::string& d) {
  Cost c;
  c.bytes = d.size();
  double spacing = 1.0 / 6, unit = 1.0 / 60;
  bool graphics = false;
  auto end_line = [&] {
    if (graphics) ++c.passes;
    graphics = false;
  };
  auto u = [&](std::size_t i) { return i < d.size() ? static_cast<unsigned char>(d[i]) : 0u; };
  for (std::size_t i = 0; i < d.size();) {
    const unsigned ch = u(i);
    if (ch == 0x0A) {
      end_line();
      ++c.moves;
      c.feed_inch += spacing;
      ++i;
    } else if (ch == 0x0D || ch == 0x0C) {
      end_line();
      ++i;
    } else if (ch == 0x1B) {
      const unsigned cmd = u(i + 1);
      switch (cmd) {
        case '@':
          unit = 1.0 / 60;
          spacing = 1.0 / 6;
          i += 2;
          break;
        case '2':
          spacing = 1.0 / 6;
          i += 2;
          break;
        case '0':
          spacing = 1.0 / 8;
          i += 2;
          break;
        case '3':
          spacing = u(i + 2) / 180.0;
          i += 3;
          break;
        case 'A':
          spacing = u(i + 2) / 60.0;
          i += 3;
          break;
        case 'J':
          end_line();
          ++c.moves;
          c.feed_inch += u(i + 2) / 180.0;
          i += 3;
          break;
        case 'C':
          i += u(i + 2) == 0 ? 4 : 3;
          break;
        case '$':
        case '\\':
          i += 4;
          break;
        case '*': {
          const unsigned mode = u(i + 2), n = u(i + 3) | u(i + 4) << 8;
          const unsigned per = mode >= 71 ? 6 : mode >= 32 ? 3 : 1;
          graphics = true;
          i += 5 + per * n;
          break;
        }
        case 'K':
        case 'L':
        case 'Y':
        case 'Z': {
          graphics = true;
          i += 4 + (u(i + 2) | u(i + 3) << 8);
          break;
        }
        case '(': {
          const unsigned sub = u(i + 2), len = u(i + 3) | u(i + 4) << 8;
          if (sub == 'U') unit = u(i + 5) / 3600.0;
          if (sub == 'V' || sub == 'v') {
            end_line();
            ++c.moves;
            const double v = (u(i + 5) | u(i + 6) << 8) * unit;
            c.feed_inch += sub == 'V' ? v - c.feed_inch : v;  // absolute: from where the paper is
          }
          i += 5 + len;
          break;
        }
        case 'x':
        case 'U':
        case 'l':
        case 'Q':
        case 'N':
        case 'r':
        case 't':
        case 'k':
        case 'M' + 0x100:
          i += 3;
          break;
        default:
          i += 2;
          break;  // ESC P, ESC M, ESC O, ESC g ...: no argument
      }
    } else {
      ++i;  // DC2 and other single bytes
    }
  }
  (void)unit;
  return c;
}

std::string raster_stream(const layout::Raster& r) {
  std::string out;
  cups_raster_t* w = cupsRasterOpenIO(
      [](void* ctx, unsigned char* b, size_t n) -> ssize_t {
        static_cast<std::string*>(ctx)->append(reinterpret_cast<char*>(b), n);
        return static_cast<ssize_t>(n);
      },
      &out, CUPS_RASTER_WRITE);
  cups_page_header2_t h;
  std::memset(&h, 0, sizeof h);
  h.HWResolution[0] = static_cast<unsigned>(r.res.x_dpi);
  h.HWResolution[1] = static_cast<unsigned>(r.res.y_dpi);
  h.PageSize[0] = 266;
  h.PageSize[1] = 363;
  h.NumCopies = 1;
  h.cupsWidth = static_cast<unsigned>(r.width);
  h.cupsHeight = static_cast<unsigned>(r.height);
  h.cupsBitsPerColor = h.cupsBitsPerPixel = 1;
  h.cupsBytesPerLine = static_cast<unsigned>(r.stride);
  h.cupsColorSpace = CUPS_CSPACE_K;
  h.cupsNumColors = 1;
  h.cupsRowCount = 24;  // what the Epson PPD's 180 dpi choice sets
  cupsRasterWriteHeader2(w, &h);
  for (int y = 0; y < r.height; ++y)
    cupsRasterWritePixels(
        w, const_cast<unsigned char*>(&r.bits[static_cast<std::size_t>(y) * r.stride]),
        static_cast<unsigned>(r.stride));
  cupsRasterClose(w);
  return out;
}

std::string run(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {};
  std::string out;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

int inked_bands(const layout::Raster& r) {
  int n = 0;
  for (int top = 0; top < r.height; top += 24) {
    bool ink = false;
    for (int y = top; y < std::min(r.height, top + 24) && !ink; ++y)
      for (int x = 0; x < r.width && !ink; ++x) ink = r.ink(x, y);
    n += ink;
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Usage usage{
      "driver_bench",
      "Feeds the same 180x180 info-page and page-5 rasters to rastertopassbook and to\n"
      "CUPS's own rastertoepson (Epson 24-pin PPD from Debian's sample.drv); prints\n"
      "bytes, head passes, paper moves and a modelled print time for each, the\n"
      "physical minimum of passes, and the ratios ours/rastertoepson.",
      "build/bench/driver_bench"};
  bench::parse_options(argc, argv, usage, bench::po::options_description("driver_bench options"));
  const fs::path src = CERTPRINT_SOURCE_DATA_DIR;
  const char* epson_filter = "/usr/lib/cups/filter/rastertoepson";
  if (!fs::exists(epson_filter)) {
    std::fprintf(stderr, "driver_bench: %s is missing (Debian package cups)\n", epson_filter);
    return 1;
  }
  char tmpl[] = "/tmp/certprint-driver-bench-XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  const fs::path dir = tmpl;
  if (std::system(("ppdc -d '" + dir.string() + "' /usr/share/cups/drv/sample.drv >/dev/null 2>&1")
                      .c_str()) != 0 ||
      !fs::exists(dir / "epson24.ppd")) {
    std::fprintf(stderr, "driver_bench: cannot build epson24.ppd from sample.drv (cups-ppdc)\n");
    return 1;
  }
  auto rec = issuance::load_issuance_file(src / "samples" / "marriage.json",
                                          {issuance::Date{2026, 11, 28}});
  auto tmpl_file = booklet::load_template_for(src / "templates", rec->kind);
  auto renderer = booklet::BookletRenderer::create(std::move(*tmpl_file));
  if (!rec || !renderer) return 1;
  const auto keys = token::KeyRing::from_keys({token::Key{1, {}}});
  auto tok = booklet::issue_booklet_token(keys, *rec, issuance::Holder::male, system_random());
  booklet::RenderOptions options;
  options.device = {{180, 180}};
  options.pdf = false;
  auto pages = (*renderer)->render_booklet(*rec, issuance::Holder::male, *tok, options);
  if (!pages) return 1;

  std::printf("driver_bench: the same 180x180 rasters through both filters\n");
  std::printf("%-10s %-16s %8s %7s %7s %9s\n", "page", "filter", "bytes", "passes", "moves",
              "model s");
  for (const auto& page : *pages) {
    const std::string name = page.kind == issuance::PageKind::info ? "info" : "page5";
    const fs::path ras = dir / (name + ".ras");
    std::ofstream(ras, std::ios::binary) << raster_stream(*page.raster);
    const Cost ours = analyse(run("'" + std::string(RASTERTOPASSBOOK_BINARY) +
                                  "' 1 bench bench 1 '' '" + ras.string() + "' 2>/dev/null"));
    const Cost epson = analyse(run("PPD='" + (dir / "epson24.ppd").string() + "' " + epson_filter +
                                   " 1 bench bench 1 '' '" + ras.string() + "' 2>/dev/null"));
    std::printf("%-10s %-16s %8zu %7d %7d %9.2f\n", name.c_str(), "rastertopassbook", ours.bytes,
                ours.passes, ours.moves, ours.seconds());
    std::printf("%-10s %-16s %8zu %7d %7d %9.2f\n", "", "rastertoepson", epson.bytes, epson.passes,
                epson.moves, epson.seconds());
    std::printf("%-10s physical minimum: %d passes (bands holding ink)\n", "",
                inked_bands(*page.raster));
    std::printf(
        "%-10s ratios ours/rastertoepson: bytes %.2f, passes %.2f, moves %.2f, model time %.2f\n",
        "", double(ours.bytes) / epson.bytes, double(ours.passes) / epson.passes,
        double(ours.moves) / epson.moves, ours.seconds() / epson.seconds());
  }
  fs::remove_all(dir);
  return 0;
}
