// libcups helpers shared by the port and the probe (internal to
// daemon/printing/cups/: it includes <cups/cups.h>).
#pragma once

#include <cups/cups.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "common/text.hpp"
#include "daemon/printing/cups/cups_port.hpp"
#include "daemon/printing/port.hpp"

namespace certprint::printing::cups {

inline std::string last_error() {
  return cupsLastErrorString() ? valid_utf8(cupsLastErrorString()) : "unknown error";
}

// A keyword attribute's values, "none" dropped.
inline std::vector<std::string> keywords(ipp_t* response, const char* name) {
  std::vector<std::string> out;
  ipp_attribute_t* a = ippFindAttribute(response, name, IPP_TAG_KEYWORD);
  for (int i = 0; a && i < ippGetCount(a); ++i) {
    std::string k = valid_utf8(ippGetString(a, i, nullptr));
    if (k != "none") out.push_back(k);
  }
  return out;
}

// A text attribute, made valid UTF-8: CUPS passes on whatever a backend or
// a printer says.
inline std::string text_attr(ipp_t* response, const char* name, ipp_tag_t tag = IPP_TAG_TEXT) {
  ipp_attribute_t* a = ippFindAttribute(response, name, tag);
  const char* s = a ? ippGetString(a, 0, nullptr) : nullptr;
  return s ? valid_utf8(s) : "";
}

// printer-state, -reasons, -message and printer-is-accepting-jobs.
inline PrinterStatus printer_status_of(ipp_t* resp) {
  PrinterStatus s;
  if (ipp_attribute_t* a = ippFindAttribute(resp, "printer-state", IPP_TAG_ENUM)) {
    const int v = ippGetInteger(a, 0);
    s.state = v == IPP_PSTATE_IDLE ? "idle" : v == IPP_PSTATE_PROCESSING ? "processing" : "stopped";
  }
  s.reasons = keywords(resp, "printer-state-reasons");
  s.message = text_attr(resp, "printer-state-message");
  if (ipp_attribute_t* a = ippFindAttribute(resp, "printer-is-accepting-jobs", IPP_TAG_BOOLEAN))
    s.accepting_jobs = ippGetBoolean(a, 0);
  return s;
}

// The media keyword the port asks for a page of this size.
inline std::string media_name(double width_mm, double height_mm) {
  char media[64];
  std::snprintf(media, sizeof media, "custom_certprint_%gx%gmm", width_mm, height_mm);
  return media;
}

// The cupsd a queue lives on, as host and port; sets libcups's server for
// the calling thread first, so that libcups and the connection agree.
struct CupsServer {
  std::string host;
  int port = 0;
  std::string label() const { return host + ":" + std::to_string(port); }
};
inline CupsServer cups_server_for(const CupsPortConfig& c) {
  if (!c.server.empty()) cupsSetServer(c.server.c_str());
  CupsServer s{c.server.empty() ? cupsServer() : c.server, ippPort()};
  if (auto colon = s.host.rfind(':'); colon != std::string::npos && s.host[0] != '/') {
    s.port = std::atoi(s.host.c_str() + colon + 1);
    s.host.resize(colon);
  }
  return s;
}

// Owners of libcups objects.
struct HttpClose {
  void operator()(http_t* h) const { httpClose(h); }
};
struct DestFree {
  void operator()(cups_dest_t* d) const { cupsFreeDests(1, d); }
};
struct DestInfoFree {
  void operator()(cups_dinfo_t* i) const { cupsFreeDestInfo(i); }
};
struct IppDelete {
  void operator()(ipp_t* i) const { ippDelete(i); }
};
using HttpPtr = std::unique_ptr<http_t, HttpClose>;
using DestPtr = std::unique_ptr<cups_dest_t, DestFree>;
using DestInfoPtr = std::unique_ptr<cups_dinfo_t, DestInfoFree>;
using IppPtr = std::unique_ptr<ipp_t, IppDelete>;

}  // namespace certprint::printing::cups
