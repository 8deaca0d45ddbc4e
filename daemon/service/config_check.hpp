// certprintd's settings checked before anything is opened for writing or
// bound: every error (code invalid) names the option and its value and says
// what is expected, so certprintd can exit 2 with it before "listening".
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "daemon/printing/cups/cups_port.hpp"
#include "daemon/service/daemon.hpp"

namespace certprint::service {

struct HostPort {
  std::string host;  // a name, an IPv4 address, an IPv6 address (no brackets) or a socket path
  int port = 0;      // 1..65535; 0 when none was given
};

enum class PortRule {
  required,            // HOST:PORT
  optional,            // HOST or HOST:PORT
  optional_or_socket,  // also an absolute path to a UNIX socket (libcups's CUPS_SERVER)
};

// "HOST:PORT" (an IPv6 address in brackets: "[::1]:631"). `what` starts
// every error: `--listen "127.0.0.1:99999": port 99999 should be 1..65535`.
Result<HostPort> parse_host_port(std::string_view what, std::string_view text, PortRule rule);

// A duration given in seconds: more than 0, at most a day.
Result<std::chrono::milliseconds> parse_seconds(std::string_view option, double seconds);

// The cupsd queue name or ipp:// / ipps:// URI and the server of a printer.
// Errors (invalid) start with the part at fault: `queue "front desk": ...`.
Status check_printer_target(const printing::cups::CupsPortConfig& cups);

// The registry's callback URL: http:// or https://, a host, an optional port
// 1..65535, an optional path. Empty is valid (no callbacks).
Status check_callback_url(std::string_view url);

// Every setting of `config`: the API address and TLS pair, the database's
// folder, keys, tokens and templates (read, never written), the printers,
// the callback URL and secret, timeouts and limits. Opens nothing for
// writing and binds nothing. The first error found, naming its option.
Status check_config(const DaemonConfig& config);

// The callback secret: the first line of --callback-secret-file without its
// line end (LF or CRLF). Refused (code invalid) when the file's group or
// others may read it, as the token file and key files are.
Result<std::string> read_callback_secret(const std::filesystem::path& file);

}  // namespace certprint::service
