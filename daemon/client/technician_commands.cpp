#include "daemon/client/technician_commands.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "calibration/target.hpp"
#include "layout/calibration.hpp"

namespace certprint::client {

using namespace calibration;
namespace {

using nlohmann::json;

int failed(const Answer& a, std::ostream& err) {
  err << "certcal: " << a.error_message() << "\n";
  return a.status == 0 || a.status == 401 || a.status == 403 ? 2 : 1;
}

std::string fixed(double v, int digits = 3) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

Result<layout::Template> marriage_template(const std::filesystem::path& dir) {
  return layout::load_template(dir / "marriage.json");
}

// The profile in force for a printer (identity pages when none).
Result<layout::Calibration> current_profile(const ClientConfig& d, const std::string& printer) {
  const Answer a = ApiClient(d).get("/v1/printers/" + printer + "/calibration");
  if (a.status != 200) return Error{a.error_message()};
  if (a.body["current"].is_null()) return layout::Calibration{printer, {}, {}};
  return layout::parse_calibration(a.body["current"]["profile"].dump(), "current profile");
}

}  // namespace

int chart(const std::filesystem::path& templates_dir, const std::string& page,
          const std::filesystem::path& out_file, std::ostream& out, std::ostream& err) {
  if (page != "info" && page != "page5") {
    err << "certcal: --page \"" << page << "\": expected info or page5\n";
    return 2;
  }
  auto t = marriage_template(templates_dir);
  if (!t) {
    err << "certcal: " << t.error().message << "\n";
    return 2;
  }
  auto text = layout::TextEngine::create(t->font_family);
  if (!text) {
    err << "certcal: " << text.error().message << "\n";
    return 2;
  }
  const auto& pt = page == "info" ? t->info : t->page5;
  const auto marks = target_marks(pt);
  const std::string ext = out_file.extension().string();
  Result<std::string> bytes = ext == ".png" ? render_target_png(**text, pt, marks, 150)
                              : ext == ".pdf"
                                  ? render_target_pdf(**text, pt, marks, layout::Affine::identity())
                                  : Result<std::string>(Error{"--out should end in .pdf or .png"});
  if (!bytes) {
    err << "certcal: " << bytes.error().message << "\n";
    return 2;
  }
  std::ofstream(out_file, std::ios::binary) << *bytes;
  out << "wrote " << out_file.string() << "; marks (mm from the left and top paper edges):\n";
  for (const auto& m : marks)
    out << "  " << m.label << "  x " << fixed(m.nominal.x_mm, 1) << "  y "
        << fixed(m.nominal.y_mm, 1) << "\n";
  return 0;
}

int target(const ClientConfig& d, const std::string& printer, const std::string& page,
           bool corrected, std::ostream& out, std::ostream& err) {
  const Answer a = ApiClient(d).post("/v1/printers/" + printer + "/calibration/target",
                                     json{{"page", page}, {"corrected", corrected}}.dump());
  if (a.status != 200) return failed(a, err);
  out << (corrected ? "verification" : "calibration") << " target for " << page << " printed on "
      << printer << " (CUPS job " << a.body["cups_job_id"]
      << "). Measure each mark from the left and top paper edges:\n";
  for (const auto& m : a.body["marks"])
    out << "  " << m.value("label", "") << "  nominal x " << fixed(m.value("x_mm", 0.0), 1)
        << "  y " << fixed(m.value("y_mm", 0.0), 1) << "\n";
  if (!corrected)
    out << "then: certcal fit --printer " << printer << " --page " << page
        << " --mark A=x,y --mark B=x,y ...\n";
  return 0;
}

int bidi_pattern(const ClientConfig& d, const std::string& printer, std::ostream& out,
                 std::ostream& err) {
  const Answer a = ApiClient(d).post("/v1/printers/" + printer + "/calibration/bidi-pattern", "{}");
  if (a.status != 200) return failed(a, err);
  const int version = a.body.value("profile_version", 0);
  out << "bidirectional alignment pattern printed on " << printer << " (CUPS job "
      << a.body["cups_job_id"] << ") with offset " << a.body.value("bidi_offset", 0)
      << "/360 in, profile version " << version << ".\n"
      << "Under each number a bar printed left to right sits over one printed right to left.\n"
      << "Find the number whose two bars make one straight line, then:\n"
      << "  certcal bidi-align --printer " << printer << " --aligned NUMBER --printed-with "
      << version << "\n"
      << "and print the pattern again: the bars at 0 should meet. If none meet, give the\n"
      << "number at the end where the bars come closest, and print it again.\n";
  return 0;
}

int bidi_align(const ClientConfig& d, const std::string& printer, int aligned, int printed_with,
               std::ostream& out, std::ostream& err) {
  const Answer a =
      ApiClient(d).post("/v1/printers/" + printer + "/calibration/bidi",
                        json{{"aligned", aligned}, {"printed_with_version", printed_with}}.dump());
  if (a.status != 200) return failed(a, err);
  if (!a.body.value("changed", false)) {
    out << printer << ": the bars at 0 meet; the offset stays " << a.body.value("bidi_offset", 0)
        << "/360 in\n";
    return 0;
  }
  out << printer << ": bidirectional offset now " << a.body.value("bidi_offset", 0)
      << "/360 in (profile version " << a.body["version"]
      << "). Print the pattern again to check: certcal bidi-pattern --printer " << printer << "\n";
  return 0;
}

int fit_and_save(const ClientConfig& d, const std::filesystem::path& templates_dir,
                 const std::string& printer, const std::string& page,
                 const std::vector<Measurement>& measured, bool printed_corrected, bool save,
                 const FitLimits& limits, std::ostream& out, std::ostream& err) {
  auto t = marriage_template(templates_dir);
  if (!t) return err << "certcal: " << t.error().message << "\n", 2;
  const auto& pt = page == "info" ? t->info : t->page5;
  auto current = current_profile(d, printer);
  if (!current) return err << "certcal: " << current.error().message << "\n", 2;
  const layout::Affine drawn_with =
      printed_corrected ? current->for_page(page) : layout::Affine::identity();
  auto f = fit(target_marks(pt), measured, drawn_with, limits);
  if (!f) return err << "certcal: refused: " << f.error().message << "\n", 1;

  const auto& c = f->correction;
  out << "fit (" << f->model << ") from " << measured.size() << " mark(s):\n"
      << "  correction: x' = " << fixed(c.xx, 5) << "·x + " << fixed(c.xy, 5) << "·y + "
      << fixed(c.x0) << " mm\n"
      << "              y' = " << fixed(c.yx, 5) << "·x + " << fixed(c.yy, 5) << "·y + "
      << fixed(c.y0) << " mm\n";
  for (const auto& e : f->residuals)
    out << "  mark " << e.label << " residual " << fixed(e.mm) << " mm\n";

  // Both pages: a field or the QR drawn off the page is clipped, and page
  // 5's QR must stay in its zone at the printer's own resolution.
  const Answer printers = ApiClient(d).get("/v1/printers");
  if (printers.status != 200) return failed(printers, err);
  for (const auto& p : printers.body["printers"]) {
    if (p.value("name", "") != printer) continue;
    const layout::Resolution res{p.value("x_dpi", 180), p.value("y_dpi", 180)};
    if (auto s = check_correction(pt, c, res); !s)
      return err << "certcal: refused: " << s.message() << "\n", 1;
  }
  if (!save) {
    out << "not saved (add --save to store it as the printer's next profile version)\n";
    return 0;
  }
  layout::Calibration next = *current;
  next.printer = printer;
  (page == "info" ? next.info : next.page5) = c;
  const Answer a =
      ApiClient(d).put("/v1/printers/" + printer + "/calibration", layout::to_json(next));
  if (a.status != 200) return failed(a, err);
  out << "saved as version " << a.body["version"] << " of " << printer
      << "'s profile; print 'certcal verify' to check, 'certcal rollback' to undo\n";
  return 0;
}

int show(const ClientConfig& d, const std::string& printer, std::ostream& out, std::ostream& err) {
  const Answer a = ApiClient(d).get("/v1/printers/" + printer + "/calibration");
  if (a.status != 200) return failed(a, err);
  if (a.body["versions"].empty()) {
    out << printer << ": not calibrated (no correction applied)\n";
    return 0;
  }
  for (const auto& v : a.body["versions"]) {
    out << (v == a.body["current"] ? "* " : "  ") << "version " << v["version"] << " by "
        << v.value("set_by", "") << " at " << v.value("set_at_ms", 0L) << " ms\n";
    for (const char* page : {"info", "page5"}) {
      const auto& m = v["profile"]["pages"][page]["matrix"];
      if (m.is_array() && m.size() == 6)
        out << "    " << page << ": offset " << fixed(m[4].get<double>()) << ", "
            << fixed(m[5].get<double>()) << " mm, scale " << fixed(m[0].get<double>(), 4) << " x "
            << fixed(m[3].get<double>(), 4) << "\n";
    }
    const auto& bidi = v["profile"].value("bidirectional", nlohmann::json::object());
    if (bidi.contains("offset_360"))
      out << "    bidirectional: right-to-left passes moved " << bidi["offset_360"]
          << "/360 in\n";
  }
  return 0;
}

int rollback(const ClientConfig& d, const std::string& printer, int version, std::ostream& out,
             std::ostream& err) {
  const Answer a = ApiClient(d).get("/v1/printers/" + printer + "/calibration");
  if (a.status != 200) return failed(a, err);
  for (const auto& v : a.body["versions"])
    if (v["version"] == version) {
      const Answer put =
          ApiClient(d).put("/v1/printers/" + printer + "/calibration", v["profile"].dump());
      if (put.status != 200) return failed(put, err);
      out << printer << ": version " << version << "'s profile is back in force as version "
          << put.body["version"] << "\n";
      return 0;
    }
  err << "certcal: " << printer << " has no profile version " << version << "\n";
  return 1;
}

}  // namespace certprint::client
