// A printer as the administrator writes it on certprintd's command line.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"
#include "daemon/engine/print_engine.hpp"

namespace certprint::service {

// "NAME=QUEUE[,format=pdf|raster][,dpi=600|360x180]
// [,feed=tray|manual|passbook][,media-wait=SECONDS|none][,server=HOST:PORT]";
// QUEUE is a queue of the cupsd or an ipp:// printer URI; the server is
// HOST[:PORT] (port 1..65535) or a socket path. Errors (invalid) start
// `--printer "SPEC": ` and say what is expected.
Result<engine::PrinterConfig> parse_printer_spec(std::string_view spec,
                                                 const std::string& default_cups_server);

}  // namespace certprint::service
