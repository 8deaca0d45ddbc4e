#include "daemon/service/daemon.hpp"

#include <mutex>

#include "daemon/api/api.hpp"
#include "daemon/api/callback_http.hpp"
#include "daemon/booklet/renderer.hpp"
#include "daemon/engine/event_log.hpp"
#include "daemon/engine/office.hpp"
#include "daemon/printing/cups/cups_port.hpp"
#include "daemon/service/config_check.hpp"
#include "daemon/store/store.hpp"

namespace certprint::service {

struct Daemon::Impl {
  DaemonConfig config;
  LogSink log;
  std::unique_ptr<store::Store> store;
  token::KeyRing keys = token::KeyRing::from_keys({token::Key{1, {}}});
  api::TokenTable tokens;
  std::unique_ptr<engine::EventLog> events;
  std::unique_ptr<engine::PrintEngine> engine;
  std::unique_ptr<engine::Office> office;
  api::HttpCallbackTransport callback_transport;
  std::unique_ptr<engine::Outbox> outbox;
  std::unique_ptr<api::Api> api;
  std::unique_ptr<api::HttpServer> http;
  std::mutex stop_mutex;
};

namespace {

engine::PortFactory cups_port_factory() {
  return [](const engine::PrinterConfig& p) { return printing::cups::open_cups_port(p.cups); };
}

}  // namespace

Daemon::Daemon(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Daemon::~Daemon() { stop(); }

Result<std::unique_ptr<Daemon>> Daemon::create(const DaemonConfig& config, LogSink log) {
  // Everything that can be checked is, before anything is opened for writing.
  if (auto s = check_config(config); !s) return s.error();
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->log = log;
  auto store = store::Store::open(config.database);
  if (!store) return store.error();
  impl->store = std::move(*store);
  auto keys = token::KeyRing::load_dir(config.keys_dir);
  if (!keys) return keys.error();
  impl->keys = std::move(*keys);
  auto tokens = api::TokenTable::load(config.tokens_file);
  if (!tokens) return tokens.error();
  impl->tokens = std::move(*tokens);

  Impl& d = *impl;
  d.events = std::make_unique<engine::EventLog>(*d.store, system_random(), system_clock());
  d.engine = std::make_unique<engine::PrintEngine>(
      *d.store, *d.events,
      engine::PrintEngineConfig{config.printers, config.templates_dir, config.sequencer},
      cups_port_factory(), system_clock(), log);
  d.office =
      std::make_unique<engine::Office>(*d.store, d.keys, *d.events, *d.engine, config.templates_dir,
                                       system_random(), log, config.verify_audit);
  d.office->set_stock_policy(config.stock);
  d.outbox = std::make_unique<engine::Outbox>(*d.store, config.outbox, d.callback_transport, log,
                                              system_clock());
  api::ApiConfig api_config{config.http.max_body_bytes};
  api_config.verify_limit = config.verify_limit;
  d.api = std::make_unique<api::Api>(*d.office, *d.engine, std::move(api_config));
  auto http = api::HttpServer::create(config.http, *d.api, d.tokens, log);
  if (!http) return http.error();
  d.http = std::move(*http);
  return std::unique_ptr<Daemon>(new Daemon(std::move(impl)));
}

Result<int> Daemon::start() {
  auto port = impl_->http->bind();
  if (!port) return wrap("--listen", port.error());
  impl_->engine->start();
  impl_->outbox->start();
  impl_->log(Priority::info, "listening on " + impl_->config.http.host + ":" +
                                 std::to_string(*port) + " with " +
                                 std::to_string(impl_->config.printers.size()) + " printer(s)");
  return port;
}

void Daemon::serve() { impl_->http->serve(); }

void Daemon::stop() {
  if (!impl_) return;
  // The signal thread and main may both get here.
  std::lock_guard lock(impl_->stop_mutex);
  if (impl_->http) impl_->http->stop();
  if (impl_->office) impl_->office->flush_audit();  // no verification goes unrecorded
  if (impl_->engine) impl_->engine->stop();
  if (impl_->outbox) impl_->outbox->stop();
}

bool Daemon::healthy() { return impl_->store->unfinished_print_jobs().ok(); }

}  // namespace certprint::service
