#include "drivers/filter.hpp"

#include <cups/cups.h>
#include <cups/raster.h>

#include <unistd.h>

#include <unistd.h>

#include <cstring>
#include <fstream>
#include <vector>

namespace certprint::escp {
namespace {

void apply(FilterOptions& o, std::string_view key, std::string_view value, FILE* log) {
  if (key == "Emulation") {
    if (value == "ESCP2")
      o.emulation = Emulation::escp2;
    else if (value == "PR2")
      o.emulation = Emulation::pr2;
    else
      std::fprintf(log, "INFO: Emulation=%.*s is not ESCP2 or PR2; kept the default\n",
                   int(value.size()), value.data());
  } else if (key == "Direction") {
    if (value == "Unidirectional")
      o.unidirectional = true;
    else if (value == "Bidirectional")
      o.unidirectional = false;
    else
      std::fprintf(
          log, "INFO: Direction=%.*s is not Unidirectional or Bidirectional; kept the default\n",
          int(value.size()), value.data());
  }
}

}  // namespace

FilterOptions filter_options(std::string_view job_options, const std::string& ppd_path, FILE* log) {
  FilterOptions o;
  if (!ppd_path.empty()) {
    // "*DefaultEmulation: PR2" lines: enough of the PPD for two options.
    std::ifstream ppd(ppd_path);
    std::string line;
    while (std::getline(ppd, line)) {
      for (const char* key : {"Emulation", "Direction"}) {
        const std::string prefix = std::string("*Default") + key + ":";
        if (line.rfind(prefix, 0) == 0) {
          std::string v = line.substr(prefix.size());
          v.erase(0, v.find_first_not_of(" \t"));
          v.erase(v.find_last_not_of(" \t\r") + 1);
          apply(o, key, v, log);
        }
      }
    }
  }
  cups_option_t* opts = nullptr;
  const std::string text(job_options);
  const int n = cupsParseOptions(text.c_str(), 0, &opts);
  for (const char* key : {"Emulation", "Direction"})
    if (const char* v = cupsGetOption(key, n, opts)) apply(o, key, v, log);
  cupsFreeOptions(n, opts);
  return o;
}

namespace {

// Reads the stream for libcups and looks at the first page header on the
// way: libcups sizes its line buffer from cupsBytesPerLine before anyone can
// judge it, so a hostile header would make it allocate gigabytes.
struct GuardedInput {
  int fd;
  std::size_t seen = 0;
  unsigned char head[4 + 1796] = {};
  bool checked = false;
};

ssize_t guarded_read(void* ctx, unsigned char* buf, size_t len) {
  auto* g = static_cast<GuardedInput*>(ctx);
  const ssize_t n = read(g->fd, buf, len);
  if (n <= 0 || g->checked) return n;
  for (ssize_t i = 0; i < n && g->seen < sizeof g->head; ++i) g->head[g->seen++] = buf[i];
  if (g->seen < sizeof g->head) return n;
  g->checked = true;
  // The sync word is a 32-bit "RaS?" in the writer's byte order: bytes
  // "?SaR" come from a little-endian writer, "RaS?" from a big-endian one.
  const bool little_endian = g->head[3] == 'R';
  const unsigned char* b = g->head + 4 + 392;  // cupsBytesPerLine
  const std::uint32_t bpl = little_endian
                                ? (std::uint32_t(b[3]) << 24 | b[2] << 16 | b[1] << 8 | b[0])
                                : (std::uint32_t(b[0]) << 24 | b[1] << 16 | b[2] << 8 | b[3]);
  return bpl > 64 * 1024 ? -1 : n;
}

}  // namespace

int run_filter(int fd, FILE* out, const FilterOptions& options, const std::atomic<bool>& cancelled,
               FILE* log) {
  GuardedInput input{fd};
  cups_raster_t* ras = cupsRasterOpenIO(guarded_read, &input, CUPS_RASTER_READ);
  if (!ras) {
    std::fprintf(log, "ERROR: the input is not CUPS raster\n");
    return 1;
  }
  cups_page_header2_t h;
  int page = 0, status = 0;
  while (!cancelled && cupsRasterReadHeader2(ras, &h)) {
    ++page;
    const int x_dpi = static_cast<int>(h.HWResolution[0]),
              y_dpi = static_cast<int>(h.HWResolution[1]);
    const bool one_bit = h.cupsBitsPerPixel == 1 && h.cupsBitsPerColor == 1;
    const bool grey = h.cupsBitsPerPixel == 8 && h.cupsBitsPerColor == 8;
    // The colour space arrives as any 32-bit value; read it as a number,
    // not as the enum it should be.
    unsigned space = 0;
    std::memcpy(&space, &h.cupsColorSpace, sizeof space);
    const bool k_space = space == CUPS_CSPACE_K;
    const bool w_space = space == CUPS_CSPACE_W || space == CUPS_CSPACE_SW;
    EncoderOptions eo{x_dpi, y_dpi, options.unidirectional, options.emulation, 4};
    const int width = static_cast<int>(h.cupsWidth), height = static_cast<int>(h.cupsHeight);
    const unsigned expected_bpl = one_bit ? (h.cupsWidth + 7) / 8 : h.cupsWidth;
    if (!(one_bit || grey) || !(k_space || w_space) || h.cupsBytesPerLine != expected_bpl ||
        !PageEncoder::valid(eo, width) || height <= 0 || height > options.max_rows) {
      std::fprintf(log,
                   "ERROR: page %d: unsupported raster (%ux%u at %dx%d dpi, %u bits per pixel, "
                   "colour space %d); "
                   "expected 1- or 8-bit grey at 180x180 or 360x180 dpi\n",
                   page, h.cupsWidth, h.cupsHeight, x_dpi, y_dpi, h.cupsBitsPerPixel, int(space));
      status = 1;
      break;
    }
    std::fprintf(log, "INFO: printing page %d\n", page);
    PageEncoder enc(eo, width);
    std::vector<unsigned char> line(h.cupsBytesPerLine);
    std::vector<std::uint8_t> row(static_cast<std::size_t>((width + 7) / 8));
    int y = 0;
    for (; y < height && !cancelled; ++y) {
      if (cupsRasterReadPixels(ras, line.data(), h.cupsBytesPerLine) != h.cupsBytesPerLine) break;
      std::fill(row.begin(), row.end(), 0);
      for (int x = 0; x < width; ++x) {
        bool ink;
        if (one_bit) {
          const bool bit = line[static_cast<std::size_t>(x >> 3)] & (0x80 >> (x & 7));
          ink = k_space ? bit : !bit;
        } else {
          ink = k_space ? line[static_cast<std::size_t>(x)] >= 128
                        : line[static_cast<std::size_t>(x)] < 128;
        }
        if (ink)
          row[static_cast<std::size_t>(x >> 3)] |= static_cast<std::uint8_t>(0x80 >> (x & 7));
      }
      enc.add_row(row.data());
    }
    // Whatever happened, the booklet comes out of the printer.
    const std::string bytes = enc.finish();
    std::fwrite(bytes.data(), 1, bytes.size(), out);
    std::fflush(out);
    if (y < height && !cancelled) {
      std::fprintf(log, "ERROR: page %d: the raster ends after %d of %d rows\n", page, y, height);
      status = 1;
      break;
    }
    std::fprintf(log, "PAGE: %d 1\n", page);
    const auto& s = enc.stats();
    std::fprintf(log, "INFO: page %d: %d passes, %d paper moves, %zu bytes\n", page, s.passes,
                 s.paper_moves, s.bytes);
  }
  cupsRasterClose(ras);
  if (page == 0 && status == 0 && !cancelled) {
    std::fprintf(log, "ERROR: the raster holds no page\n");
    status = 1;
  }
  return status;
}

}  // namespace certprint::escp
