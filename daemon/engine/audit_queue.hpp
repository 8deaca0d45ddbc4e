// Audit rows written in batches behind the calls that make them: a verify
// answers without waiting for its row's commit, and a burst of verifies
// costs one transaction, not one fsync each under the store's mutex.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

#include "common/log.hpp"
#include "daemon/store/store.hpp"

namespace certprint::engine {

struct AuditBatchConfig {
  std::chrono::milliseconds flush_interval{500};  // longest a queued row waits for its write
  std::size_t batch_rows = 256;                   // this many queued rows are written at once
  std::size_t max_queued = 100000;  // beyond this (the store down) rows are dropped and counted
};

// Thread-safe. A writer thread runs from construction; stop() (and the
// destructor) writes every queued row before returning, so an orderly stop
// loses none. A failed write is logged and its rows counted as failures.
class AuditQueue {
 public:
  AuditQueue(store::Store& store, AuditBatchConfig config, LogSink log);
  ~AuditQueue();
  AuditQueue(const AuditQueue&) = delete;
  AuditQueue& operator=(const AuditQueue&) = delete;

  void add(store::AuditRow row);
  // Writes what is queued now, in one transaction.
  void flush();
  void stop();
  long failures() const { return failures_; }

 private:
  void run();

  store::Store& store_;
  AuditBatchConfig config_;
  LogSink log_;
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<store::AuditRow> queued_;
  bool stopping_ = false;
  std::mutex write_mutex_;  // one batch at a time, in order
  std::atomic<long> failures_{0};
  std::thread writer_;
};

}  // namespace certprint::engine
