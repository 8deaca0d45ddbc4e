// certprint: the command-line tool of clerks and technicians. Parses options
// into the offline and client libraries' command structs and runs them; nothing else.
#include <unistd.h>

#include <boost/program_options.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/client/clerk_commands.hpp"
#include "daemon/client/stock_commands.hpp"
#include "daemon/offline/direct_print.hpp"
#include "daemon/offline/offline.hpp"

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
    "  print    print an issuance (or, with --direct, files) in the prescribed order\n"
    "\n"
    "commands that talk to certprintd (--url, --token-file or $CERTPRINT_TOKEN, --json):\n"
    "  submit   submit issuance files as the registry would\n"
    "  print    print one issuance: one-click, or --holder male|female\n"
    "  batch    print several issuances, one-click each, in order, with a progress bar\n"
    "  status   an issuance's booklets and events\n"
    "  confirm  confirm that a printed booklet came out right\n"
    "  void     void a spoiled booklet and give the new blank's stock serial\n"
    "  printers the configured printers and their state\n"
    "  release  free a printer held by a cancel that did not get through\n"
    "  verify   (without --issuance) check a scanned token with the daemon\n"
    "  preview  download an issuance's page previews (PNG)\n"
    "  stock    record blanks received, returned or destroyed (technician)\n"
    "  reconcile the blank-stock reconciliation of some days, as CSV and PDF (technician)\n"
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

// Parses a command's options; false when only --help was asked for (then
// printed). `hidden` holds options that take the positional words.
// Examples shown under each command's options.
const char* example(const std::string& command) {
  static const std::map<std::string, const char*> kExamples = {
      {"keygen", "  certprint keygen --keys /etc/certprint/keys"},
      {"render",
       "  certprint render samples/marriage.json --out out/ --keys /etc/certprint/keys "
       "--dpi 360x180"},
      {"verify",
       "  certprint verify 'CP:...' --issuance samples/marriage.json --keys /etc/certprint/keys\n"
       "  certprint verify 'CP:...' --token-file verifier.token     (asks certprintd)"},
      {"print",
       "  certprint print 440106-20260512-0001 --printer desk1 --token-file clerk.token\n"
       "  certprint print --direct samples/marriage.json --printer QUEUE --keys "
       "/etc/certprint/keys"},
      {"submit", "  certprint submit samples/marriage.json --token-file registry.token"},
      {"batch",
       "  certprint batch 440106-20260512-0001 440106-20260903-0007 --printer desk1 "
       "--token-file clerk.token"},
      {"status", "  certprint status 440106-20260512-0001 --token-file clerk.token"},
      {"confirm",
       "  certprint confirm 440106-20260512-0001 --holder male --token-file clerk.token"},
      {"void",
       "  certprint void 440106-20260512-0001 --holder female --reason 'ink smudged' "
       "--new-stock-serial 4400269001 --token-file clerk.token"},
      {"printers", "  certprint printers --token-file clerk.token"},
      {"stock",
       "  certprint stock received 4400260101 4400260600 --reference 'delivery note 2026-117' "
       "--token-file technician.token"},
      {"reconcile",
       "  certprint reconcile --from 2026-11-01 --to 2026-11-30 --csv november.csv "
       "--pdf november.pdf --token-file technician.token"},
      {"release", "  certprint release --printer desk1 --token-file clerk.token"},
      {"preview",
       "  certprint preview 440106-20260512-0001 --holder male --out previews/ "
       "--token-file clerk.token"},
  };
  auto it = kExamples.find(command);
  return it == kExamples.end() ? "" : it->second;
}

bool parse(const std::string& command, po::options_description& opts,
           po::positional_options_description& pos, const std::vector<std::string>& args,
           po::variables_map& vm, const char* synopsis,
           const po::options_description* hidden = nullptr) {
  opts.add_options()("help,h", "show this help");
  po::options_description all;
  all.add(opts);
  if (hidden) all.add(*hidden);
  po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
  if (vm.count("help")) {
    std::cout << "usage: certprint " << command << " " << synopsis << "\n\n"
              << opts << "\nexample:\n"
              << example(command) << "\n";
    return false;
  }
  po::notify(vm);
  return true;
}

