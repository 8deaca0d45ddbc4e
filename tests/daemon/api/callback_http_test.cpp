// The outbox's HTTP transport: whatever URL it is handed, a failure is a
// value, never an exception (one would end certprintd).
#include <catch2/catch.hpp>

#include "daemon/api/callback_http.hpp"

using namespace certprint;

TEST_CASE("callback transport: a URL it cannot use is an error naming it, never an exception",
          "[daemon][api]") {
  api::HttpCallbackTransport transport;
  for (const char* url : {"ftp://x", "gopher://registry/hooks", "http://registry:99999999999/hooks",
                          "http://registry:70000/hooks", "https://registry:0/hooks", "registry"}) {
    INFO(url);
    Result<int> r = Error{"not called"};
    REQUIRE_NOTHROW(r = transport.post(url, {}, "{}", std::chrono::milliseconds(200)));
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains(url));
  }
}
