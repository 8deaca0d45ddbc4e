// Time, behind one seam: the steady clock that timeouts and backoff are
// measured on, the wall clock that stored times and events carry, and
// sleeping. Tests replace it with a fake that moves only when told.
//
// Thread-safety: system_clock() may be used from any thread; a fake clock
// says what it allows.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace certprint {

using Millis = std::int64_t;  // milliseconds since the Unix epoch (wall time)

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic: never steps back; for timeouts, stalls and retry schedules.
  virtual std::chrono::steady_clock::time_point now() = 0;
  // Wall time in milliseconds since the epoch: for what is stored or shown.
  virtual Millis wall_ms() = 0;
  virtual void sleep_for(std::chrono::milliseconds d) = 0;
};

// The real clocks; one instance for the process.
Clock& system_clock();

// A wall time as people read it in messages and reports, to the minute:
// "2026-12-02 14:00 UTC".
std::string utc_minute_text(Millis at);

}  // namespace certprint
