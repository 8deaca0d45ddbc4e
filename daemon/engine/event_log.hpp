// Numbering and recording the events the registry is told about: one
// sequence per issuance (1, 2, 3 ...), a random id per event, the JSON body
// signed later by the outbox. No personal data goes into a body.
#pragma once

#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/random.hpp"
#include "common/result.hpp"
#include "daemon/store/store.hpp"

namespace certprint::engine {

class EventLog {
 public:
  EventLog(store::Store& store, RandomSource random, Clock& clock)
      : store_(store), random_(std::move(random)), clock_(clock) {}

  // Builds the next event of `issuance_id` and hands it to `write`, which
  // must store it (with whatever else belongs in the same transaction).
  // Serialised, so two threads never take the same sequence number.
  Status record(const std::string& issuance_id, const std::string& type, nlohmann::json details,
                const std::function<Status(const store::EventRow&)>& write);
  // Several events of one issuance, numbered in order, handed to `write`
  // together (to be stored in one transaction with what they tell of).
  struct NewEvent {
    std::string type;
    nlohmann::json details;
  };
  Status record_all(const std::string& issuance_id, const std::vector<NewEvent>& events,
                    const std::function<Status(const std::vector<store::EventRow>&)>& write);
  // Shorthand: the event alone.
  Status record(const std::string& issuance_id, const std::string& type, nlohmann::json details);

  // Wall time of the clock events are stamped with.
  Millis now() const { return clock_.wall_ms(); }

 private:
  store::Store& store_;
  RandomSource random_;
  Clock& clock_;
  std::mutex mutex_;
};

}  // namespace certprint::engine
