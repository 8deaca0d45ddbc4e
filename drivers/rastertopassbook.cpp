// rastertopassbook: the CUPS filter for 24-pin ESC/P2 passbook printers.
//   rastertopassbook job-id user title copies options [file]
// Reads CUPS raster (file or stdin), writes ESC/P2 to stdout.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "drivers/filter.hpp"

namespace {
std::atomic<bool> cancelled{false};
void on_term(int) { cancelled = true; }
}  // namespace

int main(int argc, char** argv) {
  if (argc < 6 || argc > 7) {
    std::fprintf(stderr,
                 "ERROR: usage: rastertopassbook job-id user title copies options [file]\n");
    return 1;
  }
  struct sigaction sa {};
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, nullptr);
  int fd = 0;
  if (argc == 7 && (fd = open(argv[6], O_RDONLY)) < 0) {
    std::fprintf(stderr, "ERROR: cannot open the print file\n");
    return 1;
  }
  const char* ppd = std::getenv("PPD");
  const auto options = certprint::escp::filter_options(argv[5], ppd ? ppd : "", stderr);
  const int status = certprint::escp::run_filter(fd, stdout, options, cancelled, stderr);
  if (fd != 0) close(fd);
  return status;
}
