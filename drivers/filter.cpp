#include "drivers/filter.hpp"

#include <cups/cups.h>
#include <cups/raster.h>

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include "drivers/raster_guard.hpp"

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
  } else if (key == "BidiOffset") {
    const std::string text(value);
    char* end = nullptr;
    const long n = std::strtol(text.c_str(), &end, 10);
    if (!text.empty() && *end == '\0' && n >= -kMaxBidiOffset && n <= kMaxBidiOffset)
      o.bidi_offset = static_cast<int>(n);
    else
      std::fprintf(log, "INFO: BidiOffset=%.*s is not a whole number from %d to %d; kept %d\n",
                   int(value.size()), value.data(), -kMaxBidiOffset, kMaxBidiOffset, o.bidi_offset);
  }
}

constexpr const char* kOptionKeys[] = {"Emulation", "Direction", "BidiOffset"};

}  // namespace

FilterOptions filter_options(std::string_view job_options, const std::string& ppd_path, FILE* log) {
  FilterOptions o;
  if (!ppd_path.empty()) {
    // "*DefaultEmulation: PR2" lines: enough of the PPD for its options.
    std::ifstream ppd(ppd_path);
    std::string line;
    while (std::getline(ppd, line)) {
      for (const char* key : kOptionKeys) {
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
  for (const char* key : kOptionKeys)
    if (const char* v = cupsGetOption(key, n, opts)) apply(o, key, v, log);
  cupsFreeOptions(n, opts);
  return o;
}

namespace {

// Reads the stream for libcups through the guard, which judges every page
// header before libcups has it (see raster_guard.hpp).
struct GuardedInput {
  int fd;
  RasterGuard guard;
};

ssize_t guarded_read(void* ctx, unsigned char* buf, size_t len) {
  auto* g = static_cast<GuardedInput*>(ctx);
  if (g->guard.refused()) return 0;
  const ssize_t n = read(g->fd, buf, len);
  if (n <= 0) return n;
  return static_cast<ssize_t>(g->guard.pass(buf, static_cast<std::size_t>(n)));
}

// What one page header says, in the terms the checks and the encoder use.
struct PageFormat {
  EncoderOptions encoder;
  int width = 0, height = 0;
  bool one_bit = false;
  bool grey = false;     // 8 bits a pixel
  unsigned space = 0;    // cupsColorSpace, as the number it arrived as
  bool k_space = false;  // high values are ink
  bool w_space = false;  // high values are white paper
};

PageFormat page_format(const cups_page_header2_t& h, const FilterOptions& options) {
  PageFormat f;
  const int x_dpi = static_cast<int>(h.HWResolution[0]),
            y_dpi = static_cast<int>(h.HWResolution[1]);
  f.one_bit = h.cupsBitsPerPixel == 1 && h.cupsBitsPerColor == 1;
  f.grey = h.cupsBitsPerPixel == 8 && h.cupsBitsPerColor == 8;
  // The colour space arrives as any 32-bit value; read it as a number,
  // not as the enum it should be.
  std::memcpy(&f.space, &h.cupsColorSpace, sizeof f.space);
  f.k_space = f.space == CUPS_CSPACE_K;
  f.w_space = f.space == CUPS_CSPACE_W || f.space == CUPS_CSPACE_SW;
  f.encoder = EncoderOptions{
      x_dpi, y_dpi, options.unidirectional, options.emulation, 4, options.bidi_offset};
  f.width = static_cast<int>(h.cupsWidth), f.height = static_cast<int>(h.cupsHeight);
  return f;
}

// What is wrong with a page for this printer, or "" when it can be printed.
// It refuses anything but 1 or 8 bits a pixel in chunked order, as the
// guard needs.
std::string page_problem(const cups_page_header2_t& h, const FilterOptions& options) {
  const PageFormat f = page_format(h, options);
  const std::uint64_t expected_bpl = f.one_bit ? (std::uint64_t{h.cupsWidth} + 7) / 8 : h.cupsWidth;
  unsigned order = 0;
  std::memcpy(&order, &h.cupsColorOrder, sizeof order);
  if ((f.one_bit || f.grey) && (f.k_space || f.w_space) && order == CUPS_ORDER_CHUNKED &&
      h.cupsBytesPerLine == expected_bpl && h.cupsWidth <= 0x7FFFFFFF &&
      PageEncoder::valid(f.encoder, f.width) && f.height > 0 && f.height <= options.max_rows &&
      h.cupsHeight <= 0x7FFFFFFF)
    return "";
  char text[320];
  std::snprintf(text, sizeof text,
                "%ux%u at %ux%u dpi, %u bits per pixel, %u bytes per line, colour space %u, "
                "colour order %u; expected 1- or 8-bit grey in chunked order at 180x180 or "
                "360x180 dpi, at most %d rows, with the bytes per line the width needs",
                h.cupsWidth, h.cupsHeight, h.HWResolution[0], h.HWResolution[1], h.cupsBitsPerPixel,
                h.cupsBytesPerLine, f.space, order, options.max_rows);
  return text;
}

// False after an ERROR: line saying what the page is instead.
bool check_format(const cups_page_header2_t& h, const FilterOptions& options, int page, FILE* log) {
  const std::string problem = page_problem(h, options);
  if (problem.empty()) return true;
  std::fprintf(log, "ERROR: page %d: unsupported raster (%s)\n", page, problem.c_str());
  return false;
}

// One CUPS raster line as an encoder row, 1 = ink whichever way the
// colour space counts.
void ink_row(const std::vector<unsigned char>& line, const PageFormat& f,
             std::vector<std::uint8_t>& row) {
  std::fill(row.begin(), row.end(), 0);
  for (int x = 0; x < f.width; ++x) {
    bool ink;
    if (f.one_bit) {
      const bool bit = line[static_cast<std::size_t>(x >> 3)] & (0x80 >> (x & 7));
      ink = f.k_space ? bit : !bit;
    } else {
      ink = f.k_space ? line[static_cast<std::size_t>(x)] >= 128
                      : line[static_cast<std::size_t>(x)] < 128;
    }
    if (ink) row[static_cast<std::size_t>(x >> 3)] |= static_cast<std::uint8_t>(0x80 >> (x & 7));
  }
}

// Feeds the page's rows to `enc`; returns how many were read, fewer when
// the raster ends early or the job is cancelled.
int encode_rows(cups_raster_t* ras, const cups_page_header2_t& h, const PageFormat& f,
                PageEncoder& enc, const std::atomic<bool>& cancelled) {
  std::vector<unsigned char> line(h.cupsBytesPerLine);
  std::vector<std::uint8_t> row(static_cast<std::size_t>((f.width + 7) / 8));
  int y = 0;
  for (; y < f.height && !cancelled; ++y) {
    if (cupsRasterReadPixels(ras, line.data(), h.cupsBytesPerLine) != h.cupsBytesPerLine) break;
    ink_row(line, f, row);
    enc.add_row(row.data());
  }
  return y;
}

// Prints one checked page to `out`; false after an ERROR: line.
bool print_page(cups_raster_t* ras, const cups_page_header2_t& h, const PageFormat& f, int page,
                FILE* out, const std::atomic<bool>& cancelled, FILE* log) {
  std::fprintf(log, "INFO: printing page %d\n", page);
  PageEncoder enc(f.encoder, f.width);
  const int y = encode_rows(ras, h, f, enc, cancelled);
  // Whatever happened, the booklet comes out of the printer.
  const std::string bytes = enc.finish();
  std::fwrite(bytes.data(), 1, bytes.size(), out);
  std::fflush(out);
  if (y < f.height && !cancelled) {
    std::fprintf(log, "ERROR: page %d: the raster ends after %d of %d rows\n", page, y, f.height);
    return false;
  }
  std::fprintf(log, "PAGE: %d 1\n", page);
  const auto& s = enc.stats();
  std::fprintf(log,
               "INFO: page %d: %d passes (%d right to left, offset %d/360 in), %d paper moves, "
               "%zu bytes\n",
               page, s.passes, s.reverse_passes, f.encoder.bidi_offset, s.paper_moves, s.bytes);
  if (s.clipped_columns > 0)
    std::fprintf(log,
                 "INFO: page %d: %d columns of right-to-left passes fell left of the paper's edge "
                 "at offset %d and were not printed\n",
                 page, s.clipped_columns, f.encoder.bidi_offset);
  return true;
}

}  // namespace

int run_filter(int fd, FILE* out, const FilterOptions& options, const std::atomic<bool>& cancelled,
               FILE* log) {
  GuardedInput input{fd, RasterGuard([&](const cups_page_header2_t& h) {
                       const std::string problem = page_problem(h, options);
                       return problem.empty() ? problem
                                              : "header refused before its rows are read: "
                                                "unsupported raster (" +
                                                    problem + ")";
                     })};
  cups_raster_t* ras = cupsRasterOpenIO(guarded_read, &input, CUPS_RASTER_READ);
  if (!ras) {
    std::fprintf(log, "ERROR: the input is not CUPS raster (v1, v2 or v3)\n");
    return 1;
  }
  cups_page_header2_t h;
  int page = 0, status = 0;
  while (!cancelled && cupsRasterReadHeader2(ras, &h)) {
    ++page;
    const PageFormat f = page_format(h, options);
    if (!check_format(h, options, page, log) || !print_page(ras, h, f, page, out, cancelled, log)) {
      status = 1;
      break;
    }
  }
  cupsRasterClose(ras);
  if (status == 0 && !cancelled && input.guard.refused()) {
    std::fprintf(log, "ERROR: %s\n", input.guard.problem().c_str());
    status = 1;
  } else if (page == 0 && status == 0 && !cancelled) {
    std::fprintf(log, "ERROR: the raster holds no page\n");
    status = 1;
  }
  return status;
}

}  // namespace certprint::escp
