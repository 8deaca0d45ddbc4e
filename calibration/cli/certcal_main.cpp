// certcal: the technician's calibration tool. Parses options into the
// calibration and client libraries' calls; nothing else.
#include <boost/program_options.hpp>

#include <cstdlib>
#include <filesystem>
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
    "  chart         render a calibration target offline (--page info|page5 --out FILE.pdf|png)\n"
    "  target        print a target on a printer, uncorrected (--printer Q --page info|page5)\n"
    "  fit           fit a correction from measured marks (--mark A=x,y ...; --save stores it)\n"
    "  verify        print the target with the current correction: marks should land on nominal\n"
    "  show          a printer's calibration profile and its earlier versions\n"
    "  rollback      put an earlier profile version back (--to N)\n"
    "  bidi-pattern  print the bidirectional alignment pattern (passbook printers)\n"
    "  bidi-align    apply the number whose bars met (--aligned K --printed-with VERSION)\n"
    "\n"
    "Positions are millimetres from the page's left and top paper edges. Commands that talk to\n"
    "certprintd take --url (or $CERTPRINT_URL) and --token-file (or $CERTPRINT_TOKEN), a "
    "technician's.\n";

fs::path default_templates_dir() {
  const fs::path installed = fs::path(CERTPRINT_INSTALL_DATA_DIR) / "templates";
  if (fs::exists(installed / "marriage.json")) return installed;
  return fs::path(CERTPRINT_SOURCE_DATA_DIR) / "templates";
}

// The words of a certcal command, as parsed.
struct Args {
  std::string printer, page, out_file, url, token_file, ca_file, templates;
  std::vector<std::string> marks;
  bool save = false, printed_corrected = false;
  int version = 0;
  int aligned = 0, printed_with = -1;
  double max_residual = 0.5;
  double max_offset = 6.0;
};

// Each command's synopsis and example.
struct Command {
  const char* name;
  const char* synopsis;
  const char* example;
};
constexpr Command kCommands[] = {
    {"chart", "--page info|page5 --out FILE.pdf|png",
     "certcal chart --page page5 --out target.pdf"},
    {"target", "--printer NAME --page info|page5", "certcal target --printer desk1 --page info"},
    {"fit", "--printer NAME --page info|page5 --mark LABEL=X,Y... [--save]",
     "certcal fit --printer desk1 --page info --mark A=23.4,11.8 --mark B=85.5,11.7 "
     "--mark C=23.3,118.3 --save"},
    {"verify", "--printer NAME --page info|page5", "certcal verify --printer desk1 --page info"},
    {"show", "--printer NAME", "certcal show --printer desk1"},
    {"rollback", "--printer NAME --to VERSION", "certcal rollback --printer desk1 --to 1"},
    {"bidi-pattern", "--printer NAME", "certcal bidi-pattern --printer desk1"},
    {"bidi-align", "--printer NAME --aligned K --printed-with VERSION",
     "certcal bidi-align --printer desk1 --aligned -3 --printed-with 4"},
};

const Command* find_command(const std::string& name) {
  for (const auto& c : kCommands)
    if (name == c.name) return &c;
  return nullptr;
}

// The options of `command` only.
po::options_description describe(const std::string& command, Args& a) {
  po::options_description opts("certcal " + command + " options");
  opts.add_options()("help,h", "show this help");
  const bool offline = command == "chart";
  if (!offline)
    opts.add_options()("printer", po::value(&a.printer), "printer name, as certprintd knows it");
  const bool bidi = command == "bidi-pattern" || command == "bidi-align";
  if (command != "show" && command != "rollback" && !bidi)
    opts.add_options()("page", po::value(&a.page), "info or page5");
  if (command == "bidi-align")
    opts.add_options()("aligned", po::value(&a.aligned)->required(),
                       "the number (-8..8) under the two bars that make one straight line")(
        "printed-with", po::value(&a.printed_with)->required(),
        "the profile version the pattern was printed with (bidi-pattern says it)");
  if (offline) opts.add_options()("out", po::value(&a.out_file), "output file (.pdf or .png)");
  if (command == "fit")
    opts.add_options()("mark", po::value(&a.marks)->composing(),
                       "LABEL=X,Y where the mark landed, in mm from the left and top paper "
                       "edges (repeat)")(
        "printed-with-correction", po::bool_switch(&a.printed_corrected),
        "the measured target was printed with the current correction (certcal verify)")(
        "max-residual-mm", po::value(&a.max_residual)->default_value(0.5),
        "refuse a mark the fit misses by more")(
        "max-offset-mm", po::value(&a.max_offset)->default_value(6.0),
        "refuse a mark that landed farther than this from where it was drawn")(
        "save", po::bool_switch(&a.save), "store the correction as the printer's next version");
  if (command == "rollback")
    opts.add_options()("to", po::value(&a.version), "the version to put back");
  if (!offline) {
    const char* env_url = std::getenv("CERTPRINT_URL");
    opts.add_options()(
        "url", po::value(&a.url)->default_value(env_url ? env_url : "http://127.0.0.1:8631"),
        "certprintd's API (or $CERTPRINT_URL)")(
        "token-file", po::value(&a.token_file),
        "file holding a technician's API token (or $CERTPRINT_TOKEN)")(
        "ca-file", po::value(&a.ca_file),
        "https: the CA certificate(s), PEM, the daemon's certificate must chain to (or "
        "$CERTPRINT_CA_FILE; default: the system's)");
  }
  if (offline || command == "fit")
    opts.add_options()("templates", po::value(&a.templates),
                       "template directory (default: the installed templates)");
  return opts;
}

