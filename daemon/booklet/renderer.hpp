// From an issuance record to the pages a printer receives: a booklet's info
// page and its page 5, drawn through the layout library. This is where the
// record meets the layout; layout itself knows nothing of issuances.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "issuance/record.hpp"
#include "layout/calibration.hpp"
#include "layout/render.hpp"
#include "layout/template.hpp"

namespace certprint::booklet {

// Which outputs to draw for each page.
struct RenderOptions {
  layout::DeviceProfile device;     // resolution and band height of the printer
  layout::Calibration calibration;  // identity when the printer is uncalibrated
  bool pdf = true;
  bool raster = true;
  bool preview = false;  // needs raster
  // PNG resolution; 0: layout::preview_dpi_for the device, so that every
  // printer dot is a whole block of pixels.
  double preview_dpi = 0;
};

struct RenderedPage {
  issuance::Holder holder = issuance::Holder::male;
  issuance::PageKind kind = issuance::PageKind::info;
  std::string pdf;                       // empty unless options.pdf
  std::optional<layout::Raster> raster;  // unless options.raster
  std::string preview_png;               // empty unless options.preview
};

// Holds a template and a text engine; renders booklets one after another.
// Not thread-safe: one per thread.
class BookletRenderer {
 public:
  // `form_pdfs` override the template's drawn stand-ins (an office's scans of
  // a real blank), by page kind; empty strings keep the stand-in.
  static Result<std::unique_ptr<BookletRenderer>> create(layout::Template tmpl,
                                                         std::string info_form_pdf = {},
                                                         std::string page5_form_pdf = {});

  const layout::Template& page_template() const { return template_; }

  // Both pages of one booklet, info page first. Plans both pages before
  // drawing either, so a refusal leaves nothing behind.
  Result<std::vector<RenderedPage>> render_booklet(const issuance::Issuance& issuance,
                                                   issuance::Holder holder,
                                                   const std::string& token,
                                                   const RenderOptions& options);

 private:
  BookletRenderer(layout::Template tmpl, std::unique_ptr<layout::TextEngine> text)
      : template_(std::move(tmpl)), text_(std::move(text)) {}
  layout::Template template_;
  std::unique_ptr<layout::TextEngine> text_;
  std::string info_form_pdf_;
  std::string page5_form_pdf_;
};

// The template file for a kind of certificate: DIR/marriage.json or DIR/divorce.json.
Result<layout::Template> load_template_for(const std::filesystem::path& templates_dir,
                                           issuance::Kind kind);

}  // namespace certprint::booklet
