#include "daemon/printing/port.hpp"

namespace certprint::printing {

std::string_view mime_type(DocumentFormat f) {
  return f == DocumentFormat::pdf ? "application/pdf" : "application/vnd.cups-raster";
}

std::string_view to_string(JobPhase p) {
  switch (p) {
    case JobPhase::pending:
      return "pending";
    case JobPhase::held:
      return "held";
    case JobPhase::processing:
      return "processing";
    case JobPhase::stopped:
      return "stopped";
    case JobPhase::completed:
      return "completed";
    case JobPhase::canceled:
      return "canceled";
    case JobPhase::aborted:
      return "aborted";
    case JobPhase::unknown:
      break;
  }
  return "unknown";
}

namespace {

enum class Reason { news, media, fault };

Reason classify(std::string_view r) {
  // "-report" is news; "-warning" and "-error" both stop a booklet page:
  // printers report an empty tray as media-empty-warning while they wait.
  if (r.ends_with("-report")) return Reason::news;
  for (std::string_view suffix : {"-error", "-warning"})
    if (r.ends_with(suffix)) r.remove_suffix(suffix.size());
  if (r == "media-needed" || r == "media-empty") return Reason::media;
  for (std::string_view k :
       {"media-jam", "offline", "paused", "stopped", "door-open", "cover-open", "shutdown",
        "connecting-to-device", "marker-supply-empty", "input-tray-missing", "output-area-full"})
    if (r == k) return Reason::fault;
  return Reason::news;
}

}  // namespace

bool PrinterStatus::needs_attention() const {
  if (state == "stopped" || !accepting_jobs) return true;
  for (const auto& r : reasons)
    if (classify(r) != Reason::news) return true;
  return false;
}

bool PrinterStatus::waits_for_media() const {
  if (!accepting_jobs) return false;
  bool media = false;
  for (const auto& r : reasons) {
    const Reason c = classify(r);
    if (c == Reason::fault) return false;
    media = media || c == Reason::media;
  }
  return media;
}

}  // namespace certprint::printing
