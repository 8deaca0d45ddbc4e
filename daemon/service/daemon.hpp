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
  engine::OutboxConfig outbox;                  // registry callbacks
  printing::SequencerConfig sequencer;          // page timeouts
};

class Daemon {
 public:
  // Opens the store, loads keys and tokens, checks the templates; nothing
  // listens or prints yet.
  static Result<std::unique_ptr<Daemon>> create(const DaemonConfig& config, LogSink log);
  ~Daemon();
  // Binds the API and starts printing and callbacks; returns the port.
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
