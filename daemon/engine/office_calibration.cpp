// Calibration profiles per printer, and printing calibration targets.
#include "calibration/target.hpp"
#include "daemon/engine/office.hpp"
#include "daemon/printing/cups/cups_raster.hpp"
#include "daemon/printing/plan.hpp"
#include "layout/render.hpp"

namespace certprint::engine {
namespace {

// The device-page rule checks the info page's field boxes, not the text in
// them, so one short stand-in per field stands for every record.
layout::PageContent representative_info(const layout::PageTemplate& info) {
  layout::PageContent content;
  for (const auto& f : info.fields) content.fields[f.name] = "0";
  return content;
}

// Plans both pages of template `t` (for `kind` booklets) under `cal` as
// any real booklet would be planned: a refusal here is a page the printer
// would refuse or clip.
Status check_template(issuance::Kind kind, const layout::Template& t,
                      const layout::Calibration& cal, const layout::DeviceProfile& device) {
  const std::string name(issuance::to_string(kind));
  auto text = layout::TextEngine::create(t.font_family);
  if (!text) return text.error();
  auto info = layout::plan_page(**text, t.info, representative_info(t.info), cal.info, device);
  if (!info) return refused(name + " info page: " + info.error().message);
  const std::string payload = "CP:" + std::string(42, 'A');  // a token's length
  auto page5 = layout::plan_page(**text, t.page5, {{}, payload}, cal.page5, device);
  if (!page5) return refused(name + " page 5: " + page5.error().message);
  return {};
}

}  // namespace

Result<std::vector<store::CalibrationRow>> Office::calibrations(const std::string& printer) {
  if (!engine_.printer(printer)) return not_found("printer \"" + printer + "\" is not configured");
  return store_.calibrations(printer);
}

// A correction that would push page 5's QR out of its zone, or any drawn
// content off either page, is refused for every template it could be used
// with.
Status Office::check_profile(const PrinterConfig& p, const layout::Calibration& cal) {
  for (auto kind : {issuance::Kind::marriage, issuance::Kind::divorce}) {
    auto r = renderers_.get(kind);
    if (!r) return r.error();
    if (auto s = check_template(kind, (*r)->page_template(), cal, {p.res}); !s) return s;
  }
  return {};
}

Result<int> Office::set_calibration(const Actor& who, const std::string& printer,
                                    layout::Calibration cal) {
  if (!engine_.printer(printer)) return not_found("printer \"" + printer + "\" is not configured");
  std::lock_guard lock(calibration_mutex_);
  return store_profile(who, printer, cal);
}

// REQUIRES: calibration_mutex_.
Result<int> Office::store_profile(const Actor& who, const std::string& printer,
                                  const layout::Calibration& given) {
  const PrinterConfig* p = engine_.printer(printer);
  if (!p) return not_found("printer \"" + printer + "\" is not configured");
  layout::Calibration cal = given;
  cal.printer = printer;
  {
    std::lock_guard lock(render_mutex_);
    if (auto s = check_profile(*p, cal); !s) return s.error();
  }
  auto version =
      store_.add_calibration({printer, 0, layout::to_json(cal), who.name, events_.now()});
  if (!version) return version.error();
  audit(who, "calibrate", printer, "version " + std::to_string(*version));
  return *version;
}

Result<std::pair<layout::Calibration, int>> Office::current_profile(const std::string& printer) {
  auto rows = store_.calibrations(printer);
  if (!rows) return rows.error();
  if (rows->empty()) return std::pair{layout::Calibration{printer, {}, {}}, 0};
  auto cal = layout::parse_calibration(rows->front().profile, "stored");
  if (!cal) return cal.error();
  return std::pair{std::move(*cal), rows->front().version};
}

Result<CalibrationFit> Office::fit_calibration(
    const Actor& who, const std::string& printer, issuance::PageKind page,
    const std::vector<calibration::Measurement>& measured, bool printed_corrected,
    std::optional<int> printed_with, bool save) {
  const PrinterConfig* p = engine_.printer(printer);
  if (!p) return not_found("printer \"" + printer + "\" is not configured");
  std::lock_guard calibrating(calibration_mutex_);
  auto current = current_profile(printer);
  if (!current) return current.error();
  const auto& [profile, version] = *current;
  if (printed_corrected && printed_with && *printed_with != version)
    return conflict("the target was printed with profile version " + std::to_string(*printed_with) +
                        ", and version " + std::to_string(version) +
                        " is in force now: print it again",
                    "calibration_changed");
  const std::string kind(issuance::to_string(page));
  const layout::Affine drawn_with =
      printed_corrected ? profile.for_page(kind) : layout::Affine::identity();
  CalibrationFit out;
  {
    std::lock_guard lock(render_mutex_);
    auto r = renderers_.get(issuance::Kind::marriage);
    if (!r) return r.error();
    const auto& t = (*r)->page_template();
    const layout::PageTemplate& pt = page == issuance::PageKind::info ? t.info : t.page5;
    auto f = calibration::fit(calibration::target_marks(pt), measured, drawn_with,
                              calibration::FitLimits{});
    if (!f) return refused(f.error().message);
    out.fit = std::move(*f);
    out.page_width_mm = pt.width_mm;
    out.page_height_mm = pt.height_mm;
    out.proposed = profile;
    out.proposed.printer = printer;
    (page == issuance::PageKind::info ? out.proposed.info : out.proposed.page5) =
        out.fit.correction;
    if (auto s = check_profile(*p, out.proposed); !s) return s.error();
  }
  if (save) {
    auto saved = store_profile(who, printer, out.proposed);
    if (!saved) return saved.error();
    out.saved_version = *saved;
  }
  return out;
}

Result<std::string> Office::target_chart_pdf(issuance::PageKind page) {
  std::lock_guard lock(render_mutex_);
  auto r = renderers_.get(issuance::Kind::marriage);
  if (!r) return r.error();
  const auto& t = (*r)->page_template();
  const layout::PageTemplate& pt = page == issuance::PageKind::info ? t.info : t.page5;
  auto text = layout::TextEngine::create(t.font_family);
  if (!text) return text.error();
  return calibration::render_target_pdf(**text, pt, calibration::target_marks(pt),
                                        layout::Affine::identity());
}

// The target page as the printer's format takes it. REQUIRES: render_mutex_.
Result<printing::PageJob> Office::target_job(const PrinterConfig& p, issuance::PageKind page,
                                             const layout::Affine& correction,
                                             const std::vector<calibration::Mark>& marks,
                                             int bidi_offset) {
  auto r = renderers_.get(issuance::Kind::marriage);
  if (!r) return r.error();
  const layout::PageTemplate& pt =
      page == issuance::PageKind::info ? (*r)->page_template().info : (*r)->page_template().page5;
  auto text = layout::TextEngine::create((*r)->page_template().font_family);
  if (!text) return text.error();
  auto name = printing::opaque_job_name(random_);
  if (!name) return name.error();
  printing::PageJob job{*name, p.format, {}, pt.width_mm, pt.height_mm, {}};
  if (p.format == printing::DocumentFormat::pdf) {
    auto pdf = calibration::render_target_pdf(**text, pt, marks, correction);
    if (!pdf) return pdf.error();
    job.document = std::move(*pdf);
  } else {
    auto raster = calibration::render_target(**text, pt, marks, correction, p.res);
    if (!raster) return raster.error();
    auto stream = printing::cups::to_cups_raster(*raster);
    if (!stream) return stream.error();
    job.document = std::move(*stream);
    job.driver_options = printing::cups::passbook_options(page, bidi_offset);
  }
  return job;
}

Result<TargetPrinted> Office::print_target(const Actor& who, const std::string& printer,
                                           issuance::PageKind page, bool corrected) {
  const PrinterConfig* p = engine_.printer(printer);
  if (!p) return not_found("printer \"" + printer + "\" is not configured");
  auto current = current_profile(printer);
  if (!current) return current.error();
  const layout::Affine correction =
      corrected ? current->first.for_page(issuance::to_string(page)) : layout::Affine::identity();
  TargetPrinted printed;
  printed.profile_version = current->second;
  Result<printing::PageJob> job = Error{"not rendered"};
  {
    std::lock_guard lock(render_mutex_);
    auto r = renderers_.get(issuance::Kind::marriage);
    if (!r) return r.error();
    printed.marks =
        calibration::target_marks(page == issuance::PageKind::info ? (*r)->page_template().info
                                                                   : (*r)->page_template().page5);
    job = target_job(*p, page, correction, printed.marks, current->first.bidi_offset);
  }
  if (!job) return job.error();
  // Printed like a booklet's page: under the printer's lock (refused while
  // print jobs are under way) and followed until it has come out.
  auto id = engine_.print_alone(
      printer, *job, "calibration target (" + std::string(issuance::to_string(page)) + ")");
  if (!id) return id.error();
  printed.cups_job_id = *id;
  audit(who, "target", printer,
        std::string(issuance::to_string(page)) + (corrected ? " corrected" : ""));
  return printed;
}

}  // namespace certprint::engine
