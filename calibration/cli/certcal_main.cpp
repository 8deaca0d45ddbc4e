// certcal: the technician's calibration tool. Parses options into the
// calibration and client libraries' calls; nothing else.
#include <boost/program_options.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "calibration/fit.hpp"
#include "daemon/client/technician_commands.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;
using namespace certprint;

namespace {

constexpr const char* kUsage =
    "usage: certcal <command> [options]\n"
    "\n"
    "  chart    render a calibration target offline (--page info|page5 --out FILE.pdf|png)\n"
    "  target   print a target on a printer, uncorrected (--printer Q --page info|page5)\n"
    "  fit      fit a correction from measured marks (--mark A=x,y ...; --save stores it)\n"
    "  verify   print the target with the current correction: marks should land on nominal\n"
    "  show     a printer's calibration profile and its earlier versions\n"
    "  rollback put an earlier profile version back (--to N)\n"
    "\n"
    "Positions are millimetres from the page's left and top paper edges. Commands that talk to\n"
    "certprintd take --url (or $CERTPRINT_URL) and --token-file (or $CERTPRINT_TOKEN), a "
    "technician's.\n";

fs::path default_templates_dir() {
  const fs::path installed = fs::path(CERTPRINT_INSTALL_DATA_DIR) / "templates";
  if (fs::exists(installed / "marriage.json")) return installed;
  return fs::path(CERTPRINT_SOURCE_DATA_DIR) / "templates";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  std::string printer, page, out_file, url, token_file, templates;
  std::vector<std::string> marks;
  bool save = false, printed_corrected = false;
  int version = 0;
  double max_residual = 0.5;
  const char* env_url = std::getenv("CERTPRINT_URL");
  po::options_description opts("certcal " + command + " options");
  opts.add_options()("help,h", "show this help")("printer", po::value(&printer),
                                                 "printer name, as certprintd knows it")(
      "page", po::value(&page), "info or page5")("out", po::value(&out_file),
                                                 "chart: output file (.pdf or .png)")(
      "mark", po::value(&marks)->composing(),
      "fit: LABEL=X,Y where the mark landed, in mm (repeat)")(
      "printed-with-correction", po::bool_switch(&printed_corrected),
      "fit: the measured target was printed with the current correction (certcal verify)")(
      "max-residual-mm", po::value(&max_residual)->default_value(0.5),
      "fit: refuse a mark the fit misses by more")(
      "save", po::bool_switch(&save),
      "fit: store the correction as the printer's next profile version")(
      "to", po::value(&version), "rollback: the version to put back")(
      "url", po::value(&url)->default_value(env_url ? env_url : "http://127.0.0.1:8631"),
      "certprintd's API")("token-file", po::value(&token_file),
                          "file holding a technician's API token (or $CERTPRINT_TOKEN)")(
      "templates", po::value(&templates), "template directory (default: the installed templates)");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(std::vector<std::string>(argv + 2, argv + argc))
                  .options(opts)
                  .run(),
              vm);
    if (vm.count("help")) {
      std::cout << kUsage << "\n" << opts << "\n";
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "certcal: " << e.what() << "\n";
    return 2;
  }
  const fs::path templates_dir = templates.empty() ? default_templates_dir() : fs::path(templates);
  if (command == "chart") {
    if (out_file.empty()) return std::cerr << "certcal: chart needs --out FILE.pdf|png\n", 2;
    return client::chart(templates_dir, page, out_file, std::cout, std::cerr);
  }
  client::ClientConfig d;
  d.url = url;
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    std::getline(in, d.token);
  } else if (const char* t = std::getenv("CERTPRINT_TOKEN")) {
    d.token = t;
  }
  if (d.token.empty()) return std::cerr << "certcal: give --token-file or set CERTPRINT_TOKEN\n", 2;
  if (printer.empty()) return std::cerr << "certcal: " << command << " needs --printer\n", 2;
  const bool needs_page = command == "target" || command == "verify" || command == "fit";
  if (needs_page && page != "info" && page != "page5")
    return std::cerr << "certcal: --page \"" << page << "\": expected info or page5\n", 2;
  if (command == "target" || command == "verify")
    return client::target(d, printer, page, command == "verify", std::cout, std::cerr);
  if (command == "fit") {
    std::vector<calibration::Measurement> measured;
    for (const auto& m : marks) {
      auto parsed = calibration::parse_mark(m);
      if (!parsed) return std::cerr << "certcal: " << parsed.error().message << "\n", 2;
      measured.push_back(*parsed);
    }
    calibration::FitLimits limits;
    limits.max_residual_mm = max_residual;
    return client::fit_and_save(d, templates_dir, printer, page, measured, printed_corrected,
                                     save, limits, std::cout, std::cerr);
  }
  if (command == "show") return client::show(d, printer, std::cout, std::cerr);
  if (command == "rollback") {
    if (version <= 0) return std::cerr << "certcal: rollback needs --to VERSION\n", 2;
    return client::rollback(d, printer, version, std::cout, std::cerr);
  }
  std::cerr << "certcal: unknown command \"" << command << "\"\n\n" << kUsage;
  return 2;
}
