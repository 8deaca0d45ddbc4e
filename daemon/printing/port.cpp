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

bool PrinterStatus::needs_attention() const {
  if (state == "stopped" || !accepting_jobs) return true;
  for (std::string_view r : reasons) {
    // "-report" is news; "-warning" and "-error" both stop a booklet page:
    // printers report an empty tray as media-empty-warning while they wait.
    if (r.ends_with("-report")) continue;
    for (std::string_view suffix : {"-error", "-warning"})
      if (r.ends_with(suffix)) r.remove_suffix(suffix.size());
    for (std::string_view k :
         {"media-needed", "media-empty", "media-jam", "offline", "paused", "stopped", "door-open",
          "cover-open", "shutdown", "connecting-to-device", "marker-supply-empty",
          "input-tray-missing", "output-area-full"})
      if (r == k) return true;
  }
  return false;
}

}  // namespace certprint::printing
