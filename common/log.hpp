// Where the daemon's log lines go: a sink taking a syslog priority and one
// line. certprintd writes them to stderr with journald's "<N>" prefix.
// Lines never carry personal data (names, ID numbers): ids and states only.
#pragma once

#include <functional>
#include <string>

namespace certprint {

// syslog priorities, as journald reads them.
enum class Priority { error = 3, warning = 4, notice = 5, info = 6, debug = 7 };

using LogSink = std::function<void(Priority priority, const std::string& line)>;

// A sink that drops everything (tests, tools without a log).
inline LogSink null_log() {
  return [](Priority, const std::string&) {};
}

}  // namespace certprint
