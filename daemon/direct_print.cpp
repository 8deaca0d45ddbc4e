#include "daemon/direct_print.hpp"

#include <map>

#include "daemon/cups_raster.hpp"
#include "layout/calibration.hpp"

namespace certprint::daemon {
namespace {

// Renders an issuance's booklets when its first page is due, both pages of
// each booklet at once, so a page refused by the layout stops the sequence
// before that booklet's first page is sent.
class RenderingSource final : public PageSource {
 public:
  RenderingSource(const std::vector<issuance::Issuance>& issuances, const token::KeyRing& keys,
                  std::map<issuance::Kind, std::unique_ptr<BookletRenderer>>& renderers,
                  const RenderOptions& options, DocumentFormat format,
                  const token::RandomSource& random)
      : keys_(keys), renderers_(renderers), options_(options), format_(format), random_(random) {
    for (const auto& r : issuances) by_id_[r.issuance_id] = &r;
  }

  Result<PageJob> page(const PageStep& step) override {
    const auto key = std::make_pair(step.issuance_id, step.holder);
    if (!pages_.contains(key)) {
      const issuance::Issuance& rec = *by_id_.at(step.issuance_id);
      auto tok = issue_booklet_token(keys_, rec, step.holder, random_);
      if (!tok) return tok.error();
      auto pages = renderers_.at(rec.kind)->render_booklet(rec, step.holder, *tok, options_);
      if (!pages) return pages.error();
      pages_[key] = std::move(*pages);
    }
    const auto& pages = pages_.at(key);
    const RenderedPage& p = pages[step.kind == PageKind::info ? 0 : 1];
    const auto& tmpl = renderers_.at(by_id_.at(step.issuance_id)->kind)->page_template();
    return page_job(p, format_, tmpl.info.width_mm, tmpl.info.height_mm);
  }

 private:
  const token::KeyRing& keys_;
  std::map<issuance::Kind, std::unique_ptr<BookletRenderer>>& renderers_;
  const RenderOptions& options_;
  DocumentFormat format_;
  const token::RandomSource& random_;
  std::map<std::string, const issuance::Issuance*> by_id_;
  std::map<std::pair<std::string, issuance::Holder>, std::vector<RenderedPage>> pages_;
};

class ProgressLines final : public SequenceListener {
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
        out_ << "waiting: " << e.detail;
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

}  // namespace

Result<SequenceResult> run_direct_print(const DirectPrintCommand& cmd,
                                        const issuance::ValidationOptions& validation,
                                        const token::RandomSource& random, std::ostream& progress) {
  if (cmd.issuance_files.empty()) return Error{"no issuance file given"};
  std::vector<issuance::Issuance> issuances;
  for (const auto& f : cmd.issuance_files) {
    auto rec = issuance::load_issuance_file(f, validation);
    if (!rec) return rec.error();
    for (const auto& seen : issuances)
      if (seen.issuance_id == rec->issuance_id)
        return Error{f.string() + ": issuance_id \"" + rec->issuance_id +
                     "\" is already in this batch"};
    issuances.push_back(std::move(*rec));
  }
  auto keys = token::KeyRing::load_dir(cmd.keys_dir);
  if (!keys) return keys.error();
  RenderOptions options;
  options.device = {cmd.res, cmd.band_rows};
  options.pdf = cmd.format == DocumentFormat::pdf;
  options.raster = cmd.format == DocumentFormat::cups_raster;
  if (cmd.calibration_file) {
    auto cal = layout::load_calibration(*cmd.calibration_file);
    if (!cal) return cal.error();
    options.calibration = *cal;
  }
  std::map<issuance::Kind, std::unique_ptr<BookletRenderer>> renderers;
  for (const auto& rec : issuances) {
    if (renderers.contains(rec.kind)) continue;
    auto tmpl = load_template_for(cmd.templates_dir, rec.kind);
    if (!tmpl) return tmpl.error();
    auto r = BookletRenderer::create(std::move(*tmpl));
    if (!r) return r.error();
    renderers[rec.kind] = std::move(*r);
  }
  auto steps = plan_pages(issuances, cmd.mode, random);
  if (!steps) return steps.error();
  auto port = open_cups_port(cmd.printer);
  if (!port) return port.error();

  for (const auto& [kind, r] : renderers) {
    const auto& page = r->page_template().info;
    if (!(*port)->supports_media(page.width_mm, page.height_mm))
      progress << "warning: printer \"" << cmd.printer.printer << "\" lists no " << page.width_mm
               << " x " << page.height_mm
               << " mm media; pages go at their own size without scaling, and a CUPS "
               << "queue places them on the media it has: calibrate with that media loaded"
               << std::endl;
  }
  RenderingSource source(issuances, *keys, renderers, options, cmd.format, random);
  ProgressLines lines(progress, cmd.on_event);
  return run_sequence(**port, source, *steps, lines, cmd.sequencer, system_clock());
}

}  // namespace certprint::daemon