// Options every daemon command takes; fills `c` after parsing.
struct ClientOptions {
  std::string url, token_file, ca_file;
  bool json = false;
  void add(po::options_description& opts) {
    const char* env_url = std::getenv("CERTPRINT_URL");
    opts.add_options()("url",
                       po::value(&url)->default_value(env_url ? env_url : "http://127.0.0.1:8631"),
                       "certprintd's API (or $CERTPRINT_URL)")(
        "token-file", po::value(&token_file), "file holding your API token (or $CERTPRINT_TOKEN)")(
        "ca-file", po::value(&ca_file),
        "https: the CA certificate(s), PEM, the daemon's certificate must chain to (or "
        "$CERTPRINT_CA_FILE; default: the system's)")("json", po::bool_switch(&json),
                                                      "print the daemon's JSON instead of tables");
  }
  std::optional<client::ClientConfig> config() const {
    client::ClientConfig c;
    c.url = url;
    c.json = json;
    // $CERTPRINT_CA_FILE serves https URLs; --ca-file is checked whatever the URL.
    const char* env_ca = std::getenv("CERTPRINT_CA_FILE");
    const bool https = url.rfind("https://", 0) == 0;
    c.ca_file = !ca_file.empty() ? ca_file : env_ca && https ? env_ca : "";
    auto token = client::find_token(token_file, std::getenv("CERTPRINT_TOKEN"));
    if (!token) {
      std::cerr << "certprint: " << token.error().message << "\n";
      return std::nullopt;
    }
    c.token = *token;
    return c;
  }
};

// The words of a daemon command, as parsed.
struct DaemonArgs {
  std::vector<std::string> positional;
  std::string printer, holder, reason, serial, out = ".";
  bool no_wait = false, blank_damaged = false, yes = false;
};

// Adds the options of `command` to `opts`; returns its synopsis.
const char* add_daemon_options(const std::string& command, po::options_description& opts,
                               DaemonArgs& a) {
  if (command == "print" || command == "batch") {
    opts.add_options()("printer", po::value(&a.printer)->required(),
                       "printer name, as certprintd knows it")(
        "no-wait", po::bool_switch(&a.no_wait), "queue and return without following the job");
    if (command == "batch") return "ISSUANCE_ID... --printer NAME";
    opts.add_options()("holder", po::value(&a.holder), "male or female (default: one-click)");
    return "ISSUANCE_ID --printer NAME [--holder male|female]";
  }
  if (command == "confirm" || command == "void" || command == "preview")
    opts.add_options()("holder", po::value(&a.holder)->required(), "male or female");
  if (command == "void") {
    opts.add_options()("reason", po::value(&a.reason)->required(), "why the booklet is spoiled")(
        "new-stock-serial", po::value(&a.serial)->required(), "the new blank's 10-digit serial")(
        "blank-damaged", po::bool_switch(&a.blank_damaged),
        "the blank itself is damaged (torn, stained): needed to void a booklet that was never "
        "printed")("yes", po::bool_switch(&a.yes), "do not ask before voiding (for scripts)");
    return "ISSUANCE_ID --holder male|female --reason TEXT --new-stock-serial N [--blank-damaged] "
           "[--yes]";
  }
  if (command == "preview") {
    opts.add_options()("out", po::value(&a.out)->default_value("."),
                       "directory for the PNGs: ISSUANCE_ID-HOLDER-info.png and -page5.png, "
                       "mode 0600");
    return "ISSUANCE_ID --holder male|female [--out DIR]";
  }
  if (command == "submit") return "ISSUANCE.json... [options]";
  if (command == "confirm") return "ISSUANCE_ID --holder male|female";
  if (command == "verify") return "TOKEN";
  return "ISSUANCE_ID";
}

