// The CUPS raster filter's work, apart from its main: read CUPS raster
// pages, encode each with the ESC/P2 encoder, write printer bytes, and
// report in the CUPS stderr protocol (INFO:, PAGE:, ERROR:).
#pragma once

#include <atomic>
#include <cstdio>
#include <string>
#include <string_view>

#include "drivers/escp.hpp"

namespace certprint::escp {

struct FilterOptions {
  Emulation emulation = Emulation::escp2;
  bool unidirectional = true;
  int bidi_offset = 0;   // 1/360 inch, reverse passes (see EncoderOptions)
  int max_rows = 20000;  // a longer page is refused as hostile
};

// Options from the job's option string (argv[5]) over the PPD's defaults
// (the file in $PPD): Emulation=ESCP2|PR2, Direction=Unidirectional|Bidirectional,
// BidiOffset=-36..36 (1/360 inch; certprintd sends the printer's calibrated
// value). Unknown values are ignored with an INFO line on `log`.
FilterOptions filter_options(std::string_view job_options, const std::string& ppd_path, FILE* log);

// Reads raster from `fd` until its end, writes ESC/P2 to `out`. Returns 0
// when every page was printed, 1 after an ERROR: line. When `cancelled`
// becomes true the page under way is ejected and the filter stops (0).
int run_filter(int fd, FILE* out, const FilterOptions& options, const std::atomic<bool>& cancelled,
               FILE* log);

}  // namespace certprint::escp
