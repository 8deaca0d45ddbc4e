#include "daemon/service/printer_check.hpp"

#include <algorithm>
#include <array>
#include <set>
#include <sstream>

#include "daemon/booklet/renderer.hpp"

namespace certprint::service {

using printing::cups::FilterProbe;
using printing::cups::QueueProbe;

namespace {

constexpr std::string_view kCupsRaster = "application/vnd.cups-raster";

bool has(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

bool any_reason(const QueueProbe& q, std::string_view prefix) {
  return std::any_of(q.status.reasons.begin(), q.status.reasons.end(),
                     [&](const std::string& r) { return r.starts_with(prefix); });
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : std::string(sep)) + i;
  return out;
}

void problem(PrinterCheck& row, std::string what) {
  row.ok = false;
  row.todo.push_back(std::move(what));
}

// What stops the queue taking or printing jobs.
void judge_state(const engine::PrinterConfig& p, const QueueProbe& q, PrinterCheck& row) {
  const std::string& name = p.cups.printer;
  row.accepting = q.status.accepting_jobs ? "yes" : "no";
  if (!q.status.accepting_jobs) problem(row, "the queue rejects jobs: cupsaccept " + name);
  if (q.status.state == "stopped") {
    row.accepting += " (paused)";
    problem(row, "the queue is paused" +
                     (q.status.message.empty() ? "" : " (\"" + q.status.message + "\")") +
                     ": cupsenable " + name);
  }
  // The printer's own conditions; cupsd's cups-* reasons are judged with the filters.
  printing::PrinterStatus own;
  for (const auto& r : q.status.reasons)
    if (!r.starts_with("cups-") && !r.starts_with("paused")) own.reasons.push_back(r);
  if (own.needs_attention()) {
    row.accepting += " (" + join(own.reasons, ", ") + ")";
    problem(row, "the printer needs a person: " + join(own.reasons, ", ") + " (lpstat -l -p " +
                     name + ")");
  }
}

// The driver's filters: installed, executable, accepted by cupsd; and jobs
// a failing filter or backend left stopped.
void judge_filters(const engine::PrinterConfig& p, const QueueProbe& q, PrinterCheck& row) {
  std::vector<std::string> programs, missing, not_executable;
  for (const auto& f : q.filters) {
    if (f.program == "-" || has(programs, f.program)) continue;
    programs.push_back(f.program);
    if (f.file == FilterProbe::File::missing) missing.push_back(f.program);
    if (f.file == FilterProbe::File::not_executable) not_executable.push_back(f.program);
  }
  const std::string cupsd_says =
      q.status.message.empty() ? "" : " (cupsd says: " + q.status.message + ")";
  if (!q.has_ppd)
    row.filter = q.by_uri ? "n/a (IPP printer)" : "none (raw queue)";
  else if (q.filters.empty())
    row.filter = "none named (PostScript driver)";
  else if (programs.empty())
    row.filter = "none needed";
  else
    row.filter = "installed: " + join(programs, ", ");
  if (!missing.empty() || any_reason(q, "cups-missing-filter")) {
    row.filter = "missing: " + (missing.empty() ? std::string("see cupsd") : join(missing, ", "));
    problem(row, "the driver's filter is missing" + cupsd_says +
                     ": install it (root's, mode 0755; cmake --install puts certprint's "
                     "rastertopassbook in lib/cups/filter) or give the queue the right driver");
  } else if (!not_executable.empty()) {
    row.filter = "not executable: " + join(not_executable, ", ");
    problem(row, "the driver's filter is not executable: chmod 0755 " + join(not_executable, " "));
  } else if (any_reason(q, "cups-insecure-filter")) {
    row.filter = "refused as insecure";
    problem(row, "cupsd will not run the filter" + cupsd_says +
                     ": make it root's and not writable by group or others "
                     "(chown root:root, chmod 0755)");
  }
  if (q.stopped_jobs > 0) {
    row.filter += ", " + std::to_string(q.stopped_jobs) + " job(s) stopped";
    problem(row, std::to_string(q.stopped_jobs) + " job(s) stopped on the queue" + cupsd_says +
                     ": a filter or the backend failed; read cupsd's error_log, fix it, then "
                     "cancel them (cancel -a " +
                     p.cups.printer + ")");
  }
}

// Whether the driver (or the printer) takes certprint's format as it is.
std::string format_problem(const engine::PrinterConfig& p, const QueueProbe& q) {
  const std::string mime(printing::mime_type(p.format));
  const bool raster = p.format == printing::DocumentFormat::cups_raster;
  if (!q.has_ppd) {
    if (q.formats.empty() || has(q.formats, mime)) return "";
    return "the printer does not take " + mime + " (it takes " + join(q.formats, ", ") +
           "): set format=" + (raster ? "pdf" : "raster");
  }
  std::vector<std::string> takes;
  for (const auto& f : q.filters)
    if (!has(takes, f.source_type)) takes.push_back(f.source_type);
  const bool takes_raster = has(takes, kCupsRaster);
  const bool takes_vector = takes.empty() || std::any_of(takes.begin(), takes.end(), [](auto& t) {
                              return t == "application/pdf" || t == "application/vnd.cups-pdf" ||
                                     t == "application/postscript" ||
                                     t == "application/vnd.cups-postscript";
                            });
  if (raster && !takes_raster)
    return "the driver takes " + (takes.empty() ? "PostScript" : join(takes, ", ")) +
           ", not CUPS raster: cupsd would convert certprint's raster; set format=pdf";
  if (!raster && takes_raster && !takes_vector)
    return "the driver takes CUPS raster: cupsd would rasterise the PDF with its own filters, "
           "off certprint's dot grid; set format=raster";
  return "";
}

void judge_format(const engine::PrinterConfig& p, const QueueProbe& q, PrinterCheck& row) {
  const std::string format = p.format == printing::DocumentFormat::pdf ? "pdf" : "raster";
  row.format = format + " " + p.res.describe();
  bool ok = true;
  if (std::string why = format_problem(p, q); !why.empty()) ok = false, problem(row, why);
  if (!q.resolutions.empty() &&
      std::none_of(q.resolutions.begin(), q.resolutions.end(), [&](const layout::Resolution& r) {
        return r.x_dpi == p.res.x_dpi && r.y_dpi == p.res.y_dpi;
      })) {
    std::vector<std::string> listed;
    for (const auto& r : q.resolutions) listed.push_back(r.describe());
    ok = false;
    problem(row, "the queue lists " + join(listed, ", ") + "; certprintd renders at " +
                     p.res.describe() + ": set dpi= to one of them");
  }
  row.format += ok ? ": ok" : ": mismatch";
}

}  // namespace

PrinterCheck judge_printer(const engine::PrinterConfig& p, const Result<QueueProbe>& probe) {
  PrinterCheck row;
  row.printer = p.name;
  const bool by_uri = p.cups.printer.find("://") != std::string::npos;
  const std::string server = probe && !probe->server.empty() ? probe->server
                             : p.cups.server.empty()         ? "default cupsd"
                                                             : p.cups.server;
  row.queue = by_uri ? p.cups.printer : p.cups.printer + "@" + server;
  row.accepting = row.filter = row.format = "-";
  if (!probe) {
    row.reachable = "no";
    problem(row, probe.error().message +
                     (by_uri ? ": check that the printer is on and the URI is right"
                             : ": start cupsd there, or correct server= of --printer or "
                               "--cups-server"));
    return row;
  }
  row.reachable = "yes";
  const QueueProbe& q = *probe;
  if (!q.exists) {
    problem(row, by_uri ? "the printer does not know " + p.cups.printer + ": correct the URI"
                        : "no queue \"" + p.cups.printer + "\" on cupsd at " + server +
                              ": create it (lpadmin -p " + p.cups.printer +
                              " -E -v DEVICE-URI -P PPD) or correct --printer");
    return row;
  }
  judge_state(p, q, row);
  judge_filters(p, q, row);
  judge_format(p, q, row);
  if (q.page_media == false)
    row.todo.push_back(
        "note: lists no booklet-sized media; pages go unscaled onto the media loaded: "
        "calibrate with it");
  return row;
}

std::vector<PrinterCheck> probe_printers(const DaemonConfig& config) {
  double width_mm = 0, height_mm = 0;
  if (auto t = booklet::load_template_for(config.templates_dir, issuance::Kind::marriage)) {
    width_mm = t->info.width_mm;
    height_mm = t->info.height_mm;
  }
  std::vector<PrinterCheck> rows;
  for (const auto& p : config.printers)
    rows.push_back(judge_printer(p, printing::cups::probe_queue(p.cups, width_mm, height_mm)));
  return rows;
}

std::string format_check_table(const std::vector<PrinterCheck>& rows) {
  using Cells = std::array<std::string, 8>;
  std::vector<Cells> table{{"PRINTER", "STATUS", "QUEUE", "REACHABLE", "ACCEPTING", "FILTER",
                            "FORMAT/DPI", "WHAT TO DO"}};
  int problems = 0;
  for (const auto& r : rows) {
    problems += r.ok ? 0 : 1;
    table.push_back({r.printer, r.ok ? "ok" : "PROBLEM", r.queue, r.reachable, r.accepting,
                     r.filter, r.format, r.todo.empty() ? "-" : join(r.todo, "; ")});
  }
  std::array<std::size_t, 8> width{};
  for (const auto& cells : table)
    for (std::size_t i = 0; i < cells.size(); ++i) width[i] = std::max(width[i], cells[i].size());
  std::ostringstream out;
  for (const auto& cells : table) {
    for (std::size_t i = 0; i + 1 < cells.size(); ++i)
      out << cells[i] << std::string(width[i] - cells[i].size() + 2, ' ');
    out << cells.back() << "\n";
  }
  if (rows.empty())
    out << "no printer is configured: add --printer NAME=QUEUE (certprintd --help)\n";
  else if (problems == 0)
    out << rows.size() << " printer(s), all ready\n";
  else
    out << rows.size() << " printer(s), " << problems << " with a problem: see WHAT TO DO\n";
  return out.str();
}

}  // namespace certprint::service
