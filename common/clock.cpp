#include "common/clock.hpp"

#include <ctime>
#include <thread>

namespace certprint {
namespace {

class SystemClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() override { return std::chrono::steady_clock::now(); }
  Millis wall_ms() override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  void sleep_for(std::chrono::milliseconds d) override { std::this_thread::sleep_for(d); }
};

}  // namespace

Clock& system_clock() {
  static SystemClock clock;
  return clock;
}

std::string utc_minute_text(Millis at) {
  // Floor division: a time before 1970 still names its own minute.
  const std::time_t seconds = static_cast<std::time_t>(at >= 0 ? at / 1000 : (at - 999) / 1000);
  std::tm tm{};
  if (!gmtime_r(&seconds, &tm)) return std::to_string(at) + " ms";
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &tm);
  return text;
}

}  // namespace certprint
