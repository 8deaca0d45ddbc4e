// certprint: the command-line tool of clerks and technicians. Parses options
// into the daemon library's command structs and runs them; nothing else.
#include <boost/program_options.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "daemon/direct_print.hpp"
#include "daemon/offline.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;
using namespace certprint;

namespace {

constexpr const char* kUsage =
    "usage: certprint <command> [options]\n"
    "\n"
    "commands:\n"
    "  keygen   make a new QR signing key (the newest key signs, all verify)\n"
    "  render   render an issuance's pages offline: PDF and PNG preview per page\n"
    "  verify   say which booklet of an issuance a scanned token belongs to\n"
    "  print    print issuances through CUPS in the prescribed order (--direct: no daemon)\n"
    "\n"
    "Run 'certprint <command> --help' for the options of a command.\n";

// Shipped templates: $CERTPRINT_DATA_DIR/templates, else the installed copy,
// else the source tree's (for a build that was never installed).
fs::path default_templates_dir() {
  if (const char* env = std::getenv("CERTPRINT_DATA_DIR")) return fs::path(env) / "templates";
  const fs::path installed = fs::path(CERTPRINT_INSTALL_DATA_DIR) / "templates";
  if (fs::exists(installed / "marriage.json")) return installed;
  return fs::path(CERTPRINT_SOURCE_DATA_DIR) / "templates";
}

int fail(const std::string& message) {
  std::cerr << "certprint: " << message << "\n";
  return 2;
}

bool parse(const std::string& command, po::options_description& opts,
           po::positional_options_description& pos, const std::vector<std::string>& args,
           po::variables_map& vm, const char* synopsis) {
  opts.add_options()("help,h", "show this help");
  po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
  if (vm.count("help")) {
    std::cout << "usage: certprint " << command << " " << synopsis << "\n\n" << opts << "\n";
    return false;
  }
  po::notify(vm);
  return true;
}

int keygen(const std::vector<std::string>& args) {
  daemon::KeygenCommand cmd;
  std::string keys;
  po::options_description opts("keygen options");
  opts.add_options()("keys", po::value(&keys)->required(),
                     "key directory (created with mode 0700 when absent)");
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse("keygen", opts, pos, args, vm, "--keys DIR")) return 0;
  cmd.keys_dir = keys;
  if (auto s = daemon::run_keygen(cmd, token::system_random(), std::cout); !s)
    return fail(s.message());
  return 0;
}

int render(const std::vector<std::string>& args) {
  daemon::RenderCommand cmd;
  std::string issuance_file, out, keys, templates, calibration, holder, dpi = "180";
  std::string form_info, form_page5;
  po::options_description opts("render options");
  opts.add_options()("issuance", po::value(&issuance_file)->required(),
                     "issuance JSON file (positional)")("out", po::value(&out)->required(),
                                                        "output directory (created when absent)")(
      "keys", po::value(&keys)->required(), "key directory (see 'certprint keygen')")(
      "dpi", po::value(&dpi)->default_value("180"),
      "printer resolution: 180, 360x180, 300, 600 ...; QR modules are whole dots of it")(
      "band-rows", po::value(&cmd.band_rows)->default_value(0),
      "start the QR on a multiple of this many rows (24 for 24-pin printers)")(
      "calibration", po::value(&calibration), "printer calibration file (JSON)")(
      "holder", po::value(&holder), "render one booklet only: male or female")(
      "templates", po::value(&templates), "template directory (default: the shipped templates)")(
      "raster", po::bool_switch(&cmd.write_raster), "also write the device raster as PBM")(
      "preview-dpi", po::value(&cmd.preview_dpi)->default_value(150), "PNG preview resolution");
  po::positional_options_description pos;
  pos.add("issuance", 1);
  po::variables_map vm;
  if (!parse("render", opts, pos, args, vm, "ISSUANCE.json --out DIR --keys DIR [options]"))
    return 0;

  cmd.issuance_file = issuance_file;
  cmd.out_dir = out;
  cmd.keys_dir = keys;
  cmd.templates_dir = templates.empty() ? default_templates_dir() : fs::path(templates);
  if (!calibration.empty()) cmd.calibration_file = calibration;
  if (!form_info.empty()) cmd.info_form_pdf = form_info;
  if (!form_page5.empty()) cmd.page5_form_pdf = form_page5;
  if (!holder.empty()) {
    cmd.holder = issuance::holder_from_string(holder);
    if (!cmd.holder) return fail("--holder \"" + holder + "\": expected male or female");
  }
  auto res = daemon::parse_resolution(dpi);
  if (!res) return fail(res.error().message);
  cmd.res = *res;
  if (cmd.band_rows < 0) return fail("--band-rows must not be negative");
  if (cmd.preview_dpi < 30 || cmd.preview_dpi > 1200) return fail("--preview-dpi must be 30..1200");

  const issuance::ValidationOptions validation{issuance::today_local()};
  auto tokens = daemon::run_render(cmd, validation, token::system_random(), std::cout);
  if (!tokens) return fail(tokens.error().message);
  return 0;
}

