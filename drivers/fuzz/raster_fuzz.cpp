// libFuzzer target: arbitrary bytes as the filter's CUPS raster input. The
// filter must answer every input with 0 or 1 and never crash, hang or leak.
//   clang++ -fsanitize=fuzzer,address,undefined ... (see scripts/fuzz-smoke.sh)
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>

#include "drivers/filter.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int fd = memfd_create("raster", 0);
  if (fd < 0) return 0;
  if (size > 0 && write(fd, data, size) != static_cast<ssize_t>(size)) {
    close(fd);
    return 0;
  }
  lseek(fd, 0, SEEK_SET);
  FILE* sink = std::fopen("/dev/null", "w");
  certprint::escp::FilterOptions options;
  options.max_rows = 1000;  // a whole passbook page (907 rows at 180 dpi); taller ones are refused
  std::atomic<bool> cancelled{false};
  const int status = certprint::escp::run_filter(fd, sink, options, cancelled, sink);
  std::fclose(sink);
  close(fd);
  if (status != 0 && status != 1) __builtin_trap();
  return 0;
}
