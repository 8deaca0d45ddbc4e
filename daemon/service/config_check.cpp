#include "daemon/service/config_check.hpp"

#include <charconv>
#include <cmath>
#include <set>
#include <sstream>
#include <system_error>

#include "common/file.hpp"
#include "common/secret_file.hpp"
#include "daemon/api/auth.hpp"
#include "daemon/booklet/renderer.hpp"
#include "token/token.hpp"

namespace certprint::service {

namespace fs = std::filesystem;

namespace {

std::string quoted(std::string_view what, std::string_view value) {
  return std::string(what) + " \"" + std::string(value) + "\"";
}

// 1..65535, digits only.
std::optional<int> port_number(std::string_view text) {
  int port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || port < 1 ||
      port > 65535)
    return std::nullopt;
  return port;
}

bool host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

// Splits "[v6]:port", "host:port", "host"; the port text is empty when absent.
Result<std::pair<std::string_view, std::string_view>> split_host_port(std::string_view text) {
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return invalid("the ']' of the IPv6 address is missing");
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':'))
      return invalid("expected :PORT after the IPv6 address");
    return std::pair{text.substr(1, close - 1), rest.empty() ? rest : rest.substr(1)};
  }
  const auto colon = text.find(':');
  if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos)
    return invalid("write an IPv6 address in brackets, e.g. [::1]:631");
  if (colon == std::string_view::npos) return std::pair{text, std::string_view{}};
  return std::pair{text.substr(0, colon), text.substr(colon + 1)};
}

}  // namespace

Result<HostPort> parse_host_port(std::string_view what, std::string_view text, PortRule rule) {
  const std::string where = quoted(what, text);
  if (rule == PortRule::optional_or_socket && text.starts_with('/'))
    return HostPort{std::string(text), 0};
  auto parts = split_host_port(text);
  if (!parts) return invalid(where + ": " + parts.error().message);
  const auto [host, port] = *parts;
  const bool has_colon = text.find(':') != std::string_view::npos;
  if (host.empty()) return invalid(where + ": the host is missing");
  for (char c : host)
    if (!host_char(c) && !(c == ':' && text.starts_with('[')))
      return invalid(where + ": the host \"" + std::string(host) +
                     "\" may hold only letters, digits, '-', '.' and '_'");
  if (port.empty() && (rule == PortRule::required || has_colon))
    return invalid(where + ": the port is missing; expected HOST:PORT with a port 1..65535");
  HostPort out{std::string(host), 0};
  if (!port.empty()) {
    auto n = port_number(port);
    if (!n) return invalid(where + ": port " + std::string(port) + " should be a number 1..65535");
    out.port = *n;
  }
  return out;
}

Result<std::chrono::milliseconds> parse_seconds(std::string_view option, double seconds) {
  constexpr double kMaxSeconds = 24 * 60 * 60;
  if (!std::isfinite(seconds) || seconds <= 0 || seconds > kMaxSeconds) {
    std::ostringstream value;
    value << seconds;
    return invalid(std::string(option) + " " + value.str() +
                   ": should be a number of seconds more than 0 and at most 86400");
  }
  return std::chrono::milliseconds(std::lround(seconds * 1000));
}

namespace {

Status check_printer_uri(std::string_view uri) {
  const std::string where = quoted("printer URI", uri);
  const auto authority_start = uri.find("://") + 3;
  const auto path = uri.find('/', authority_start);
  const std::string_view authority = uri.substr(authority_start, path - authority_start);
  if (path == std::string_view::npos || path + 1 == uri.size())
    return invalid(where + ": expected ipp://HOST[:PORT]/PATH, e.g. ipp://10.0.0.7/ipp/print");
  if (authority.find('@') != std::string_view::npos)
    return invalid(where + ": a user name in the URI is not supported");
  auto hp = parse_host_port("host", authority, PortRule::optional);
  if (!hp) return invalid(where + ": " + hp.error().message);
  return Status::success();
}

Status check_queue_name(std::string_view queue) {
  const std::string where = quoted("queue", queue);
  if (queue.size() > 127) return invalid(where + ": a CUPS queue name has at most 127 bytes");
  for (char c : queue) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || u == 127 || c == '/' || c == '\\' || c == '?' || c == '\'' || c == '"' ||
        c == '#')
      return invalid(where +
                     ": a CUPS queue name may not hold spaces, control characters, / \\ ? ' \" or "
                     "#; give the queue's name as lpstat -p lists it, or an ipp:// printer URI");
  }
  return Status::success();
}

}  // namespace

Status check_printer_target(const printing::cups::CupsPortConfig& cups) {
  const std::string_view printer = cups.printer;
  if (printer.empty()) return invalid("the queue is missing");
  if (printer.starts_with("ipp://") || printer.starts_with("ipps://"))
    return check_printer_uri(printer);
  if (printer.find("://") != std::string_view::npos)
    return invalid(quoted("printer URI", printer) +
                   ": only ipp:// and ipps:// printers are supported (or a queue of the cupsd)");
  if (auto s = check_queue_name(printer); !s) return s;
  if (cups.server.empty()) return Status::success();
  auto server = parse_host_port("server", cups.server, PortRule::optional_or_socket);
  return server ? Status::success() : Status(server.error());
}

