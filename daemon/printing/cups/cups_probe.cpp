#include "daemon/printing/cups/cups_probe.hpp"

#include <sys/stat.h>

#include <cctype>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "daemon/printing/cups/cups_ipp.hpp"

namespace certprint::printing::cups {

namespace {

// The first token after "*Keyword" up to '/' or ':' (a PPD option choice).
std::string_view choice_of(std::string_view line, std::string_view keyword) {
  std::string_view rest = line.substr(keyword.size());
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return rest.substr(0, rest.find_first_of("/:"));
}

// The quoted value of `*Keyword: "..."`.
std::string_view quoted_value(std::string_view line) {
  const auto open = line.find('"');
  const auto close = line.rfind('"');
  if (open == std::string_view::npos || close <= open) return {};
  return line.substr(open + 1, close - open - 1);
}

std::optional<layout::Resolution> ppd_resolution(std::string_view text) {
  if (!text.ends_with("dpi")) return std::nullopt;
  text.remove_suffix(3);
  auto r = layout::parse_resolution(text);
  return r ? std::optional(*r) : std::nullopt;
}

// *cupsFilter: "src cost program"; *cupsFilter2: "src dst cost program".
FilterProbe ppd_filter(std::string_view value, int program_field) {
  std::istringstream in{std::string(value)};
  std::vector<std::string> fields;
  for (std::string f; in >> f;) fields.push_back(f);
  FilterProbe f;
  if (!fields.empty()) f.source_type = fields[0];
  for (std::size_t i = static_cast<std::size_t>(program_field); i < fields.size(); ++i)
    f.program += (f.program.empty() ? "" : " ") + fields[i];
  return f;
}

}  // namespace

PpdFacts parse_ppd(std::string_view ppd) {
  PpdFacts facts;
  std::optional<layout::Resolution> fallback;
  while (!ppd.empty()) {
    const auto end = ppd.find('\n');
    std::string_view line = ppd.substr(0, end);
    ppd = end == std::string_view::npos ? std::string_view{} : ppd.substr(end + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.starts_with("*cupsFilter2:")) {
      facts.filters.push_back(ppd_filter(quoted_value(line), 3));
    } else if (line.starts_with("*cupsFilter:")) {
      facts.filters.push_back(ppd_filter(quoted_value(line), 2));
    } else if (line.starts_with("*Resolution ")) {
      if (auto r = ppd_resolution(choice_of(line, "*Resolution"))) facts.resolutions.push_back(*r);
    } else if (line.starts_with("*DefaultResolution:")) {
      fallback = ppd_resolution(choice_of(line, "*DefaultResolution:"));
    }
  }
  if (facts.resolutions.empty() && fallback) facts.resolutions.push_back(*fallback);
  return facts;
}

namespace {

// Where cupsd looks for a filter named without a path.
std::string server_bin() {
  const char* env = std::getenv("CUPS_SERVERBIN");
  return env && *env ? env : "/usr/lib/cups";
}

FilterProbe::File check_program(const std::string& program) {
  if (program.empty() || program == "-") return FilterProbe::File::not_checked;
  const std::string path = program[0] == '/' ? program : server_bin() + "/filter/" + program;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return FilterProbe::File::missing;
  if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0) return FilterProbe::File::not_executable;
  return FilterProbe::File::installed;
}

bool on_this_host(const std::string& host) {
  return host == "localhost" || host == "127.0.0.1" || host == "::1" || host == "[::1]" ||
         (!host.empty() && host[0] == '/');
}

// The attributes of the printer at `uri`; nullptr with not-found when the
// cupsd does not know it.
IppPtr printer_attributes(http_t* http, const std::string& uri, const std::string& resource) {
  static const char* const kAttrs[] = {"printer-state",
                                       "printer-state-reasons",
                                       "printer-state-message",
                                       "printer-is-accepting-jobs",
                                       "printer-make-and-model",
                                       "device-uri",
                                       "document-format-supported",
                                       "printer-resolution-supported"};
  ipp_t* req = ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr, uri.c_str());
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nullptr, cupsUser());
  ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
                static_cast<int>(std::size(kAttrs)), nullptr, kAttrs);
  return IppPtr(cupsDoRequest(http, req, resource.c_str()));
}

