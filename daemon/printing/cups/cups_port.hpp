// The printer port over libcups: a queue on a cupsd, or an IPP printer
// addressed by URI with no cupsd in between.
#pragma once

#include <memory>
#include <string>

#include "common/result.hpp"
#include "daemon/printing/port.hpp"

namespace certprint::printing::cups {

struct CupsPortConfig {
  // "host:port" of the cupsd; empty for libcups's default (CUPS_SERVER,
  // client.conf, then localhost:631). Ignored for a printer URI.
  std::string server;
  // A queue name on that cupsd, or an ipp:// / ipps:// printer URI.
  std::string printer;
  int timeout_ms = 10000;  // connecting and each request
};

// Connects and looks the printer up; fails naming the printer and server.
// With a server given, sets libcups's server for the calling thread
// (cupsSetServer): use a port from the thread that opened it.
Result<std::unique_ptr<PrinterPort>> open_cups_port(const CupsPortConfig& config);

}  // namespace certprint::printing::cups
