// certprintd: the print server. Reads options (built-in default < config
// file < CERTPRINTD_* environment < command line) into DaemonConfig and runs
// the daemon library until SIGTERM or SIGINT.
#include <systemd/sd-daemon.h>
#include <boost/program_options.hpp>

#include <malloc.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "daemon/daemon.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;
using namespace certprint;

namespace {

// journald reads "<N>" priority prefixes from stderr.
void log_line(int priority, const std::string& line) {
  std::cerr << "<" << priority << ">" << line << std::endl;
}

fs::path default_templates_dir() {
  const fs::path installed = fs::path(CERTPRINT_INSTALL_DATA_DIR) / "templates";
  if (fs::exists(installed / "marriage.json")) return installed;
  return fs::path(CERTPRINT_SOURCE_DATA_DIR) / "templates";
}

std::string read_secret(const fs::path& file) {
  std::ifstream in(file);
  std::string s;
  std::getline(in, s);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  // Many HTTP threads each growing a malloc arena cost tens of MiB for no
  // speed a print server needs; two arenas keep the daemon small.
  mallopt(M_ARENA_MAX, 2);
  daemon::DaemonConfig cfg;
  std::string config_file, listen = "127.0.0.1:8631", database, keys, tokens, templates, tls_cert,
                           tls_key;
  std::string cups_server, callback_secret_file;
  std::vector<std::string> printers;
  double stall_s = 60, job_s = 180;
  int poll_ms = 100;
  std::size_t max_body = 64 * 1024;

  // $CREDENTIALS_DIRECTORY (systemd LoadCredential=) holds keys and tokens.
  const char* creds = std::getenv("CREDENTIALS_DIRECTORY");
  const fs::path cred_dir = creds ? fs::path(creds) : fs::path("/etc/certprint");

  po::options_description opts("certprintd options");
  opts.add_options()("help,h", "show this help")(
      "config", po::value(&config_file),
      "configuration file (INI: option = value); command line wins")(
      "listen", po::value(&listen)->default_value(listen),
      "HOST:PORT of the API (loopback by default)")(
      "tls-cert", po::value(&tls_cert), "PEM certificate: serve HTTPS (with --tls-key)")(
      "tls-key", po::value(&tls_key), "PEM private key for --tls-cert")(
      "database", po::value(&database)->default_value("/var/lib/certprint/certprint.db"),
      "SQLite file (created with mode 0600)")(
      "keys", po::value(&keys)->default_value((cred_dir / "keys").string()),
      "QR signing key directory (key-<id>.hex; the highest id signs)")(
      "tokens", po::value(&tokens)->default_value((cred_dir / "tokens").string()),
      "API token file: lines \"ROLE NAME SECRET\", ROLE one of registry, clerk, technician, "
      "verifier")("templates", po::value(&templates),
                  "template directory (default: the installed templates)")(
      "cups-server", po::value(&cups_server), "default cupsd as HOST:PORT (default: libcups's)")(
      "printer", po::value(&printers)->composing(),
      "a printer clerks may use, repeatable: NAME=QUEUE[,format=pdf|raster][,dpi=600|360x180]"
      "[,band-rows=24][,server=HOST:PORT]")("callback-url", po::value(&cfg.outbox.callback_url),
                                            "the registry's URL for status events (POST)")(
      "callback-secret-file", po::value(&callback_secret_file),
      "file holding the shared secret that signs callback bodies (HMAC-SHA256)")(
      "stall-timeout", po::value(&stall_s)->default_value(stall_s),
      "seconds a page may wait on a held/stopped job or a printer needing attention")(
      "job-timeout", po::value(&job_s)->default_value(job_s), "seconds one page may take in all")(
      "poll-interval-ms", po::value(&poll_ms)->default_value(poll_ms),
      "how often a printing page's job state is read")(
      "max-body-bytes", po::value(&max_body)->default_value(max_body),
      "largest request body accepted");

  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
    po::store(po::parse_environment(opts,
                                    [](const std::string& env) -> std::string {
                                      // CERTPRINTD_CALLBACK_URL -> callback-url
                                      const std::string prefix = "CERTPRINTD_";
                                      if (env.rfind(prefix, 0) != 0) return "";
                                      std::string name = env.substr(prefix.size());
                                      for (auto& c : name)
                                        c = c == '_' ? '-' : static_cast<char>(std::tolower(c));
                                      return name == "help" || name == "config" ? "" : name;
                                    }),
              vm);
    if (vm.count("config")) {
      std::ifstream f(vm["config"].as<std::string>());
      if (!f) {
        std::cerr << "certprintd: config file " << vm["config"].as<std::string>()
                  << " cannot be read\n";
        return 2;
      }
      po::store(po::parse_config_file(f, opts), vm);
    }
    if (vm.count("help")) {
      std::cout << "usage: certprintd [options]\n\n" << opts << "\n";
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "certprintd: " << e.what() << " (see certprintd --help)\n";
    return 2;
  }

  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "certprintd: --listen \"" << listen << "\": expected HOST:PORT\n";
    return 2;
  }
  cfg.http.host = listen.substr(0, colon);
  cfg.http.port = std::atoi(listen.c_str() + colon + 1);
  if (!tls_cert.empty()) cfg.http.tls_cert = tls_cert;
  if (!tls_key.empty()) cfg.http.tls_key = tls_key;
  cfg.http.max_body_bytes = max_body;
  cfg.database = database;
  cfg.keys_dir = keys;
  cfg.tokens_file = tokens;
  cfg.templates_dir = templates.empty() ? default_templates_dir() : fs::path(templates);
  for (const auto& spec : printers) {
    auto p = daemon::parse_printer_spec(spec, cups_server);
    if (!p) {
      std::cerr << "certprintd: " << p.error().message << "\n";
      return 2;
    }
    cfg.printers.push_back(*p);
  }
  if (!callback_secret_file.empty()) cfg.outbox.secret = read_secret(callback_secret_file);
  if (!cfg.outbox.callback_url.empty() && cfg.outbox.secret.size() < 16) {
    std::cerr << "certprintd: --callback-url needs --callback-secret-file with a secret of 16+ "
                 "characters\n";
    return 2;
  }
  cfg.sequencer.stall_timeout = std::chrono::milliseconds(static_cast<long>(stall_s * 1000));
  cfg.sequencer.job_timeout = std::chrono::milliseconds(static_cast<long>(job_s * 1000));
  if (poll_ms < 1 || poll_ms > 10000) {
    std::cerr << "certprintd: --poll-interval-ms must be 1..10000\n";
    return 2;
  }
  cfg.sequencer.poll_interval = std::chrono::milliseconds(poll_ms);

  // Signals are taken by one thread with sigwait, so no handler runs inside
  // library code.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto d = daemon::Daemon::create(cfg, log_line);
  if (!d) {
    log_line(3, "certprintd: " + d.error().message);
    return 1;
  }
  auto port = (*d)->start();
  if (!port) {
    log_line(3, "certprintd: " + port.error().message);
    return 1;
  }
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    log_line(6, "certprintd: stopping (signal " + std::to_string(sig) + ")");
    sd_notify(0, "STOPPING=1");
    (*d)->stop();
  });
  signal_thread.detach();

  uint64_t watchdog_usec = 0;
  if (sd_watchdog_enabled(0, &watchdog_usec) > 0) {
    std::thread([&d, watchdog_usec] {
      for (;;) {
        std::this_thread::sleep_for(std::chrono::microseconds(watchdog_usec / 2));
        if ((*d)->healthy()) sd_notify(0, "WATCHDOG=1");
      }
    }).detach();
  }
  sd_notifyf(0, "READY=1\nSTATUS=listening on port %d", *port);
  std::cout << "certprintd: listening on " << cfg.http.host << ":" << *port << std::endl;
  (*d)->serve();
  (*d)->stop();
  return 0;
}
