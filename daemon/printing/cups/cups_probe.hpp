// What libcups can tell of a printer without printing, for
// `certprintd --check`: the queue exists, accepts jobs and is not stopped,
// its driver's filters are installed, which formats and resolutions it
// takes, whether it lists media of the booklet's page size, and whether
// jobs sit stopped on it (a filter or backend that failed).
//
// Checked, and how (against any cupsd, local or not):
//   - queue: cupsGetNamedDest, then Get-Printer-Attributes (printer-state,
//     -reasons, -message, printer-is-accepting-jobs, printer-make-and-model,
//     device-uri, document-format-supported, printer-resolution-supported);
//   - driver: the queue's PPD (GET /printers/NAME.ppd; none for a raw
//     queue): its *cupsFilter / *cupsFilter2 lines and its *Resolution
//     choices or *DefaultResolution;
//   - filters: cupsd's own verdict (printer-state-reasons
//     cups-missing-filter-warning / cups-insecure-filter-warning, set when
//     it loaded the PPD) and, when the cupsd runs on this host, each named
//     program: an absolute path as named, a bare name under
//     $CUPS_SERVERBIN/filter (default /usr/lib/cups/filter) must be an
//     executable file;
//   - stopped jobs: Get-Jobs (not-completed) with job-state processing-stopped;
//   - media: media-supported (cupsFindDestSupported), a size within 1 mm of
//     the page either way round, or a custom range that holds it.
// An IPP printer addressed by URI has no PPD and no filters; its own
// document-format-supported and printer-resolution-supported are read.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "daemon/printing/cups/cups_port.hpp"
#include "daemon/printing/port.hpp"
#include "layout/geometry.hpp"

namespace certprint::printing::cups {

struct FilterProbe {
  std::string source_type;  // the MIME type the filter takes ("application/vnd.cups-raster")
  std::string program;      // as the PPD names it: an absolute path, a bare name, or "-" (none)
  enum class File { not_checked, installed, missing, not_executable };
  File file = File::not_checked;  // checked only when the cupsd runs on this host
};

struct QueueProbe {
  bool by_uri = false;   // an IPP printer addressed by URI, no cupsd in between
  std::string server;    // "host:port" of the cupsd asked (empty when by_uri)
  bool exists = false;   // the queue (or printer) answered for this name
  PrinterStatus status;  // state, reasons, message, accepting jobs
  std::string make_and_model;
  std::string device_uri;
  bool has_ppd = false;              // a driver queue: its PPD was read
  std::vector<FilterProbe> filters;  // the PPD's *cupsFilter and *cupsFilter2 lines
  // The PPD's *Resolution choices (or its *DefaultResolution); without a
  // PPD, printer-resolution-supported. Empty: the printer lists none.
  std::vector<layout::Resolution> resolutions;
  std::vector<std::string> formats;  // document-format-supported
  int stopped_jobs = 0;              // jobs in processing-stopped
  std::optional<bool> page_media;    // lists media of the page size asked for
};

// Asks the cupsd (or the IPP printer) about `config.printer`; sends no job.
// A cupsd or printer that does not answer is an error (unavailable) naming
// it; a queue the cupsd does not know is a probe with exists == false.
// Like open_cups_port, sets libcups's server for the calling thread.
Result<QueueProbe> probe_queue(const CupsPortConfig& config, double page_width_mm,
                               double page_height_mm);

// The filters and resolutions a PPD's text names (pure; for tests).
struct PpdFacts {
  std::vector<FilterProbe> filters;
  std::vector<layout::Resolution> resolutions;
};
PpdFacts parse_ppd(std::string_view ppd);

}  // namespace certprint::printing::cups
