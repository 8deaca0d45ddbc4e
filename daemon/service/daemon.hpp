// certprintd wired together: store, keys, tokens, print engine, the Office,
// the outbox and the HTTP API, from one plain configuration struct.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "common/result.hpp"
#include "daemon/api/http_server.hpp"
#include "daemon/api/rate_limit.hpp"
#include "daemon/engine/audit_queue.hpp"
#include "daemon/engine/outbox.hpp"
#include "daemon/engine/print_engine.hpp"
#include "daemon/printing/sequencer.hpp"

namespace certprint::service {

struct DaemonConfig {
  api::HttpConfig http;                         // where the API listens
  std::filesystem::path database;               // SQLite file (created 0600)
  std::filesystem::path keys_dir;               // QR signing keys (key-<id>.hex)
  std::filesystem::path tokens_file;            // API bearer tokens ("ROLE NAME SECRET" lines)
  std::filesystem::path templates_dir;          // marriage.json, divorce.json
  std::vector<engine::PrinterConfig> printers;  // the printers clerks may use
  std::string cups_server;                      // --cups-server as given (already in printers)
  engine::OutboxConfig outbox;                  // registry callbacks
  printing::SequencerConfig sequencer;          // page timeouts
  api::RateLimit verify_limit{};                // verifications per caller (429 beyond)
  engine::AuditBatchConfig verify_audit{};      // how verifications' audit rows are batched
  engine::StockPolicy stock{};                  // whether unreceived blanks are refused
};

class Daemon {
 public:
  // Checks the configuration (check_config, config_check.hpp), then opens
  // the store (exclusively: a second certprintd on the same database fails
  // with code unavailable), loads keys and tokens; nothing listens or prints
  // yet. A setting found wrong fails with code invalid.
  static Result<std::unique_ptr<Daemon>> create(const DaemonConfig& config, LogSink log);
  ~Daemon();
  // Binds the API and starts printing and callbacks; returns the port. A
  // failure to bind names --listen.
  Result<int> start();
  // Serves until stop() (from any thread).
  void serve();
  void stop();
  // For the watchdog: the store answers.
  bool healthy();

  struct Impl;

 private:
  explicit Daemon(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace certprint::service