void read_attributes(ipp_t* resp, QueueProbe& q) {
  q.status = printer_status_of(resp);
  q.make_and_model = text_attr(resp, "printer-make-and-model");
  q.device_uri = text_attr(resp, "device-uri", IPP_TAG_URI);
  ipp_attribute_t* formats = ippFindAttribute(resp, "document-format-supported", IPP_TAG_MIMETYPE);
  for (int i = 0; formats && i < ippGetCount(formats); ++i)
    q.formats.push_back(valid_utf8(ippGetString(formats, i, nullptr)));
  if (q.has_ppd) return;  // the driver's own resolutions stand
  ipp_attribute_t* res = ippFindAttribute(resp, "printer-resolution-supported", IPP_TAG_RESOLUTION);
  for (int i = 0; res && i < ippGetCount(res); ++i) {
    int y = 0;
    ipp_res_t units = IPP_RES_PER_INCH;
    int x = ippGetResolution(res, i, &y, &units);
    if (units == IPP_RES_PER_CM)
      x = static_cast<int>(x * 2.54 + 0.5), y = static_cast<int>(y * 2.54 + 0.5);
    q.resolutions.push_back({x, y});
  }
}

int stopped_jobs(http_t* http, const std::string& uri, const std::string& resource) {
  static const char* const kAttrs[] = {"job-id", "job-state"};
  ipp_t* req = ippNewRequest(IPP_OP_GET_JOBS);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr, uri.c_str());
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nullptr, cupsUser());
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "which-jobs", nullptr, "not-completed");
  ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", 2, nullptr,
                kAttrs);
  IppPtr resp(cupsDoRequest(http, req, resource.c_str()));
  if (!resp || ippGetStatusCode(resp.get()) > IPP_STATUS_OK_CONFLICTING) return 0;
  int stopped = 0;
  for (ipp_attribute_t* a = ippFirstAttribute(resp.get()); a; a = ippNextAttribute(resp.get()))
    if (ippGetName(a) && std::string_view(ippGetName(a)) == "job-state" &&
        ippGetInteger(a, 0) == IPP_JSTATE_STOPPED)
      ++stopped;
  return stopped;
}

// Whether media-supported has a size within 1 mm of the page, either way
// round, or a custom size range that holds it. (cupsCheckDestSupported
// compares a custom size with the ranges only, not with listed sizes.)
std::optional<bool> lists_media(http_t* http, cups_dest_t* dest, cups_dinfo_t* info,
                                double width_mm, double height_mm) {
  ipp_attribute_t* media = cupsFindDestSupported(http, dest, info, CUPS_MEDIA);
  if (!media) return std::nullopt;
  const int w = static_cast<int>(std::lround(width_mm * 100));  // pwg_media_t: 1/100 mm
  const int h = static_cast<int>(std::lround(height_mm * 100));
  auto near = [](int a, int b) { return std::abs(a - b) <= 100; };
  int min_w = INT_MAX, min_h = INT_MAX, max_w = 0, max_h = 0;
  for (int i = 0; i < ippGetCount(media); ++i) {
    const char* name = ippGetString(media, i, nullptr);
    pwg_media_t* size = name ? pwgMediaForPWG(name) : nullptr;
    if (!size) continue;
    const std::string_view n(name);
    if (n.starts_with("custom_min_")) {
      min_w = size->width, min_h = size->length;
    } else if (n.starts_with("custom_max_")) {
      max_w = size->width, max_h = size->length;
    } else if ((near(size->width, w) && near(size->length, h)) ||
               (near(size->width, h) && near(size->length, w))) {
      return true;
    }
  }
  return w >= min_w && w <= max_w && h >= min_h && h <= max_h;
}

// The queue's PPD as text; nothing for a raw queue or a class.
std::optional<std::string> fetch_ppd(http_t* http, const std::string& queue) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::tmpfile(), &std::fclose);
  if (!file) return std::nullopt;
  // The queue's name in a URL path: unreserved characters stay, others are %XX.
  std::string path = "/printers/";
  for (unsigned char c : queue) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      path += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      path += hex;
    }
  }
  path += ".ppd";
  if (cupsGetFd(http, path.c_str(), fileno(file.get())) != HTTP_STATUS_OK) return std::nullopt;
  std::rewind(file.get());
  std::string text;
  char buffer[8192];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0;)
    text.append(buffer, n);
  return text;
}

}  // namespace

