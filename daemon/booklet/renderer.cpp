#include "daemon/booklet/renderer.hpp"

namespace certprint::booklet {

Result<std::unique_ptr<BookletRenderer>> BookletRenderer::create(layout::Template tmpl,
                                                                 std::string info_form_pdf,
                                                                 std::string page5_form_pdf) {
  auto text = layout::TextEngine::create(tmpl.font_family);
  if (!text) return text.error();
  std::unique_ptr<BookletRenderer> r(new BookletRenderer(std::move(tmpl), std::move(*text)));
  r->info_form_pdf_ = std::move(info_form_pdf);
  r->page5_form_pdf_ = std::move(page5_form_pdf);
  return r;
}

Result<std::vector<RenderedPage>> BookletRenderer::render_booklet(
    const issuance::Issuance& issuance, issuance::Holder holder, const std::string& tok,
    const RenderOptions& options) {
  if (!issuance.booklet(holder))
    return Error{"issuance carries no " + std::string(issuance::to_string(holder)) + " booklet"};
  if (options.preview && !options.raster) return Error{"a preview needs the raster output"};

  layout::PageContent info{issuance::info_page_fields(issuance, holder), ""};
  layout::PageContent page5{{}, tok};
  auto info_plan =
      layout::plan_page(*text_, template_.info, info, options.calibration.info, options.device);
  if (!info_plan)
    return wrap(std::string(issuance::to_string(holder)) + " info page", info_plan.error());
  auto page5_plan =
      layout::plan_page(*text_, template_.page5, page5, options.calibration.page5, options.device);
  if (!page5_plan)
    return wrap(std::string(issuance::to_string(holder)) + " page 5", page5_plan.error());

  std::vector<RenderedPage> pages;
  for (auto [kind, plan] : {std::pair{issuance::PageKind::info, &*info_plan},
                            std::pair{issuance::PageKind::page5, &*page5_plan}}) {
    RenderedPage page{holder, kind, {}, std::nullopt, {}};
    if (options.pdf) {
      auto pdf = layout::render_pdf(*text_, *plan);
      if (!pdf) return pdf.error();
      page.pdf = std::move(*pdf);
    }
    if (options.raster) {
      auto raster = layout::render_raster(*text_, *plan);
      if (!raster) return raster.error();
      page.raster = std::move(*raster);
    }
    if (options.preview) {
      std::string& form = kind == issuance::PageKind::info ? info_form_pdf_ : page5_form_pdf_;
      if (form.empty()) {
        auto drawn = layout::render_form_pdf(*text_, *plan->page);
        if (!drawn) return drawn.error();
        form = std::move(*drawn);
      }
      const double dpi =
          options.preview_dpi > 0 ? options.preview_dpi : layout::preview_dpi_for(page.raster->res);
      auto png = layout::render_preview_png(*plan, *page.raster, form, dpi);
      if (!png) return png.error();
      page.preview_png = std::move(*png);
    }
    pages.push_back(std::move(page));
  }
  return pages;
}

Result<layout::Template> load_template_for(const std::filesystem::path& templates_dir,
                                           issuance::Kind kind) {
  return layout::load_template(templates_dir / (std::string(issuance::to_string(kind)) + ".json"));
}

}  // namespace certprint::booklet
