// A clock for tests: time moves only when a test sleeps on it or steps it.
// Steady and wall time move together, unless a test steps the wall clock
// alone (as an administrator or NTP would).
#pragma once

#include <atomic>
#include <chrono>

#include "common/clock.hpp"

namespace certprint::testing {

class FakeClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() override {
    return std::chrono::steady_clock::time_point{} + std::chrono::milliseconds(steady_ms_.load());
  }
  Millis wall_ms() override { return wall_ms_.load(); }
  void sleep_for(std::chrono::milliseconds d) override { advance(d); }

  void advance(std::chrono::milliseconds d) {
    steady_ms_ += d.count();
    wall_ms_ += d.count();
  }
  // Moves the wall clock only (a step back when negative).
  void step_wall(std::chrono::milliseconds d) { wall_ms_ += d.count(); }

 private:
  std::atomic<Millis> steady_ms_{3'600'000};
  std::atomic<Millis> wall_ms_{1'780'000'000'000};  // June 2026
};

}  // namespace certprint::testing
