#include "common/random.hpp"

#include <openssl/err.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <string>

namespace certprint {

RandomSource system_random() {
  return [](std::span<std::uint8_t> out) -> Status {
    while (!out.empty()) {
      const int n = static_cast<int>(std::min<std::size_t>(out.size(), INT_MAX));
      if (RAND_bytes(out.data(), n) != 1) {
        char buf[256];
        ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
        return Error{std::string("OpenSSL RAND_bytes failed: ") + buf};
      }
      out = out.subspan(static_cast<std::size_t>(n));
    }
    return Status::success();
  };
}

}  // namespace certprint
