// certprintd wired together: store, keys, tokens, print engine, outbox and
// the HTTP API, from one plain configuration struct.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "daemon/http_api.hpp"
#include "daemon/outbox.hpp"
#include "daemon/print_engine.hpp"
#include "daemon/sequencer.hpp"

namespace certprint::daemon {

struct DaemonConfig {
  HttpConfig http;                      // where the API listens
  std::filesystem::path database;       // SQLite file (created 0600)
  std::filesystem::path keys_dir;       // QR signing keys (key-<id>.hex)
  std::filesystem::path tokens_file;    // API bearer tokens ("ROLE NAME SECRET" lines)
  std::filesystem::path templates_dir;  // marriage.json, divorce.json
  std::vector<PrinterConfig> printers;  // the printers clerks may use
  OutboxConfig outbox;                  // registry callbacks
  SequencerConfig sequencer;            // page timeouts
};

// "NAME=QUEUE[,format=pdf|raster][,dpi=600|360x180][,band-rows=24][,server=HOST:PORT]";
// QUEUE is a queue of the cupsd or an ipp:// printer URI.
Result<PrinterConfig> parse_printer_spec(std::string_view spec,
                                         const std::string& default_cups_server);

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

 private:
  struct Impl;
  explicit Daemon(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace certprint::daemon
