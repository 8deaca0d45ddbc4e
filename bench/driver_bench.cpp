// The passbook driver against CUPS's own rastertoepson (Epson 24-pin PPD
// from Debian's sample.drv), on the same rasters: the sample's information
// page and page 5 (QR at its layout position), at 180x180 and 360x180 dpi.
// For each: bytes, head passes, the fewest passes any placement can manage
// (a greedy cover of the inked rows by 24-row passes), paper moves and the
// modelled print time, unidirectional and bidirectional; the driver before
// passes could start at any row (one pass per inked 24-row band on a fixed
// grid, unidirectional) from the same model; and the ratios.
//
//   build/bench/driver_bench   (--help)
//
// The time model is written out in escp_model.hpp.
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
#include "escp_model.hpp"

namespace fs = std::filesystem;
using namespace certprint;
using bench::Pass;
using bench::Reading;

namespace {

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

bool row_inked(const layout::Raster& r, int y) {
  for (int x = 0; x < r.width; ++x)
    if (r.ink(x, y)) return true;
  return false;
}

// The fewest 24-row passes that cover every inked row: each pass starts at
// the topmost inked row not yet covered.
int fewest_passes(const layout::Raster& r) {
  int passes = 0;
  for (int y = 0; y < r.height; ++y)
    if (row_inked(r, y)) ++passes, y += 23;
  return passes;
}

// The driver before this change: one unidirectional pass per 24-row band of
// a fixed grid from the page's top that holds ink, printing from its first
// inked column to its last; the paper moved to each such band.
Reading fixed_grid(const layout::Raster& r) {
  Reading g;
  g.bidirectional = false;
  int head = 0;
  for (int top = 0; top < r.height; top += 24) {
    int x0 = r.width, x1 = -1;
    for (int y = top; y < std::min(r.height, top + 24); ++y)
      for (int x = 0; x < r.width; ++x)
        if (r.ink(x, y)) x0 = std::min(x0, x), x1 = std::max(x1, x);
    if (x1 < 0) continue;
    if (top > head) ++g.moves, g.feed_inch += (top - head) / 180.0, head = top;
    g.passes.push_back({double(x0) / r.res.x_dpi, double(x1 + 1) / r.res.x_dpi, r.res.x_dpi});
  }
  return g;
}

struct Row {
  std::string driver;
  Reading reading;
  bool measured = true;  // from printer bytes (false: modelled from the raster)
};

void print_row(const std::string& page, const Row& row, int minimum) {
  const Reading& r = row.reading;
  char bytes[32] = "-";
  if (row.measured) std::snprintf(bytes, sizeof bytes, "%zu", r.bytes);
  std::printf("%-13s %-36s %7s %6zu %7d %5d %7.2f\n", page.c_str(), row.driver.c_str(), bytes,
              r.passes.size(), minimum, r.moves, bench::model_seconds(r));
}

void print_ratios(const char* what, const Reading& a, const Reading& b) {
  std::printf("       %-36s bytes %.2f, passes %.2f, moves %.2f, model time %.2f\n", what,
              double(a.bytes) / double(b.bytes), double(a.passes.size()) / double(b.passes.size()),
              double(a.moves) / std::max(1, b.moves),
              bench::model_seconds(a) / bench::model_seconds(b));
}

struct Filters {
  fs::path dir, epson_ppd;
};

// Every row of one page at one resolution; returns the info page's target
// ratio (bidirectional / the fixed grid's unidirectional) or 0 for page 5.
double bench_page(const Filters& f, const booklet::RenderedPage& page) {
  const layout::Raster& raster = *page.raster;
  const bool info = page.kind == issuance::PageKind::info;
  const std::string name = std::string(info ? "info" : "page5") + " " +
                           std::to_string(raster.res.x_dpi) + "x" +
                           std::to_string(raster.res.y_dpi);
  const fs::path ras = f.dir / "page.ras";
  std::ofstream(ras, std::ios::binary) << raster_stream(raster);
  auto ours = [&](const char* options) {
    return bench::analyse(run("'" + std::string(RASTERTOPASSBOOK_BINARY) + "' 1 bench bench 1 '" +
                              options + "' '" + ras.string() + "' 2>/dev/null"));
  };
  const Row uni{"rastertopassbook unidirectional", ours("Direction=Unidirectional")};
  // certprintd prints page 5 unidirectional; its bidirectional row is for comparison.
  const Row bi{info ? "rastertopassbook bidirectional" : "rastertopassbook bidi (not used)",
               ours("Direction=Bidirectional BidiOffset=0")};
  const Row before{"before: fixed 24-row grid, uni", fixed_grid(raster), false};
  const Row epson{"rastertoepson",
                  bench::analyse(run("PPD='" + f.epson_ppd.string() +
                                     "' /usr/lib/cups/filter/rastertoepson 1 bench bench 1 '' '" +
                                     ras.string() + "' 2>/dev/null"))};
  const int minimum = fewest_passes(raster);
  std::printf("\n");
  for (const Row* row : {&uni, &bi, &before, &epson}) print_row(name, *row, minimum);
  std::printf("       ratios to rastertoepson:\n");
  print_ratios("unidirectional", uni.reading, epson.reading);
  print_ratios("bidirectional", bi.reading, epson.reading);
  std::printf(
      "       model time against the fixed grid's: unidirectional %.2f, bidirectional %.2f\n",
      bench::model_seconds(uni.reading) / bench::model_seconds(before.reading),
      bench::model_seconds(bi.reading) / bench::model_seconds(before.reading));
  const bool at_minimum = uni.reading.passes.size() == static_cast<std::size_t>(minimum) &&
                          bi.reading.passes.size() == static_cast<std::size_t>(minimum);
  std::printf("       passes at the minimum: %s\n", at_minimum ? "yes" : "NO");
  return info ? bench::model_seconds(bi.reading) / bench::model_seconds(before.reading) : 0;
}

Result<std::vector<booklet::RenderedPage>> sample_pages(layout::Resolution res) {
  const fs::path src = CERTPRINT_SOURCE_DATA_DIR;
  auto rec = issuance::load_issuance_file(src / "samples" / "marriage.json",
                                          {issuance::Date{2026, 11, 28}});
  if (!rec) return rec.error();
  auto tmpl_file = booklet::load_template_for(src / "templates", rec->kind);
  if (!tmpl_file) return tmpl_file.error();
  auto renderer = booklet::BookletRenderer::create(std::move(*tmpl_file));
  if (!renderer) return renderer.error();
  const auto keys = token::KeyRing::from_keys({token::Key{1, {}}});
  auto tok = booklet::issue_booklet_token(keys, *rec, issuance::Holder::male, system_random());
  if (!tok) return tok.error();
  booklet::RenderOptions options;
  options.device = {res};
  options.pdf = false;
  return (*renderer)->render_booklet(*rec, issuance::Holder::male, *tok, options);
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Usage usage{
      "driver_bench",
      "Feeds the same information-page and page-5 rasters (180x180 and 360x180 dpi) to\n"
      "rastertopassbook, unidirectional and bidirectional, and to CUPS's own rastertoepson\n"
      "(Epson 24-pin PPD from Debian's sample.drv); prints bytes, head passes, the fewest\n"
      "passes possible, paper moves and a modelled print time for each, the driver before\n"
      "passes could start at any row (modelled from the raster), and the ratios. The time\n"
      "model is stated in the output.",
      "build/bench/driver_bench"};
  bench::parse_options(argc, argv, usage, bench::po::options_description("driver_bench options"));
  if (!fs::exists("/usr/lib/cups/filter/rastertoepson")) {
    std::fprintf(stderr, "driver_bench: /usr/lib/cups/filter/rastertoepson is missing (cups)\n");
    return 1;
  }
  char tmpl[] = "/tmp/certprint-driver-bench-XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  const Filters filters{tmpl, fs::path(tmpl) / "epson24.ppd"};
  if (std::system(
          ("ppdc -d '" + filters.dir.string() + "' /usr/share/cups/drv/sample.drv >/dev/null 2>&1")
              .c_str()) != 0 ||
      !fs::exists(filters.epson_ppd)) {
    std::fprintf(stderr, "driver_bench: cannot build epson24.ppd from sample.drv (cups-ppdc)\n");
    return 1;
  }
  std::printf(
      "driver_bench: the sample's pages through rastertopassbook and rastertoepson\n"
      "model: carriage %.0f in/s printing 180-dpi graphics (half at 360 dpi), %.0f in/s\n"
      "travelling, %.2f s per sweep; unidirectional passes return to the left margin;\n"
      "bidirectional passes alternate and do not; paper %.2f s per move + %.0f in/s\n\n",
      bench::kPrintSpeed, bench::kSlewSpeed, bench::kTurnaround, bench::kFeedStart,
      bench::kFeedSpeed);
  std::printf("%-13s %-36s %7s %6s %7s %5s %7s\n", "page", "driver", "bytes", "passes", "minimum",
              "moves", "model s");
  std::vector<double> targets;
  for (const layout::Resolution res :
       {layout::Resolution{180, 180}, layout::Resolution{360, 180}}) {
    auto pages = sample_pages(res);
    if (!pages) {
      std::fprintf(stderr, "driver_bench: %s\n", pages.error().message.c_str());
      return 1;
    }
    for (const auto& page : *pages)
      if (double t = bench_page(filters, page); t > 0) targets.push_back(t);
  }
  std::printf(
      "\ntarget: information page, bidirectional, at most 0.60 of the fixed grid's "
      "unidirectional time:");
  for (double t : targets) std::printf(" %.2f", t);
  std::printf(" (180x180, 360x180)\n");
  fs::remove_all(filters.dir);
  return 0;
}
