// certprintd as a process for the tests that need the real daemon: its own
// store, keys and tokens in a folder, one printer "desk" on the private
// cupsd of a CupsHarness. Needs CERTPRINTD_BINARY (the target's definition).
#pragma once

#include <catch2/catch.hpp>

#include <httplib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/random.hpp"
#include "support/cups_harness.hpp"
#include "support/private_file.hpp"
#include "support/process.hpp"
#include "support/received.hpp"
#include "token/token.hpp"

namespace certprint::testing {

const std::string kRegistrySecret = "registry-secret-0123456789abcdef0123";
const std::string kClerkSecret = "clerk-secret-0123456789abcdef0123456";

struct Daemon {
  const CupsHarness& cups;
  std::filesystem::path dir;
  int port = free_port();
  std::unique_ptr<Process> process;
  std::string queue = "capture";  // the private cupsd's queue the printer "desk" uses

  Daemon(const CupsHarness& c, std::filesystem::path d) : cups(c), dir(std::move(d)) {
    write_private(dir / "tokens", "registry registry-1 " + std::string(kRegistrySecret) +
                                      "\nclerk clerk-1 " + std::string(kClerkSecret) + "\n");
    auto k = token::generate_key(dir / "keys", system_random());
    if (!k) FAIL(k.error().message);
  }
  void start() {
    process = std::make_unique<Process>(
        std::vector<std::string>{CERTPRINTD_BINARY, "--listen", "127.0.0.1:" + std::to_string(port),
                                 "--database", (dir / "certprint.db").string(), "--keys",
                                 (dir / "keys").string(), "--tokens", (dir / "tokens").string(),
                                 "--templates", (source_dir() / "templates").string(), "--printer",
                                 "desk=" + queue + ",server=" + cups.server(), "--stall-timeout",
                                 "5", "--job-timeout", "20"},
        (dir / "certprintd.log").string());
    httplib::Client c("127.0.0.1", port);
    for (int i = 0; i < 200; ++i) {
      if (auto r = c.Get("/healthz", {{"Authorization", "Bearer " + kClerkSecret}});
          r && r->status == 200)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL("certprintd did not come up:\n" << slurp(dir / "certprintd.log"));
  }
  httplib::Result call(const std::string& method, const std::string& path,
                       const std::string& secret, const std::string& body = "") {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(10, 0);
    httplib::Headers h = {{"Authorization", "Bearer " + secret}};
    if (method == "POST") return c.Post(path.c_str(), h, body, "application/json");
    return c.Get(path.c_str(), h);
  }
};

}  // namespace certprint::testing
