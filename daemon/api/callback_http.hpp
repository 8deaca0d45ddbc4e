// The outbox's POSTs to the registry over HTTP(S) (cpp-httplib).
#pragma once

#include "daemon/engine/outbox.hpp"

namespace certprint::api {

class HttpCallbackTransport final : public engine::CallbackTransport {
 public:
  // `url`: scheme://host[:port]/path; a connection is made per POST.
  Result<int> post(const std::string& url, const Headers& headers, const std::string& body,
                   std::chrono::milliseconds timeout) override;
};

}  // namespace certprint::api
