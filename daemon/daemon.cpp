#include "daemon/daemon.hpp"

#include <cctype>
#include <charconv>
#include <mutex>
#include <set>

#include "daemon/api.hpp"
#include "daemon/offline.hpp"

namespace certprint::daemon {

Result<PrinterConfig> parse_printer_spec(std::string_view spec,
                                         const std::string& default_cups_server) {
  const std::string where = "printer \"" + std::string(spec) + "\"";
  const auto eq = spec.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == spec.size())
    return Error{
        where +
        ": expected NAME=QUEUE[,format=pdf|raster][,dpi=N|NxM][,band-rows=N][,server=HOST:PORT]"};
  PrinterConfig p;
  p.name = std::string(spec.substr(0, eq));
  for (char c : p.name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      return Error{where + ": name \"" + p.name +
                   "\" may hold only letters, digits, '-', '_' and '.'"};
  p.cups.server = default_cups_server;
  std::string_view rest = spec.substr(eq + 1);
  bool first = true;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (first) {
      p.cups.printer = std::string(item);
      first = false;
      continue;
    }
    const auto kv = item.find('=');
    const std::string key(item.substr(0, kv));
    const std::string value = kv == std::string_view::npos ? "" : std::string(item.substr(kv + 1));
    if (key == "format" && (value == "pdf" || value == "raster")) {
      p.format = value == "pdf" ? DocumentFormat::pdf : DocumentFormat::cups_raster;
    } else if (key == "dpi") {
      auto res = parse_resolution(value);
      if (!res) return Error{where + ": " + res.error().message};
      p.res = *res;
    } else if (key == "band-rows") {
      int n = -1;
      std::from_chars(value.data(), value.data() + value.size(), n);
      if (n < 0 || n > 96) return Error{where + ": band-rows \"" + value + "\" should be 0..96"};
      p.band_rows = n;
    } else if (key == "server" && !value.empty()) {
      p.cups.server = value;
    } else {
      return Error{where + ": \"" + std::string(item) +
                   "\" is not format=pdf|raster, dpi=, band-rows= or server="};
    }
  }
  if (p.cups.printer.empty()) return Error{where + ": the queue is missing"};
  return p;
}

struct Daemon::Impl {
  DaemonConfig config;
  LogSink log;
  std::unique_ptr<Store> store;
  token::KeyRing keys = token::KeyRing::from_keys({token::Key{1, {}}});
  TokenTable tokens;
  std::unique_ptr<EventLog> events;
  std::unique_ptr<PrintEngine> engine;
  std::unique_ptr<Outbox> outbox;
  std::unique_ptr<Api> api;
  std::unique_ptr<HttpServer> http;
  std::mutex stop_mutex;
};

Daemon::Daemon(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Daemon::~Daemon() { stop(); }

Result<std::unique_ptr<Daemon>> Daemon::create(const DaemonConfig& config, LogSink log) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->log = log;
  auto store = Store::open(config.database);
  if (!store) return store.error();
  impl->store = std::move(*store);
  auto keys = token::KeyRing::load_dir(config.keys_dir);
  if (!keys) return keys.error();
  impl->keys = std::move(*keys);
  auto tokens = TokenTable::load(config.tokens_file);
  if (!tokens) return tokens.error();
  impl->tokens = std::move(*tokens);
  for (auto kind : {issuance::Kind::marriage, issuance::Kind::divorce}) {
    auto t = load_template_for(config.templates_dir, kind);
    if (!t) return t.error();
  }
  std::set<std::string> names;
  for (const auto& p : config.printers)
    if (!names.insert(p.name).second)
      return Error{"printer \"" + p.name + "\" is configured twice"};

  impl->events = std::make_unique<EventLog>(*impl->store, token::system_random());
  PrintEngineConfig pe{config.printers, config.templates_dir, config.sequencer};
  impl->engine = std::make_unique<PrintEngine>(*impl->store, *impl->events, pe, cups_port_factory(),
                                               system_clock());
  impl->outbox = std::make_unique<Outbox>(*impl->store, config.outbox, log);
  impl->api = std::make_unique<Api>(*impl->store, impl->keys, *impl->events, *impl->engine,
                                    ApiConfig{config.templates_dir, config.http.max_body_bytes},
                                    token::system_random());
  auto http = HttpServer::create(config.http, *impl->api, impl->tokens, log);
  if (!http) return http.error();
  impl->http = std::move(*http);
  return std::unique_ptr<Daemon>(new Daemon(std::move(impl)));
}

Result<int> Daemon::start() {
  auto port = impl_->http->bind();
  if (!port) return port.error();
  impl_->engine->start();
  impl_->outbox->start();
  impl_->log(6, "listening on " + impl_->config.http.host + ":" + std::to_string(*port) + " with " +
                    std::to_string(impl_->config.printers.size()) + " printer(s)");
  return port;
}

void Daemon::serve() { impl_->http->serve(); }

void Daemon::stop() {
  if (!impl_) return;
  // The signal thread and main may both get here.
  std::lock_guard lock(impl_->stop_mutex);
  if (impl_->http) impl_->http->stop();
  if (impl_->engine) impl_->engine->stop();
  if (impl_->outbox) impl_->outbox->stop();
}

bool Daemon::healthy() { return impl_->store->unfinished_print_jobs().ok(); }

}  // namespace certprint::daemon