int fit(const client::ClientConfig& d, const fs::path& templates_dir, const Args& a) {
  std::vector<calibration::Measurement> measured;
  for (const auto& m : a.marks) {
    auto parsed = calibration::parse_mark(m);
    if (!parsed) return std::cerr << "certcal: " << parsed.error().message << "\n", 2;
    measured.push_back(*parsed);
  }
  calibration::FitLimits limits;
  limits.max_residual_mm = a.max_residual;
  limits.max_offset_mm = a.max_offset;
  return client::fit_and_save(d, templates_dir, a.printer, a.page, measured, a.printed_corrected,
                              a.save, limits, std::cout, std::cerr);
}

// The commands that talk to certprintd.
int daemon_command(const std::string& command, const fs::path& templates_dir, const Args& a) {
  client::ClientConfig d;
  d.url = a.url;
  // $CERTPRINT_CA_FILE serves https URLs; --ca-file is checked whatever the URL.
  const char* env_ca = std::getenv("CERTPRINT_CA_FILE");
  const bool https = a.url.rfind("https://", 0) == 0;
  d.ca_file = !a.ca_file.empty() ? a.ca_file : env_ca && https ? env_ca : "";
  auto token = client::find_token(a.token_file, std::getenv("CERTPRINT_TOKEN"));
  if (!token) return std::cerr << "certcal: " << token.error().message << "\n", 2;
  d.token = *token;
  if (a.printer.empty()) return std::cerr << "certcal: " << command << " needs --printer\n", 2;
  const bool needs_page = command == "target" || command == "verify" || command == "fit";
  if (needs_page && a.page != "info" && a.page != "page5")
    return std::cerr << "certcal: --page \"" << a.page << "\": expected info or page5\n", 2;
  if (command == "target" || command == "verify")
    return client::target(d, a.printer, a.page, command == "verify", std::cout, std::cerr);
  if (command == "fit") return fit(d, templates_dir, a);
  if (command == "show") return client::show(d, a.printer, std::cout, std::cerr);
  if (command == "bidi-pattern") return client::bidi_pattern(d, a.printer, std::cout, std::cerr);
  if (command == "bidi-align")
    return client::bidi_align(d, a.printer, a.aligned, a.printed_with, std::cout, std::cerr);
  if (command == "rollback") {
    if (a.version <= 0) return std::cerr << "certcal: rollback needs --to VERSION\n", 2;
    return client::rollback(d, a.printer, a.version, std::cout, std::cerr);
  }
  std::cerr << "certcal: unknown command \"" << command << "\"\n\n" << kUsage;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  const Command* known = find_command(command);
  if (!known) {
    std::cerr << "certcal: unknown command \"" << command << "\"\n\n" << kUsage;
    return 2;
  }
  Args a;
  po::options_description opts = describe(command, a);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(std::vector<std::string>(argv + 2, argv + argc))
                  .options(opts)
                  .run(),
              vm);
    if (vm.count("help")) {
      std::cout << "usage: certcal " << command << " " << known->synopsis << "\n\n"
                << opts << "\nexample:\n  " << known->example << "\n";
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "certcal: " << e.what() << "\n";
    return 2;
  }
  const fs::path templates_dir =
      a.templates.empty() ? default_templates_dir() : fs::path(a.templates);
  if (command == "chart") {
    if (a.out_file.empty()) return std::cerr << "certcal: chart needs --out FILE.pdf|png\n", 2;
    return client::chart(templates_dir, a.page, a.out_file, std::cout, std::cerr);
  }
  return daemon_command(command, templates_dir, a);
}