// A void cannot be undone: asked at a terminal, refused without one unless
// --yes says the caller has asked already.
bool confirm_void(const std::string& id, const DaemonArgs& a) {
  if (!isatty(STDIN_FILENO)) {
    std::cerr << "certprint void: asks before it voids, and there is no terminal to ask at: "
                 "run it at a terminal, or pass --yes\n";
    return false;
  }
  std::cerr << "Void the " << a.holder << " booklet of " << id << " (\"" << a.reason
            << "\")? Its QR stops verifying and blank " << a.serial
            << " takes its place. This cannot be undone. Type yes to void: " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  if (answer == "yes") return true;
  std::cerr << "not voided\n";
  return false;
}

int run_daemon_command(const std::string& command, const client::ClientConfig& c,
                       const DaemonArgs& a) {
  const std::string& first = a.positional[0];
  if (command == "submit")
    return client::client_submit(c, {a.positional.begin(), a.positional.end()}, std::cout,
                                 std::cerr);
  if (command == "print" || command == "batch")
    return client::client_print(c, a.positional, a.printer,
                                a.holder.empty() ? std::nullopt : std::optional(a.holder),
                                !a.no_wait, std::cout, std::cerr);
  if (command == "status") return client::client_status(c, first, std::cout, std::cerr);
  if (command == "confirm") return client::client_confirm(c, first, a.holder, std::cout, std::cerr);
  if (command == "void") {
    if (!a.yes && !confirm_void(first, a)) return 2;
    return client::client_void(c, first, a.holder, {a.reason, a.serial, a.blank_damaged}, std::cout,
                               std::cerr);
  }
  if (command == "preview")
    return client::client_preview(c, first, a.holder, a.out, std::cout, std::cerr);
  return client::client_verify(c, first, std::cout, std::cerr);
}

int daemon_command(const std::string& command, const std::vector<std::string>& args) {
  ClientOptions client;
  po::options_description opts(command + " options");
  client.add(opts);
  DaemonArgs a;
  const char* synopsis = add_daemon_options(command, opts, a);
  po::options_description hidden;
  hidden.add_options()("args", po::value(&a.positional)->multitoken());
  po::positional_options_description pos;
  pos.add("args", -1);
  po::variables_map vm;
  if (!parse(command, opts, pos, args, vm, synopsis, &hidden)) return 0;
  const bool many = command == "submit" || command == "batch";
  if (a.positional.empty() || (!many && a.positional.size() != 1))
    return fail(command + ": expected " + synopsis);
  auto c = client.config();
  if (!c) return 2;
  return run_daemon_command(command, *c, a);
}

int release_command(const std::vector<std::string>& args) {
  ClientOptions client;
  po::options_description opts("release options");
  client.add(opts);
  std::string printer;
  opts.add_options()("printer", po::value(&printer)->required(),
                     "the held printer, once its paper is seen to");
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse("release", opts, pos, args, vm, "--printer NAME")) return 0;
  auto c = client.config();
  if (!c) return 2;
  return client::client_release(*c, printer, std::cout, std::cerr);
}

int stock_command(const std::vector<std::string>& args) {
  ClientOptions client;
  po::options_description opts("stock options");
  client.add(opts);
  client::StockArgs a;
  opts.add_options()("reference", po::value(&a.reference)->required(),
                     "the delivery note, return slip or destruction record");
  std::vector<std::string> words;
  po::options_description hidden;
  hidden.add_options()("args", po::value(&words)->multitoken());
  po::positional_options_description pos;
  pos.add("args", -1);
  po::variables_map vm;
  const char* synopsis = "received|returned|destroyed FIRST_SERIAL LAST_SERIAL --reference TEXT";
  if (!parse("stock", opts, pos, args, vm, synopsis, &hidden)) return 0;
  if (words.size() != 3) return fail(std::string("stock: expected ") + synopsis);
  a.kind = words[0];
  a.first_serial = words[1];
  a.last_serial = words[2];
  auto c = client.config();
  if (!c) return 2;
  return client::client_stock(*c, a, std::cout, std::cerr);
}

