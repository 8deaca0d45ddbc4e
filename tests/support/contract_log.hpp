// The answers the API tests receive, for the contract check: when
// CERTPRINT_CONTRACT_LOG names a file, each answer is appended to it as one
// JSON line, and tests/contract/check_contract.py checks every line against
// docs/openapi.yaml. Answers come two ways:
//  - "direct": a test called api::Api (ApiWorld's RecordedApi); the line
//    names the route that serves the call over HTTP, as docs/openapi.yaml
//    spells it ("/v1/issuances/{issuance_id}"), and the caller's role;
//  - "http": the HttpServer wrote it (HttpConfig::observe, set by
//    `contract_observed`); the line holds the request's method and path.
// Without the variable nothing is recorded and the server is wired as in
// certprintd.
#pragma once

#include <fcntl.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "daemon/api/api.hpp"
#include "daemon/api/http_server.hpp"

namespace certprint::testing {

inline const char* contract_log_file() {
  const char* file = std::getenv("CERTPRINT_CONTRACT_LOG");
  return file && *file ? file : nullptr;
}

// The body as the checker reads it: JSON parsed (or the text with
// "body_error" when it is not JSON), text as text, anything else by size
// and its first bytes in hex (a PNG starts 89504e470d0a1a0a).
inline void put_body(nlohmann::json& line, const std::string& content_type,
                     const std::string& body) {
  if (content_type.rfind("application/json", 0) == 0) {
    line["body"] = nlohmann::json::parse(body, nullptr, false);
    if (line["body"].is_discarded()) {
      line["body"] = nullptr;
      line["body_error"] = "not JSON";
      line["text"] = body;
    }
  } else if (content_type.rfind("text/", 0) == 0) {
    line["text"] = body;
  } else {
    static const char* hex = "0123456789abcdef";
    std::string head;
    for (std::size_t i = 0; i < body.size() && i < 8; ++i) {
      head += hex[static_cast<unsigned char>(body[i]) >> 4];
      head += hex[static_cast<unsigned char>(body[i]) & 15];
    }
    line["bytes"] = body.size();
    line["head_hex"] = head;
  }
}

// Appends one line; O_APPEND keeps lines whole when threads or processes
// share the file. A line that cannot be written ends the tests: a contract
// check missing answers must not pass.
inline void append_contract_line(nlohmann::json line) {
  const char* file = contract_log_file();
  if (!file) return;
  if (Catch::IResultCapture* capture = Catch::getCurrentContext().getResultCapture())
    line["test"] = capture->getCurrentTestName();
  const std::string text =
      line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const int fd = ::open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  const bool written =
      fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const int saved = errno;
  if (fd >= 0) ::close(fd);
  if (!written) {
    std::fprintf(stderr, "contract log %s: cannot append an answer: %s\n", file,
                 std::strerror(saved));
    std::abort();
  }
}

// An answer api::Api gave a test directly, to a caller of `role`.
inline void record_direct_answer(const char* method, const char* route, api::Role role,
                                 const api::Reply& r) {
  if (!contract_log_file()) return;
  nlohmann::json line = {{"via", "direct"},    {"method", method},
                         {"route", route},     {"role", std::string(api::to_string(role))},
                         {"status", r.status}, {"content_type", r.content_type}};
  const bool raw = !r.raw.empty() || r.body.is_null();
  put_body(line, r.content_type,
           raw ? r.raw : r.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  append_contract_line(std::move(line));
}

// An answer the HTTP server wrote.
inline void record_http_answer(const api::AnswerSeen& a) {
  nlohmann::json line = {{"via", "http"},
                         {"method", a.method},
                         {"path", a.path},
                         {"status", a.status},
                         {"content_type", a.content_type}};
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& [name, value] : a.headers) headers[name] = value;
  line["headers"] = headers;
  put_body(line, a.content_type, a.body);
  append_contract_line(std::move(line));
}

// `config`, recording what the server answers when the contract log is on.
inline api::HttpConfig contract_observed(api::HttpConfig config) {
  if (contract_log_file()) config.observe = record_http_answer;
  return config;
}

}  // namespace certprint::testing