int verify(const std::vector<std::string>& args) {
  daemon::VerifyCommand cmd;
  std::string issuance_file, keys;
  po::options_description opts("verify options");
  opts.add_options()("token", po::value(&cmd.token)->required(), "the scanned token (positional)")(
      "issuance", po::value(&issuance_file)->required(), "issuance JSON file")(
      "keys", po::value(&keys)->required(), "key directory");
  po::positional_options_description pos;
  pos.add("token", 1);
  po::variables_map vm;
  if (!parse("verify", opts, pos, args, vm, "TOKEN --issuance FILE --keys DIR")) return 0;
  cmd.issuance_file = issuance_file;
  cmd.keys_dir = keys;
  const issuance::ValidationOptions validation{issuance::today_local()};
  auto matched = daemon::run_verify(cmd, validation, std::cout);
  if (!matched) return fail(matched.error().message);
  return *matched ? 0 : 1;
}

int print(const std::vector<std::string>& args) {
  daemon::DirectPrintCommand cmd;
  std::vector<std::string> files;
  std::string keys, templates, calibration, holder, format = "pdf", dpi = "180";
  bool direct = false;
  double stall_s = 60, job_s = 180;
  po::options_description opts("print options");
  opts.add_options()(
      "issuance", po::value(&files)->required()->multitoken(),
      "issuance JSON file(s) (positional); several make a batch, printed in the order given")(
      "direct", po::bool_switch(&direct), "print from this process, without certprintd")(
      "printer", po::value(&cmd.printer.printer)->required(),
      "CUPS queue name, or an ipp:// URI of a printer (no cupsd)")(
      "cups-server", po::value(&cmd.printer.server), "cupsd as HOST:PORT (default: libcups's)")(
      "holder", po::value(&holder),
      "print one booklet only: male or female (default: one-click, male then female)")(
      "keys", po::value(&keys)->required(), "key directory (see 'certprint keygen')")(
      "format", po::value(&format)->default_value("pdf"),
      "pdf (PDF and IPP Everywhere printers) or raster (CUPS raster for the passbook driver)")(
      "dpi", po::value(&dpi)->default_value("180"),
      "the printer's resolution: 180, 360x180, 300, 600 ...")(
      "band-rows", po::value(&cmd.band_rows)->default_value(0), "24 for 24-pin printers")(
      "calibration", po::value(&calibration), "printer calibration file (JSON)")(
      "templates", po::value(&templates), "template directory (default: the shipped templates)")(
      "stall-timeout", po::value(&stall_s)->default_value(60),
      "seconds a page may wait on a held/stopped job or a printer needing attention before it "
      "fails")("job-timeout", po::value(&job_s)->default_value(180),
               "seconds one page may take in all");
  po::positional_options_description pos;
  pos.add("issuance", -1);
  po::variables_map vm;
  if (!parse("print", opts, pos, args, vm,
             "--direct ISSUANCE.json... --printer QUEUE --keys DIR [options]"))
    return 0;
  if (!direct) return fail("print: only --direct printing exists so far (certprintd comes later)");
  for (const auto& f : files) cmd.issuance_files.emplace_back(f);
  cmd.keys_dir = keys;
  cmd.templates_dir = templates.empty() ? default_templates_dir() : fs::path(templates);
  if (!calibration.empty()) cmd.calibration_file = calibration;
  if (holder == "male")
    cmd.mode = daemon::PrintMode::male_only;
  else if (holder == "female")
    cmd.mode = daemon::PrintMode::female_only;
  else if (!holder.empty())
    return fail("--holder \"" + holder + "\": expected male or female");
  if (format == "raster")
    cmd.format = daemon::DocumentFormat::cups_raster;
  else if (format != "pdf")
    return fail("--format \"" + format + "\": expected pdf or raster");
  auto res = daemon::parse_resolution(dpi);
  if (!res) return fail(res.error().message);
  cmd.res = *res;
  if (stall_s <= 0 || job_s <= 0) return fail("--stall-timeout and --job-timeout must be positive");
  cmd.sequencer.stall_timeout = std::chrono::milliseconds(static_cast<long>(stall_s * 1000));
  cmd.sequencer.job_timeout = std::chrono::milliseconds(static_cast<long>(job_s * 1000));

  const issuance::ValidationOptions validation{issuance::today_local()};
  auto result = daemon::run_direct_print(cmd, validation, token::system_random(), std::cout);
  if (!result) return fail(result.error().message);
  if (!result->ok()) {
    std::cerr << "certprint: printing stopped after " << result->completed
              << " page(s): " << result->reason << "\n";
    return 1;
  }
  std::cout << "printed " << result->completed << " page(s)\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (command == "keygen") return keygen(args);
    if (command == "render") return render(args);
    if (command == "verify") return verify(args);
    if (command == "print") return print(args);
    if (command == "--help" || command == "-h" || command == "help") {
      std::cout << kUsage;
      return 0;
    }
  } catch (const po::error& e) {
    return fail(command + ": " + e.what() + " (see 'certprint " + command + " --help')");
  }
  std::cerr << "certprint: unknown command \"" << command << "\"\n\n" << kUsage;
  return 2;
}
