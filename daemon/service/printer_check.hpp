// `certprintd --check`: every configured printer probed through libcups
// (no job is sent) and judged against its configuration, as rows of a
// table an administrator can act on.
#pragma once

#include <string>
#include <vector>

#include "common/result.hpp"
#include "daemon/engine/print_engine.hpp"
#include "daemon/printing/cups/cups_probe.hpp"
#include "daemon/service/daemon.hpp"

namespace certprint::service {

// One printer's row.
struct PrinterCheck {
  std::string printer;    // the name clerks use
  std::string queue;      // "QUEUE@HOST:PORT", or the printer's URI
  std::string reachable;  // "yes" | "no"
  std::string accepting;  // "yes" | "no (...)" | "-"
  std::string filter;     // "installed: NAME", "none needed", "missing: PATH", ...
  std::string format;     // "pdf 600x600 dpi: ok" | "... mismatch" | "-"
  // What to do: one item per problem, then notes ("note: ...") that do not
  // stop printing.
  std::vector<std::string> todo;
  bool ok = true;  // false: the printer cannot print, or would print wrong
};

// Judges what `probe` found (or why it found nothing) against `printer`'s
// configuration. Pure: tests feed it made-up probes.
//   problems: the cupsd or printer does not answer; no such queue; not
//   accepting jobs, paused, or reporting a condition that needs a person
//   (media, offline, door...); a filter the driver names is missing, not
//   executable or refused as insecure; jobs stopped on the queue (a filter
//   or backend failed); the configured format is not what the driver takes
//   (pdf to a CUPS-raster driver, raster to a PDF/PostScript/IPP
//   Everywhere driver, or a format an IPP printer does not list); the
//   configured dpi is not among the resolutions the queue lists.
//   notes: no media of the booklet's page size.
PrinterCheck judge_printer(const engine::PrinterConfig& printer,
                           const Result<printing::cups::QueueProbe>& probe);

// Probes and judges every configured printer, in order; the booklet's page
// size comes from the templates. REQUIRES: check_config(config) passed.
std::vector<PrinterCheck> probe_printers(const DaemonConfig& config);

// The rows as an aligned table with a header, then a summary line.
std::string format_check_table(const std::vector<PrinterCheck>& rows);

}  // namespace certprint::service