Status check_callback_url(std::string_view url) {
  if (url.empty()) return Status::success();
  const std::string where = quoted("--callback-url", url);
  const std::string_view expected = "expected http://HOST[:PORT]/PATH or https://HOST[:PORT]/PATH";
  std::string_view rest;
  if (url.starts_with("http://"))
    rest = url.substr(7);
  else if (url.starts_with("https://"))
    rest = url.substr(8);
  else
    return invalid(where + ": " + std::string(expected));
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos)
    return invalid(where + ": a user name in the URL is not supported; " + std::string(expected));
  auto hp = parse_host_port("host", authority, PortRule::optional);
  if (!hp) return invalid(where + ": " + hp.error().message + "; " + std::string(expected));
  return Status::success();
}

namespace {

Status check_listen(const api::HttpConfig& http) {
  const std::string where = quoted("--listen", http.host + ":" + std::to_string(http.port));
  if (http.host.empty()) return invalid(where + ": the host is missing");
  if (http.port < 1 || http.port > 65535)
    return invalid(where + ": port " + std::to_string(http.port) + " should be 1..65535");
  if (http.tls_cert.has_value() != http.tls_key.has_value())
    return invalid(std::string(http.tls_cert ? "--tls-cert" : "--tls-key") + " is given without " +
                   (http.tls_cert ? "--tls-key" : "--tls-cert") +
                   ": give both (HTTPS) or neither (HTTP)");
  for (const auto& [option, file] :
       {std::pair{"--tls-cert", http.tls_cert}, std::pair{"--tls-key", http.tls_key}}) {
    if (!file) continue;
    auto pem = read_file(*file, option);
    if (!pem) return invalid(pem.error().message);
  }
  constexpr std::size_t kMinBody = 1024, kMaxBody = std::size_t{1} << 30;
  if (http.max_body_bytes < kMinBody || http.max_body_bytes > kMaxBody)
    return invalid(quoted("--max-body-bytes", std::to_string(http.max_body_bytes)) +
                   ": should be 1024..1073741824 (an issuance record needs a few KiB)");
  return Status::success();
}

// The database is only looked at: --check runs beside a certprintd that
// holds it.
Status check_database(const fs::path& database) {
  const std::string where = quoted("--database", database.string());
  if (database.empty() || database.filename().empty())
    return invalid(where + ": expected the path of the SQLite file");
  std::error_code ec;
  const fs::path folder = database.has_parent_path() ? database.parent_path() : fs::path(".");
  if (!fs::is_directory(folder, ec))
    return invalid(where + ": the folder " + folder.string() +
                   " does not exist; create it (the systemd unit's StateDirectory does)");
  if (fs::exists(database, ec) && !fs::is_regular_file(database, ec))
    return invalid(where + ": exists but is not a file");
  return Status::success();
}

Status check_files(const DaemonConfig& config) {
  if (auto keys = token::KeyRing::load_dir(config.keys_dir); !keys)
    return invalid(quoted("--keys", config.keys_dir.string()) + ": " + keys.error().message +
                   " (certprint keygen --keys DIR makes a key)");
  if (auto tokens = api::TokenTable::load(config.tokens_file); !tokens)
    return invalid(quoted("--tokens", config.tokens_file.string()) + ": " + tokens.error().message);
  for (auto kind : {issuance::Kind::marriage, issuance::Kind::divorce}) {
    auto t = booklet::load_template_for(config.templates_dir, kind);
    if (!t)
      return invalid(quoted("--templates", config.templates_dir.string()) + ": " +
                     t.error().message);
  }
  return Status::success();
}

Status check_printers(const DaemonConfig& config) {
  if (!config.cups_server.empty()) {
    auto server =
        parse_host_port("--cups-server", config.cups_server, PortRule::optional_or_socket);
    if (!server) return server.error();
  }
  std::set<std::string> names;
  for (const auto& p : config.printers) {
    const std::string where = "--printer \"" + p.name + "\"";
    if (!names.insert(p.name).second)
      return invalid(where + " is configured twice; give each printer its own name");
    if (auto s = check_printer_target(p.cups); !s) return invalid(where + ": " + s.message());
  }
  return Status::success();
}

Status check_timing(const DaemonConfig& config) {
  const auto& s = config.sequencer;
  for (const auto& [option, value] :
       {std::pair{"--stall-timeout", s.stall_timeout}, std::pair{"--job-timeout", s.job_timeout}})
    if (value <= std::chrono::milliseconds(0))
      return invalid(std::string(option) + " " + std::to_string(value.count() / 1000.0) +
                     ": should be a number of seconds more than 0");
  if (s.poll_interval < std::chrono::milliseconds(1) ||
      s.poll_interval > std::chrono::milliseconds(10000))
    return invalid("--poll-interval-ms " + std::to_string(s.poll_interval.count()) +
                   ": should be 1..10000");
  return Status::success();
}

}  // namespace

Status check_config(const DaemonConfig& config) {
  if (auto s = check_listen(config.http); !s) return s;
  if (auto s = check_database(config.database); !s) return s;
  if (auto s = check_files(config); !s) return s;
  if (auto s = check_printers(config); !s) return s;
  if (auto s = check_callback_url(config.outbox.callback_url); !s) return s;
  if (!config.outbox.callback_url.empty() && config.outbox.secret.size() < 16)
    return invalid("--callback-url needs --callback-secret-file with a secret of 16+ characters");
  return check_timing(config);
}

Result<std::string> read_callback_secret(const fs::path& file) {
  auto text = read_secret_file(file, "--callback-secret-file");
  if (!text) return invalid(text.error().message);
  return std::string(without_cr(std::string_view(*text).substr(0, text->find('\n'))));
}

}  // namespace certprint::service