int reconcile_command(const std::vector<std::string>& args) {
  ClientOptions client;
  po::options_description opts("reconcile options");
  client.add(opts);
  client::ReconcileArgs a;
  opts.add_options()("from", po::value(&a.from)->required(), "the first day, YYYY-MM-DD")(
      "to", po::value(&a.to)->required(), "the last day, YYYY-MM-DD (included)")(
      "csv", po::value(&a.csv_file), "also write the reconciliation as CSV to this file")(
      "pdf", po::value(&a.pdf_file), "also write the A4 report a manager signs (PDF) to this file");
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse("reconcile", opts, pos, args, vm, "--from DAY --to DAY [--csv FILE] [--pdf FILE]"))
    return 0;
  auto c = client.config();
  if (!c) return 2;
  return client::client_reconcile(*c, a, std::cout, std::cerr);
}

int printers_command(const std::vector<std::string>& args) {
  ClientOptions client;
  po::options_description opts("printers options");
  client.add(opts);
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse("printers", opts, pos, args, vm, "[options]")) return 0;
  auto c = client.config();
  if (!c) return 2;
  return client::client_printers(*c, std::cout, std::cerr);
}

int keygen(const std::vector<std::string>& args) {
  offline::KeygenCommand cmd;
  std::string keys;
  po::options_description opts("keygen options");
  opts.add_options()("keys", po::value(&keys)->required(),
                     "key directory (created with mode 0700 when absent)");
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse("keygen", opts, pos, args, vm, "--keys DIR")) return 0;
  cmd.keys_dir = keys;
  if (auto s = offline::run_keygen(cmd, system_random(), std::cout); !s) return fail(s.message());
  return 0;
}

int render(const std::vector<std::string>& args) {
  offline::RenderCommand cmd;
  std::string issuance_file, out, keys, templates, calibration, holder, dpi = "180";
  std::string form_info, form_page5;
  po::options_description opts("render options");
  opts.add_options()("issuance", po::value(&issuance_file)->required(),
                     "issuance JSON file (positional)")(
      "out", po::value(&out)->required(),
      "output directory (created when absent); files "
      "ISSUANCE_ID-HOLDER-PAGE.pdf/.png, mode 0600")("keys", po::value(&keys)->required(),
                                                     "key directory (see 'certprint keygen')")(
      "dpi", po::value(&dpi)->default_value("180"),
      "printer resolution: 180, 360x180, 300, 600 ...; QR modules are whole dots of it")(
      "calibration", po::value(&calibration), "printer calibration file (JSON)")(
      "holder", po::value(&holder), "render one booklet only: male or female")(
      "templates", po::value(&templates), "template directory (default: the shipped templates)")(
      "raster", po::bool_switch(&cmd.write_raster), "also write the device raster as PBM")(
      "preview-dpi", po::value(&cmd.preview_dpi)->default_value(0, "auto"),
      "PNG preview resolution (auto: a whole multiple of --dpi, at least 300, so every "
      "printer dot is a block of pixels)")(
      "form-info", po::value(&form_info),
      "PDF scan of a blank information page, drawn under its previews")(
      "form-page5", po::value(&form_page5), "PDF scan of a blank page 5, drawn under its previews");
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
  auto res = layout::parse_resolution(dpi);
  if (!res) return fail(res.error().message);
  cmd.res = *res;
  if (cmd.preview_dpi != 0 && (cmd.preview_dpi < 30 || cmd.preview_dpi > 1200))
    return fail("--preview-dpi must be 30..1200 (or leave it out for auto)");

  const issuance::ValidationOptions validation{issuance::today_local()};
  auto tokens = offline::run_render(cmd, validation, system_random(), std::cout);
  if (!tokens) return fail(tokens.error().message);
  return 0;
}

int verify(const std::vector<std::string>& args) {
  offline::VerifyCommand cmd;
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
  auto matched = offline::run_verify(cmd, validation, std::cout);
  if (!matched) return fail(matched.error().message);
  return *matched ? 0 : 1;
}

// The options of `print --direct`, as written.
struct DirectArgs {
  std::vector<std::string> files;
  std::string keys, templates, calibration, holder, format = "pdf", dpi = "180";
  bool direct = false;
  double stall_s = 60, job_s = 180;
};

