// certprintd: the print server. Reads options (built-in default < config
// file < CERTPRINTD_* environment < command line) into DaemonConfig, checks
// every setting (exit 2 naming the option), and runs the service library
// until SIGTERM or SIGINT; or, with --check, probes the printers and prints
// a table (exit 0 all ready, 1 a printer has a problem, 2 bad settings).
#include <systemd/sd-daemon.h>
#include <boost/program_options.hpp>

#include <malloc.h>

#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "common/file.hpp"
#include "daemon/service/config_check.hpp"
#include "daemon/service/daemon.hpp"
#include "daemon/service/printer_check.hpp"
#include "daemon/service/printer_spec.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;
using namespace certprint;

namespace {

// journald reads "<N>" priority prefixes from stderr.
void log_line(Priority priority, const std::string& line) {
  std::cerr << "<" << static_cast<int>(priority) << ">" << line << std::endl;
}

fs::path default_templates_dir() {
  const fs::path installed = fs::path(CERTPRINT_INSTALL_DATA_DIR) / "templates";
  if (fs::exists(installed / "marriage.json")) return installed;
  return fs::path(CERTPRINT_SOURCE_DATA_DIR) / "templates";
}

// The options as written, before they are checked and turned into config.
struct Options {
  std::string listen = "127.0.0.1:8631", database, keys, tokens, templates, tls_cert, tls_key;
  std::string cups_server, callback_url, callback_secret_file;
  std::vector<std::string> printers;
  double stall_s = 60, job_s = 180;
  int poll_ms = 100;
  std::size_t max_body = 64 * 1024;
  int callback_attempts = 288, retain_events_days = 90, retain_verify_days = 365;
  bool check = false, refuse_unreceived_stock = false;
};

po::options_description describe(Options& o) {
  // $CREDENTIALS_DIRECTORY (systemd LoadCredential=) holds keys and tokens.
  const char* creds = std::getenv("CREDENTIALS_DIRECTORY");
  const fs::path cred_dir = creds ? fs::path(creds) : fs::path("/etc/certprint");
  po::options_description opts("certprintd options", 100, 50);
  opts.add_options()("help,h", "show this help")(
      "check", po::bool_switch(&o.check),
      "check the settings and probe every printer (queue, filter, format, dpi), print a "
      "table and exit: 0 all ready, 1 a printer has a problem, 2 a setting is wrong; binds "
      "nothing, prints nothing, leaves the store alone")(
      "config", po::value<std::string>(),
      "configuration file (INI: option = value); command line wins")(
      "listen", po::value(&o.listen)->default_value(o.listen),
      "HOST:PORT of the API (loopback by default)")(
      "tls-cert", po::value(&o.tls_cert), "PEM certificate: serve HTTPS (with --tls-key)")(
      "tls-key", po::value(&o.tls_key), "PEM private key for --tls-cert")(
      "database", po::value(&o.database)->default_value("/var/lib/certprint/certprint.db"),
      "SQLite file (created with mode 0600)")(
      "keys", po::value(&o.keys)->default_value((cred_dir / "keys").string()),
      "QR signing key directory (key-<id>.hex; the highest id signs)")(
      "tokens", po::value(&o.tokens)->default_value((cred_dir / "tokens").string()),
      "API token file: lines \"ROLE NAME SECRET\", ROLE one of registry, clerk, technician, "
      "verifier, monitor")("templates", po::value(&o.templates),
                           "template directory (default: the installed templates)")(
      "cups-server", po::value(&o.cups_server), "default cupsd as HOST:PORT (default: libcups's)")(
      "printer", po::value(&o.printers)->composing(),
      "a printer clerks may use, repeatable: NAME=QUEUE or NAME=ipp://HOST/PATH, then any of "
      ",format=pdf|raster ,dpi=600|360x180 ,server=HOST:PORT "
      ",feed=tray|manual|passbook (manual, passbook: a person puts each page in; the console "
      "says which booklet and page) ,media-wait=SECONDS|none (how long a page waits for it; "
      "default none by hand, --stall-timeout at a tray)")(
      "callback-url", po::value(&o.callback_url), "the registry's URL for status events (POST)")(
      "callback-secret-file", po::value(&o.callback_secret_file),
      "file holding the shared secret that signs callback bodies (HMAC-SHA256)")(
      "callback-max-attempts", po::value(&o.callback_attempts)->default_value(o.callback_attempts),
      "failed deliveries after which an event is set aside (a 4xx sets it aside at once); "
      "GET /v1/outbox lists them, POST /v1/events/ID/retry puts one back")(
      "retain-events-days", po::value(&o.retain_events_days)->default_value(o.retain_events_days),
      "days a delivered event is kept (each issuance's newest for ever)")(
      "refuse-unreceived-stock", po::bool_switch(&o.refuse_unreceived_stock),
      "refuse an intake or a void whose stock serial no recorded delivery holds (else such a "
      "blank is only listed as an anomaly in the reconciliation)")(
      "retain-verify-audit-days",
      po::value(&o.retain_verify_days)->default_value(o.retain_verify_days),
      "days the audit rows of verifications are kept (other audit rows: for ever)")(
      "stall-timeout", po::value(&o.stall_s)->default_value(o.stall_s),
      "seconds a page may wait on a held/stopped job or a printer needing attention")(
      "job-timeout", po::value(&o.job_s)->default_value(o.job_s),
      "seconds one page may take in all")("poll-interval-ms",
                                          po::value(&o.poll_ms)->default_value(o.poll_ms),
                                          "how often a printing page's job state is read")(
      "max-body-bytes", po::value(&o.max_body)->default_value(o.max_body),
      "largest request body accepted");
  return opts;
}

// CERTPRINTD_CALLBACK_URL -> callback-url; help and config are not taken
// from the environment.
std::string environment_name(const std::string& env) {
  const std::string prefix = "CERTPRINTD_";
  if (env.rfind(prefix, 0) != 0) return "";
  std::string name = env.substr(prefix.size());
  for (auto& c : name) c = c == '_' ? '-' : static_cast<char>(std::tolower(c));
  return name == "help" || name == "config" ? "" : name;
}

// Fills `o`; returns an exit status when the program should end now.
std::optional<int> parse_options(int argc, char** argv, Options& o) {
  po::options_description opts = describe(o);
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
    po::store(po::parse_environment(opts, environment_name), vm);
    if (vm.count("config")) {
      const std::string file = vm["config"].as<std::string>();
      std::ifstream f(file);
      if (!f) {
        std::cerr << "certprintd: config file " << file << " cannot be read\n";
        return 2;
      }
      po::store(po::parse_config_file(f, opts), vm);
    }
    if (vm.count("help")) {
      std::cout << "usage: certprintd [options]\n\n"
                << opts
                << "\nexample:\n"
                   "  certprintd --database /var/lib/certprint/certprint.db --keys "
                   "/etc/certprint/keys \\\n"
                   "      --tokens /etc/certprint/tokens --printer desk1=PLQ20,format=raster,"
                   "dpi=360x180,feed=passbook\n"
                   "  certprintd --config /etc/certprint/certprintd.conf --check\n";
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "certprintd: " << e.what() << " (see certprintd --help)\n";
    return 2;
  }
  return std::nullopt;
}

// The outbox's limits, each named when out of range.
Status set_outbox_limits(const Options& o, engine::OutboxConfig& outbox) {
  const std::tuple<const char*, int, int> limits[] = {
      {"--callback-max-attempts", o.callback_attempts, 100000},
      {"--retain-events-days", o.retain_events_days, 36500},
      {"--retain-verify-audit-days", o.retain_verify_days, 36500}};
  for (const auto& [option, value, most] : limits)
    if (value < 1 || value > most)
      return invalid(std::string(option) + " " + std::to_string(value) + ": expected 1.." +
                     std::to_string(most));
  outbox.max_attempts = o.callback_attempts;
  outbox.retain_delivered = std::chrono::hours(24) * o.retain_events_days;
  outbox.retain_verify_audit = std::chrono::hours(24) * o.retain_verify_days;
  return Status::success();
}

// The configuration, or a message naming the option at fault; check_config
// then checks it as a whole.
Result<service::DaemonConfig> make_config(const Options& o) {
  service::DaemonConfig cfg;
  auto listen = service::parse_host_port("--listen", o.listen, service::PortRule::required);
  if (!listen) return listen.error();
  cfg.http.host = listen->host;
  cfg.http.port = listen->port;
  if (!o.tls_cert.empty()) cfg.http.tls_cert = o.tls_cert;
  if (!o.tls_key.empty()) cfg.http.tls_key = o.tls_key;
  cfg.http.max_body_bytes = o.max_body;
  cfg.database = o.database;
  cfg.keys_dir = o.keys;
  cfg.tokens_file = o.tokens;
  cfg.templates_dir = o.templates.empty() ? default_templates_dir() : fs::path(o.templates);
  cfg.cups_server = o.cups_server;
  if (!o.cups_server.empty()) {
    auto server = service::parse_host_port("--cups-server", o.cups_server,
                                           service::PortRule::optional_or_socket);
    if (!server) return server.error();
  }
  for (const auto& spec : o.printers) {
    auto p = service::parse_printer_spec(spec, o.cups_server);
    if (!p) return p.error();
    cfg.printers.push_back(*p);
  }
  cfg.outbox.callback_url = o.callback_url;
  if (auto s = set_outbox_limits(o, cfg.outbox); !s) return s.error();
  if (!o.callback_secret_file.empty()) {
    auto secret = service::read_callback_secret(o.callback_secret_file);
    if (!secret) return secret.error();
    cfg.outbox.secret = *secret;
  }
  for (auto [option, seconds, field] :
       {std::tuple{"--stall-timeout", o.stall_s, &cfg.sequencer.stall_timeout},
        std::tuple{"--job-timeout", o.job_s, &cfg.sequencer.job_timeout}}) {
    auto ms = service::parse_seconds(option, seconds);
    if (!ms) return ms.error();
    *field = *ms;
  }
  cfg.sequencer.poll_interval = std::chrono::milliseconds(o.poll_ms);
  cfg.stock.refuse_unreceived = o.refuse_unreceived_stock;
  return cfg;
}

// certprintd --check: the printers' table; the settings were checked.
int check_printers(const service::DaemonConfig& cfg) {
  std::cout << "certprintd --check: settings ok; probing " << cfg.printers.size()
            << " printer(s)\n";
  const auto rows = service::probe_printers(cfg);
  std::cout << service::format_check_table(rows) << std::flush;
  const bool all_ok =
      !rows.empty() && std::all_of(rows.begin(), rows.end(), [](const auto& r) { return r.ok; });
  return all_ok ? 0 : 1;
}

// Tells systemd the daemon is alive while its store answers, every half
// watchdog period, until stopped.
class Watchdog {
 public:
  Watchdog(service::Daemon& d, std::uint64_t period_usec) {
    thread_ = std::thread([this, &d, period_usec] {
      std::unique_lock lock(m_);
      while (!cv_.wait_for(lock, std::chrono::microseconds(period_usec / 2), [&] { return done_; }))
        if (d.healthy()) sd_notify(0, "WATCHDOG=1");
    });
  }
  ~Watchdog() {
    {
      std::lock_guard g(m_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

int run(const service::DaemonConfig& cfg) {
  // Signals are taken by one thread with sigwait, so no handler runs inside
  // library code.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto d = service::Daemon::create(cfg, log_line);
  if (!d) {
    log_line(Priority::error, "certprintd: " + d.error().message);
    return d.error().code == ErrorCode::invalid ? 2 : 1;  // a setting, or the store is held
  }
  auto port = (*d)->start();
  if (!port) return log_line(Priority::error, "certprintd: " + port.error().message), 1;
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    log_line(Priority::info, "certprintd: stopping (signal " + std::to_string(sig) + ")");
    sd_notify(0, "STOPPING=1");
    (*d)->stop();
  });
  std::optional<Watchdog> watchdog;
  if (uint64_t usec = 0; sd_watchdog_enabled(0, &usec) > 0) watchdog.emplace(**d, usec);
  sd_notifyf(0, "READY=1\nSTATUS=listening on port %d", *port);
  std::cout << "certprintd: listening on " << cfg.http.host << ":" << *port << std::endl;
  (*d)->serve();
  // serve() ends when the signal thread stopped the daemon, or on its own:
  // then wake that thread, so both threads are done before the daemon goes.
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  watchdog.reset();
  (*d)->stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Many HTTP threads each growing a malloc arena cost tens of MiB for no
  // speed a print server needs; two arenas keep the daemon small.
  mallopt(M_ARENA_MAX, 2);
  Options options;
  if (auto exit_status = parse_options(argc, argv, options)) return *exit_status;
  auto cfg = make_config(options);
  Status checked = cfg ? service::check_config(*cfg) : Status(cfg.error());
  if (!checked) {
    std::cerr << "certprintd: " << checked.message() << "\n";
    return 2;
  }
  return options.check ? check_printers(*cfg) : run(*cfg);
}
