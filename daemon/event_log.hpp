// Numbering and recording the events the registry is told about: one
// sequence per issuance (1, 2, 3 ...), a random id per event, the JSON body
// signed later by the outbox. No personal data goes into a body.
#pragma once

#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "common/result.hpp"
#include "daemon/store.hpp"
#include "token/token.hpp"

namespace certprint::daemon {

Millis now_millis();

class EventLog {
 public:
  EventLog(Store& store, token::RandomSource random, std::function<Millis()> clock = now_millis)
      : store_(store), random_(std::move(random)), clock_(std::move(clock)) {}

  // Builds the next event of `issuance_id` and hands it to `write`, which
  // must store it (with whatever else belongs in the same transaction).
  // Serialised, so two threads never take the same sequence number.
  Status record(const std::string& issuance_id, const std::string& type, nlohmann::json details,
                const std::function<Status(const EventRow&)>& write);
  // Shorthand: the event alone.
  Status record(const std::string& issuance_id, const std::string& type, nlohmann::json details);

  Millis now() const { return clock_(); }

 private:
  Store& store_;
  token::RandomSource random_;
  std::function<Millis()> clock_;
  std::mutex mutex_;
};

}  // namespace certprint::daemon
