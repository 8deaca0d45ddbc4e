// Bidirectional alignment of passbook printers: printing the pattern and
// applying what a technician read from it.
#include "calibration/bidi_pattern.hpp"
#include "daemon/engine/office.hpp"
#include "daemon/printing/cups/cups_raster.hpp"
#include "daemon/printing/plan.hpp"

namespace certprint::engine {

Result<BidiPatternPrinted> Office::print_bidi_pattern(const Actor& who,
                                                      const std::string& printer) {
  const PrinterConfig* p = engine_.printer(printer);
  if (!p) return not_found("printer \"" + printer + "\" is not configured");
  if (p->format != printing::DocumentFormat::cups_raster)
    return refused("printer \"" + printer +
                   "\" takes PDF: the bidirectional pattern is for passbook printers of the "
                   "certprint driver (format=raster)");
  auto current = current_profile(printer);
  if (!current) return current.error();
  BidiPatternPrinted printed;
  printed.profile_version = current->second;
  printed.bidi_offset = current->first.bidi_offset;
  auto name = printing::opaque_job_name(random_);
  if (!name) return name.error();
  printing::PageJob job{*name, p->format, {}, 0, 0, {}};
  {
    std::lock_guard lock(render_mutex_);
    auto r = renderers_.get(issuance::Kind::marriage);
    if (!r) return r.error();
    const auto& info = (*r)->page_template().info;
    job.width_mm = info.width_mm;
    job.height_mm = info.height_mm;
    auto pattern = calibration::bidi_pattern(info.width_mm, info.height_mm);
    if (!pattern) return pattern.error();
    auto stream = printing::cups::to_cups_raster(pattern->raster);
    if (!stream) return stream.error();
    job.document = std::move(*stream);
  }
  // Both ways, whatever the queue's default: that is what it measures.
  job.driver_options = {{"Direction", "Bidirectional"},
                        {"BidiOffset", std::to_string(printed.bidi_offset)}};
  auto id = engine_.print_alone(printer, job, "bidirectional alignment pattern");
  if (!id) return id.error();
  printed.cups_job_id = *id;
  audit(who, "bidi-pattern", printer, "offset " + std::to_string(printed.bidi_offset));
  return printed;
}

Result<BidiAligned> Office::align_bidi(const Actor& who, const std::string& printer, int aligned,
                                       int printed_with) {
  if (!engine_.printer(printer)) return not_found("printer \"" + printer + "\" is not configured");
  if (aligned < -calibration::kBidiCandidates || aligned > calibration::kBidiCandidates)
    return invalid("aligned " + std::to_string(aligned) + ": the pattern's candidates are -" +
                   std::to_string(calibration::kBidiCandidates) + " to " +
                   std::to_string(calibration::kBidiCandidates));
  std::lock_guard calibrating(calibration_mutex_);
  auto current = current_profile(printer);
  if (!current) return current.error();
  auto [profile, version] = std::move(*current);
  if (printed_with != version)
    return conflict("the pattern was printed with profile version " + std::to_string(printed_with) +
                        ", and version " + std::to_string(version) +
                        " is in force now: print it again",
                    "calibration_changed");
  BidiAligned out{profile.bidi_offset, version, false};
  if (aligned == 0) return out;
  const int offset = profile.bidi_offset + aligned;
  if (offset < -layout::kMaxBidiOffset360 || offset > layout::kMaxBidiOffset360)
    return refused("the offset would be " + std::to_string(offset) + "/360 inch, beyond the " +
                   std::to_string(layout::kMaxBidiOffset360) +
                   " a printer can be calibrated for: it needs service, or print it "
                   "Unidirectional");
  profile.bidi_offset = offset;
  auto saved = store_profile(who, printer, profile);
  if (!saved) return saved.error();
  return BidiAligned{offset, *saved, true};
}

}  // namespace certprint::engine