void add_print_options(po::options_description& opts, DirectArgs& a,
                       offline::DirectPrintCommand& cmd) {
  opts.add_options()("direct", po::bool_switch(&a.direct),
                     "print from this process, without certprintd")(
      "printer", po::value(&cmd.printer.printer)->required(),
      "CUPS queue name, or an ipp:// URI of a printer (no cupsd)")(
      "cups-server", po::value(&cmd.printer.server), "cupsd as HOST:PORT (default: libcups's)")(
      "holder", po::value(&a.holder),
      "print one booklet only: male or female (default: one-click, male then female)")(
      "keys", po::value(&a.keys)->required(), "key directory (see 'certprint keygen')")(
      "format", po::value(&a.format)->default_value("pdf"),
      "pdf (PDF and IPP Everywhere printers) or raster (CUPS raster for the passbook driver)")(
      "dpi", po::value(&a.dpi)->default_value("180"),
      "the printer's resolution: 180, 360x180, 300, 600 ...")(
      "calibration", po::value(&a.calibration), "printer calibration file (JSON)")(
      "templates", po::value(&a.templates), "template directory (default: the shipped templates)")(
      "stall-timeout", po::value(&a.stall_s)->default_value(60),
      "seconds a page may wait on a held/stopped job or a printer needing attention before it "
      "fails")("job-timeout", po::value(&a.job_s)->default_value(180),
               "seconds one page may take in all");
}

// Fills the rest of `cmd` from the words; an error names the option.
Status direct_command(const DirectArgs& a, offline::DirectPrintCommand& cmd) {
  for (const auto& f : a.files) cmd.issuance_files.emplace_back(f);
  cmd.keys_dir = a.keys;
  cmd.templates_dir = a.templates.empty() ? default_templates_dir() : fs::path(a.templates);
  if (!a.calibration.empty()) cmd.calibration_file = a.calibration;
  if (a.holder == "male")
    cmd.mode = printing::PrintMode::male_only;
  else if (a.holder == "female")
    cmd.mode = printing::PrintMode::female_only;
  else if (!a.holder.empty())
    return invalid("--holder \"" + a.holder + "\": expected male or female");
  if (a.format == "raster")
    cmd.format = printing::DocumentFormat::cups_raster;
  else if (a.format != "pdf")
    return invalid("--format \"" + a.format + "\": expected pdf or raster");
  auto res = layout::parse_resolution(a.dpi);
  if (!res) return res.error();
  cmd.res = *res;
  if (a.stall_s <= 0 || a.job_s <= 0)
    return invalid("--stall-timeout and --job-timeout must be positive");
  cmd.sequencer.stall_timeout = std::chrono::milliseconds(static_cast<long>(a.stall_s * 1000));
  cmd.sequencer.job_timeout = std::chrono::milliseconds(static_cast<long>(a.job_s * 1000));
  return Status::success();
}

int print(const std::vector<std::string>& args) {
  offline::DirectPrintCommand cmd;
  DirectArgs a;
  po::options_description opts("print --direct options");
  add_print_options(opts, a, cmd);
  po::options_description hidden;
  hidden.add_options()("issuance", po::value(&a.files)->required()->multitoken());
  po::positional_options_description pos;
  pos.add("issuance", -1);
  po::variables_map vm;
  if (!parse("print", opts, pos, args, vm,
             "--direct ISSUANCE.json... --printer QUEUE --keys DIR [options]", &hidden))
    return 0;
  if (!a.direct) return fail("print: only --direct printing exists so far");
  if (auto s = direct_command(a, cmd); !s) return fail(s.message());
  const issuance::ValidationOptions validation{issuance::today_local()};
  auto result = offline::run_direct_print(cmd, validation, system_random(), std::cout);
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
    auto has = [&](const char* flag) {
      return std::find(args.begin(), args.end(), flag) != args.end();
    };
    if (command == "verify")
      return has("--issuance") ? verify(args) : daemon_command(command, args);
    if (command == "print") return has("--direct") ? print(args) : daemon_command(command, args);
    for (const char* c : {"submit", "batch", "status", "confirm", "void", "preview"})
      if (command == c) return daemon_command(command, args);
    if (command == "printers") return printers_command(args);
    if (command == "release") return release_command(args);
    if (command == "stock") return stock_command(args);
    if (command == "reconcile") return reconcile_command(args);
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
