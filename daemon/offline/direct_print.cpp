#include "daemon/offline/direct_print.hpp"

#include <map>

#include "daemon/booklet/renderer_cache.hpp"
#include "daemon/booklet/tokens.hpp"
#include "daemon/printing/cups/cups_raster.hpp"
#include "layout/calibration.hpp"

namespace certprint::offline {
namespace {

using printing::PageEvent;

// Renders an issuance's booklets when its first page is due, both pages of
// each booklet at once, so a page refused by the layout stops the sequence
// before that booklet's first page is sent.
class RenderingSource final : public printing::PageSource {
 public:
  RenderingSource(const std::vector<issuance::Issuance>& issuances, const token::KeyRing& keys,
                  booklet::RendererCache& renderers, const booklet::RenderOptions& options,
                  printing::DocumentFormat format, const RandomSource& random)
      : keys_(keys), renderers_(renderers), options_(options), format_(format), random_(random) {
    for (const auto& r : issuances) by_id_[r.issuance_id] = &r;
  }

  Result<printing::PageJob> page(const printing::PageStep& step) override {
    const issuance::Issuance& rec = *by_id_.at(step.issuance_id);
    auto renderer = renderers_.get(rec.kind);
    if (!renderer) return renderer.error();
    const auto key = std::make_pair(step.issuance_id, step.holder);
    if (!pages_.contains(key)) {
      auto tok = booklet::issue_booklet_token(keys_, rec, step.holder, random_);
      if (!tok) return tok.error();
      auto pages = (*renderer)->render_booklet(rec, step.holder, *tok, options_);
      if (!pages) return pages.error();
      pages_[key] = std::move(*pages);
    }
    const booklet::RenderedPage& p = pages_.at(key)[step.kind == issuance::PageKind::info ? 0 : 1];
    const auto& info = (*renderer)->page_template().info;
    auto job = printing::cups::page_job(format_, p.pdf, p.raster, info.width_mm, info.height_mm);
    if (job && format_ == printing::DocumentFormat::cups_raster)
      job->driver_options =
          printing::cups::passbook_options(step.kind, options_.calibration.bidi_offset);
    return job;
  }

 private:
  const token::KeyRing& keys_;
  booklet::RendererCache& renderers_;
  const booklet::RenderOptions& options_;
  printing::DocumentFormat format_;
  const RandomSource& random_;
  std::map<std::string, const issuance::Issuance*> by_id_;
  std::map<std::pair<std::string, issuance::Holder>, std::vector<booklet::RenderedPage>> pages_;
};

class ProgressLines final : public printing::SequenceListener {
 public:
  ProgressLines(std::ostream& out, const std::function<void(const PageEvent&)>& also)
      : out_(out), also_(also) {}
  void on_page(const PageEvent& e) override {
    if (e.type == PageEvent::Type::submitting) return;
    out_ << "[" << e.index + 1 << "/" << e.total << "] " << e.step->describe() << ": ";
    switch (e.type) {
      case PageEvent::Type::submitting:
        break;
      case PageEvent::Type::submitted:
        out_ << "submitted as job " << e.job_id;
        break;
      case PageEvent::Type::waiting:
        out_ << (e.detail.empty() ? "printing again" : "waiting: " + e.detail);
        break;
      case PageEvent::Type::completed:
        out_ << "printed";
        break;
      case PageEvent::Type::failed:
        out_ << "FAILED: " << e.detail;
        break;
    }
    out_ << std::endl;
    if (also_) also_(e);
  }

 private:
  std::ostream& out_;
  const std::function<void(const PageEvent&)>& also_;
};

Result<std::vector<issuance::Issuance>> load_batch(const DirectPrintCommand& cmd,
                                                   const issuance::ValidationOptions& validation) {
  if (cmd.issuance_files.empty()) return invalid("no issuance file given");
  std::vector<issuance::Issuance> issuances;
  for (const auto& f : cmd.issuance_files) {
    auto rec = issuance::load_issuance_file(f, validation);
    if (!rec) return rec.error();
    for (const auto& seen : issuances)
      if (seen.issuance_id == rec->issuance_id)
        return invalid(f.string() + ": issuance_id \"" + rec->issuance_id +
                       "\" is already in this batch");
    issuances.push_back(std::move(*rec));
  }
  return issuances;
}

void warn_about_media(printing::PrinterPort& port, const DirectPrintCommand& cmd,
                      const layout::PageTemplate& page, std::ostream& progress) {
  if (port.supports_media(page.width_mm, page.height_mm)) return;
  progress << "warning: printer \"" << cmd.printer.printer << "\" lists no " << page.width_mm
           << " x " << page.height_mm
           << " mm media; pages go at their own size without scaling, and a CUPS "
           << "queue places them on the media it has: calibrate with that media loaded"
           << std::endl;
}

}  // namespace

Result<printing::SequenceResult> run_direct_print(const DirectPrintCommand& cmd,
                                                  const issuance::ValidationOptions& validation,
                                                  const RandomSource& random,
                                                  std::ostream& progress) {
  auto issuances = load_batch(cmd, validation);
  if (!issuances) return issuances.error();
  auto keys = token::KeyRing::load_dir(cmd.keys_dir);
  if (!keys) return keys.error();
  booklet::RenderOptions options;
  options.device = {cmd.res};
  options.pdf = cmd.format == printing::DocumentFormat::pdf;
  options.raster = cmd.format == printing::DocumentFormat::cups_raster;
  if (cmd.calibration_file) {
    auto cal = layout::load_calibration(*cmd.calibration_file);
    if (!cal) return cal.error();
    options.calibration = *cal;
  }
  // Every template is loaded before the first page goes out.
  booklet::RendererCache renderers(cmd.templates_dir);
  std::map<issuance::Kind, const layout::PageTemplate*> info_pages;
  for (const auto& rec : *issuances) {
    auto r = renderers.get(rec.kind);
    if (!r) return r.error();
    info_pages[rec.kind] = &(*r)->page_template().info;
  }
  auto steps = printing::plan_pages(*issuances, cmd.mode, random);
  if (!steps) return steps.error();
  auto port = printing::cups::open_cups_port(cmd.printer);
  if (!port) return port.error();
  for (const auto& [kind, page] : info_pages) warn_about_media(**port, cmd, *page, progress);
  RenderingSource source(*issuances, *keys, renderers, options, cmd.format, random);
  ProgressLines lines(progress, cmd.on_event);
  return printing::run_sequence(**port, source, *steps, lines, cmd.sequencer, system_clock());
}

}  // namespace certprint::offline
