// The API server's connections, read under limits that hold before httplib
// sees a byte (issue 10.10). Debian's cpp-httplib 0.11.4 is a shared
// library: its compile-time limits (CPPHTTPLIB_*) are fixed in the .so and
// cannot be changed by defining macros here. It reads a request head line
// by line without a bound on the line or the number of headers, and its
// timeouts are per read, so a client sending a byte every few seconds holds
// a worker for ever. So each connection is served here instead of in
// httplib: the head is read whole within a byte bound, a header-count bound
// and a deadline; httplib then parses it from memory; and the body it may
// read is the declared Content-Length (never more, never past the same
// deadline). What needs the parsed headers (the bearer token,
// Content-Length, the encodings) is httplib's pre-routing handler, which
// runs after the head and before the body is read (http_server.cpp).
//
// Only http_server.cpp includes this header.
#pragma once

#include <httplib.h>
#include <openssl/ssl.h>

#include <functional>
#include <string>

#include "daemon/api/http_server.hpp"

namespace certprint::api {

// A refusal written before httplib parsed anything: status, why, the JSON
// body of the usual error shape that was written, and the request line (empty
// when it never arrived whole); the connection is closed after it.
using Refusal = std::function<void(int status, const std::string& why, const std::string& body,
                                   const std::string& request_line)>;

// An httplib server whose connections are read as above, each on one of
// `config.max_connections` worker threads. With `tls` (owned), each
// connection does its TLS handshake within the request timeout first.
// `refused` is told of every answer written here (for the log and the
// counters); it is called from worker threads.
class GuardedServer final : public httplib::Server {
 public:
  GuardedServer(const HttpConfig& config, SSL_CTX* tls, Refusal refused);
  ~GuardedServer() override;
  // httplib listens with a backlog of 5 (fixed in its .so): under a burst of
  // connections the kernel drops SYNs and clients wait 1 s or more to retry.
  // Once bound, the queue is widened to the system's most (SOMAXCONN).
  bool widen_backlog();
  GuardedServer(const GuardedServer&) = delete;
  GuardedServer& operator=(const GuardedServer&) = delete;

 private:
  bool process_and_close_socket(socket_t sock) override;

  HttpConfig config_;
  SSL_CTX* tls_;
  Refusal refused_;
};

// Called by a handler, on its worker thread, before it answers with a
// stream of events (text/event-stream): then each write of the answer has
// the write timeout of its own, instead of the whole answer having it in
// all, so the stream may last while each event still reaches the client
// within the bound. The handler must end the stream itself.
void answer_is_a_stream();

// A TLS server context for `cert` (PEM chain) and `key`, or nullptr when
// either cannot be used.
SSL_CTX* tls_server_context(const std::string& cert, const std::string& key);

}  // namespace certprint::api
