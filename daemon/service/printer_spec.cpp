#include "daemon/service/printer_spec.hpp"

#include <cctype>
#include <charconv>

#include "daemon/service/config_check.hpp"

namespace certprint::service {
namespace {

// "none": no limit; else whole seconds, 1..86400.
Result<std::chrono::milliseconds> parse_media_wait(const std::string& value) {
  if (value == "none") return printing::SequencerConfig::kNoLimit;
  int n = -1;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < 1 || n > 86400)
    return Error{"media-wait \"" + value + "\" should be whole seconds 1..86400, or none"};
  return std::chrono::milliseconds(std::int64_t{n} * 1000);
}

// One ",key=value" of a spec, applied to `p`; the error says what is wrong.
Status apply_option(engine::PrinterConfig& p, const std::string& key, const std::string& value,
                    std::string_view item) {
  if (key == "format" && (value == "pdf" || value == "raster")) {
    p.format =
        value == "pdf" ? printing::DocumentFormat::pdf : printing::DocumentFormat::cups_raster;
  } else if (key == "dpi") {
    auto res = layout::parse_resolution(value);
    if (!res) return res.error();
    p.res = *res;
  } else if (key == "band-rows") {
    // Page 5's QR was once snapped to 24-row bands for the passbook driver,
    // which now starts a pass at any row: the snap only lost corrections.
    return Error{
        "band-rows is no longer used (the passbook driver starts a head pass at any "
        "row): remove \"" +
        std::string(item) + "\""};
  } else if (key == "feed" && (value == "tray" || value == "manual" || value == "passbook")) {
    p.feed = value == "tray"     ? engine::PrinterConfig::Feed::tray
             : value == "manual" ? engine::PrinterConfig::Feed::manual
                                 : engine::PrinterConfig::Feed::passbook;
  } else if (key == "media-wait") {
    auto wait = parse_media_wait(value);
    if (!wait) return wait.error();
    p.media_wait = *wait;
  } else if (key == "server" && !value.empty()) {
    auto server = parse_host_port("server", value, PortRule::optional_or_socket);
    if (!server) return server.error();
    p.cups.server = value;
  } else {
    return Error{"\"" + std::string(item) +
                 "\" is not format=pdf|raster, dpi=, feed=tray|manual|passbook, "
                 "media-wait= or server="};
  }
  return {};
}

}  // namespace

Result<engine::PrinterConfig> parse_printer_spec(std::string_view spec,
                                                 const std::string& default_cups_server) {
  const std::string where = "--printer \"" + std::string(spec) + "\"";
  const auto eq = spec.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == spec.size())
    return invalid(where +
                   ": expected NAME=QUEUE[,format=pdf|raster][,dpi=N|NxM]"
                   "[,feed=tray|manual|passbook][,media-wait=SECONDS|none][,server=HOST:PORT]");
  engine::PrinterConfig p;
  p.name = std::string(spec.substr(0, eq));
  for (char c : p.name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      return invalid(where + ": name \"" + p.name +
                     "\" may hold only letters, digits, '-', '_' and '.'");
  p.cups.server = default_cups_server;
  std::string_view rest = spec.substr(eq + 1);
  bool first = true;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (first) {
      p.cups.printer = std::string(item);
      first = false;
      continue;
    }
    const auto kv = item.find('=');
    const std::string key(item.substr(0, kv));
    const std::string value = kv == std::string_view::npos ? "" : std::string(item.substr(kv + 1));
    if (auto s = apply_option(p, key, value, item); !s) return invalid(where + ": " + s.message());
  }
  if (p.cups.printer.empty()) return invalid(where + ": the queue is missing");
  if (auto s = check_printer_target(p.cups); !s) return invalid(where + ": " + s.message());
  return p;
}

}  // namespace certprint::service
