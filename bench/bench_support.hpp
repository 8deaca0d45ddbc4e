// Shared by the benchmarks: the private CUPS harness, a child process, RSS.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace certprint::bench {

// Starts tests/cups/cups_harness.sh in `dir`; returns its environment, or an
// empty map when it did not start.
inline std::map<std::string, std::string> start_cups(const std::filesystem::path& src,
                                                     const std::filesystem::path& dir) {
  const std::string harness = "bash '" + (src / "tests/cups/cups_harness.sh").string() + "'";
  if (std::system((harness + " start '" + dir.string() + "' >/dev/null").c_str()) != 0) return {};
  std::map<std::string, std::string> env;
  std::ifstream f(dir / "harness.env");
  std::string line;
  while (std::getline(f, line))
    if (auto eq = line.find('='); eq != std::string::npos)
      env[line.substr(0, eq)] = line.substr(eq + 1);
  return env;
}

inline void stop_cups(const std::filesystem::path& src, const std::filesystem::path& dir) {
  const std::string harness = "bash '" + (src / "tests/cups/cups_harness.sh").string() + "'";
  (void)std::system((harness + " stop '" + dir.string() + "' >/dev/null").c_str());
}

// A loopback TCP port free at the time of asking, or -1.
inline int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

inline pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

// A /proc/PID/status field in KiB (VmRSS, VmHWM); 0 when unreadable.
inline long proc_kib(pid_t pid, const std::string& field) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  return 0;
}

inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * (v.size() - 1) + 0.5))];
}

}  // namespace certprint::bench
