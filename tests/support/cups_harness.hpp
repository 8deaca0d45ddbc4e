// Starts the private CUPS world of tests/cups/cups_harness.sh for one test
// and stops it when the test ends. A harness that cannot start fails the
// test loudly: the CUPS path is never skipped.
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "support/temp_dir.hpp"

namespace certprint::testing {

class CupsHarness {
 public:
  CupsHarness() {
    // cupsd runs filters and backends as lp, which must reach the folders.
    std::filesystem::permissions(dir_.path(), std::filesystem::perms(0755));
    const std::string script = (source_dir() / "tests" / "cups" / "cups_harness.sh").string();
    const std::string cmd = "bash '" + script + "' start '" + (dir_.path() / "cups").string() +
                            "' >'" + (dir_.path() / "harness.log").string() + "' 2>&1";
    if (std::system(cmd.c_str()) != 0) {
      std::ifstream log(dir_.path() / "harness.log");
      std::stringstream ss;
      ss << log.rdbuf();
      FAIL("the private CUPS harness did not start:\n" << ss.str());
    }
    std::ifstream env(dir_.path() / "cups" / "harness.env");
    std::string line;
    while (std::getline(env, line))
      if (auto eq = line.find('='); eq != std::string::npos)
        env_[line.substr(0, eq)] = line.substr(eq + 1);
    if (!env_.count("CUPS_SERVER")) FAIL("the CUPS harness wrote no environment");
  }
  ~CupsHarness() {
    const std::string script = (source_dir() / "tests" / "cups" / "cups_harness.sh").string();
    const std::string cmd =
        "bash '" + script + "' stop '" + (dir_.path() / "cups").string() + "' >/dev/null 2>&1";
    (void)std::system(cmd.c_str());
  }
  CupsHarness(const CupsHarness&) = delete;
  CupsHarness& operator=(const CupsHarness&) = delete;

  const std::string& get(const std::string& key) const { return env_.at(key); }
  std::string server() const { return get("CUPS_SERVER"); }
  std::string printer_uri() const { return get("EVE_URI"); }
  std::filesystem::path spool() const { return get("EVE_SPOOL"); }
  std::filesystem::path capture() const { return get("CAPTURE_DIR"); }
  std::filesystem::path dir() const { return dir_.path() / "cups"; }
  const TempDir& temp() const { return dir_; }

  void set_fault(const std::string& fault) const { std::ofstream(get("FAULT_FILE")) << fault; }
  void clear_fault() const { std::filesystem::remove(get("FAULT_FILE")); }
  // Runs a CUPS command-line tool against this harness's cupsd.
  int run(const std::string& command) const {
    return std::system(("CUPS_SERVER=" + server() + " " + command + " >/dev/null 2>&1").c_str());
  }
  void kill_printer() const { run("kill -9 $(cat '" + (dir() / "eve.pid").string() + "')"); }

 private:
  TempDir dir_;
  std::map<std::string, std::string> env_;
};

}  // namespace certprint::testing
