#include "daemon/engine/audit_queue.hpp"

namespace certprint::engine {

AuditQueue::AuditQueue(store::Store& store, AuditBatchConfig config, LogSink log)
    : store_(store), config_(config), log_(std::move(log)) {
  writer_ = std::thread([this] { run(); });
}

AuditQueue::~AuditQueue() { stop(); }

void AuditQueue::add(store::AuditRow row) {
  std::lock_guard lock(m_);
  if (queued_.size() >= config_.max_queued) {
    failures_++;
    return;
  }
  queued_.push_back(std::move(row));
  if (queued_.size() >= config_.batch_rows) cv_.notify_one();
}

void AuditQueue::flush() {
  std::lock_guard write(write_mutex_);
  std::vector<store::AuditRow> rows;
  {
    std::lock_guard lock(m_);
    rows.swap(queued_);
  }
  if (rows.empty()) return;
  if (auto s = store_.audit_batch(rows); !s) {
    failures_ += static_cast<long>(rows.size());
    log_(Priority::error, "audit: " + std::to_string(rows.size()) +
                              " verification(s) were answered but not recorded: " + s.message());
  }
}

void AuditQueue::run() {
  std::unique_lock lock(m_);
  while (!stopping_) {
    cv_.wait_for(lock, config_.flush_interval,
                 [&] { return stopping_ || queued_.size() >= config_.batch_rows; });
    lock.unlock();
    flush();
    lock.lock();
  }
}

void AuditQueue::stop() {
  {
    std::lock_guard lock(m_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  flush();  // whatever came in while the writer ended
}

}  // namespace certprint::engine