namespace {

// The PPD's filters and resolutions, each filter program checked when the
// cupsd runs on this host.
void read_ppd(http_t* http, const std::string& queue, bool local, QueueProbe& q) {
  auto ppd = fetch_ppd(http, queue);
  if (!ppd) return;
  q.has_ppd = true;
  PpdFacts facts = parse_ppd(*ppd);
  q.filters = std::move(facts.filters);
  q.resolutions = std::move(facts.resolutions);
  if (local)
    for (auto& f : q.filters) f.file = check_program(f.program);
}

// A connected printer: a cupsd queue (with its name) or an IPP printer.
struct Target {
  http_t* http = nullptr;
  cups_dest_t* dest = nullptr;
  std::string uri;       // printer-uri for requests
  std::string resource;  // where requests go ("/" on a cupsd)
  std::string queue;     // the cupsd's queue name; empty for an IPP printer
  bool local = false;    // the cupsd runs on this host: its filter files can be checked
};

// Everything but the connection.
Status probe_printer(const Target& t, double page_width_mm, double page_height_mm, QueueProbe& q) {
  http_t* http = t.http;
  cups_dest_t* dest = t.dest;
  const std::string& uri = t.uri;
  const std::string& resource = t.resource;
  if (!t.queue.empty()) read_ppd(http, t.queue, t.local, q);
  IppPtr attrs = printer_attributes(http, uri, resource);
  if (!attrs) return unavailable("cannot read printer \"" + uri + "\": " + last_error());
  if (ippGetStatusCode(attrs.get()) == IPP_STATUS_ERROR_NOT_FOUND) return Status::success();
  if (ippGetStatusCode(attrs.get()) > IPP_STATUS_OK_CONFLICTING)
    return unavailable("cannot read printer \"" + uri + "\": " + last_error());
  q.exists = true;
  read_attributes(attrs.get(), q);
  q.stopped_jobs = stopped_jobs(http, uri, resource);
  if (page_width_mm > 0 && page_height_mm > 0) {
    DestInfoPtr info(cupsCopyDestInfo(http, dest));
    if (info) q.page_media = lists_media(http, dest, info.get(), page_width_mm, page_height_mm);
  }
  return Status::success();
}

Result<QueueProbe> probe_cupsd_queue(const CupsPortConfig& c, double width_mm, double height_mm) {
  QueueProbe q;
  const CupsServer server = cups_server_for(c);
  q.server = server.label();
  HttpPtr http(httpConnect2(server.host.c_str(), server.port, nullptr, AF_UNSPEC,
                            HTTP_ENCRYPTION_IF_REQUESTED, 1, c.timeout_ms, nullptr));
  if (!http) return unavailable("cannot connect to cupsd at " + q.server + ": " + last_error());
  DestPtr dest(cupsGetNamedDest(http.get(), c.printer.c_str(), nullptr));
  if (!dest) {
    // Not found, or the cupsd stopped answering between the two calls.
    if (cupsLastError() >= IPP_STATUS_ERROR_INTERNAL)
      return unavailable("cupsd at " + q.server + " does not answer: " + last_error());
    return q;
  }
  const char* uri = cupsGetOption("printer-uri-supported", dest->num_options, dest->options);
  if (!uri)
    return unavailable("cupsd at " + q.server + " gave no URI for queue \"" + c.printer + "\"");
  const Target t{http.get(), dest.get(), uri, "/", c.printer, on_this_host(server.host)};
  auto s = probe_printer(t, width_mm, height_mm, q);
  if (!s) return s.error();
  return q;
}

Result<QueueProbe> probe_printer_uri(const CupsPortConfig& c, double width_mm, double height_mm) {
  QueueProbe q;
  q.by_uri = true;
  DestPtr dest(cupsGetDestWithURI(nullptr, c.printer.c_str()));
  if (!dest) return invalid("printer URI \"" + c.printer + "\" is not a valid IPP URI");
  HttpPtr http(cupsConnectDest(dest.get(), CUPS_DEST_FLAGS_DEVICE, c.timeout_ms, nullptr, nullptr,
                               0, nullptr, nullptr));
  if (!http) return unavailable("cannot connect to printer " + c.printer + ": " + last_error());
  char scheme[32], user[256], host[256], resource[1024];
  int port = 0;
  httpSeparateURI(HTTP_URI_CODING_ALL, c.printer.c_str(), scheme, sizeof scheme, user, sizeof user,
                  host, sizeof host, &port, resource, sizeof resource);
  const Target t{http.get(), dest.get(), c.printer, resource, "", false};
  auto s = probe_printer(t, width_mm, height_mm, q);
  if (!s) return s.error();
  return q;
}

}  // namespace

Result<QueueProbe> probe_queue(const CupsPortConfig& config, double page_width_mm,
                               double page_height_mm) {
  if (config.printer.empty()) return invalid("no printer given");
  if (config.printer.starts_with("ipp://") || config.printer.starts_with("ipps://"))
    return probe_printer_uri(config, page_width_mm, page_height_mm);
  return probe_cupsd_queue(config, page_width_mm, page_height_mm);
}

}  // namespace certprint::printing::cups
