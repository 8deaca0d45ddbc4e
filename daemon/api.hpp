// The daemon's calls, independent of HTTP: each takes the authenticated
// caller and the request body, checks the caller's role, validates, acts on
// the store and answers with an HTTP status and a JSON body. http_api.cpp
// maps routes onto these; tests call them directly too.
//
// Errors: {"error": {"code": "...", "message": "...", "fields": [...]}}
// with 400 (bad input), 401 (no or unknown token), 403 (role), 404, 409
// (conflict with stored state), 413 (body too large), 422 (refused by a
// rule, e.g. a calibration that moves the QR out of its zone), 500, 503.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "daemon/auth.hpp"
#include "daemon/booklet.hpp"
#include "daemon/event_log.hpp"
#include "daemon/print_engine.hpp"
#include "daemon/store.hpp"
#include "token/token.hpp"

namespace certprint::daemon {

struct Reply {
  int status = 200;
  nlohmann::json body;
  std::string content_type = "application/json";
  std::string raw;  // a non-JSON body (PNG, metrics text) when set
};

struct ApiConfig {
  std::filesystem::path templates_dir;
  std::size_t max_body_bytes = 64 * 1024;
};

class Api {
 public:
  Api(Store& store, const token::KeyRing& keys, EventLog& events, PrintEngine& engine,
      ApiConfig config, token::RandomSource random,
      std::function<issuance::Date()> today = issuance::today_local);

  // registry
  Reply submit_issuance(const Caller& who, std::string_view body);
  // registry, clerk
  Reply issuance_status(const Caller& who, const std::string& issuance_id);
  // clerk
  Reply print(const Caller& who, const std::string& issuance_id, std::string_view body);
  Reply print_batch(const Caller& who, std::string_view body);
  Reply print_job(const Caller& who, const std::string& id);
  Reply confirm(const Caller& who, const std::string& issuance_id, const std::string& holder);
  Reply void_booklet(const Caller& who, const std::string& issuance_id, const std::string& holder,
                     std::string_view body);
  Reply printers(const Caller& who);
  Reply preview(const Caller& who, const std::string& issuance_id, const std::string& holder,
                const std::string& page);
  // technician
  Reply calibration(const Caller& who, const std::string& printer);
  Reply set_calibration(const Caller& who, const std::string& printer, std::string_view body);
  // {"page": "info"|"page5", "corrected": bool}: prints a calibration target
  // on an idle printer, with or without its current correction.
  Reply print_target(const Caller& who, const std::string& printer, std::string_view body);
  // verifier
  Reply verify(const Caller& who, std::string_view body);
  // everyone
  Reply health(const Caller& who);
  Reply metrics(const Caller& who);

  // Counters the HTTP layer adds to.
  std::atomic<long> requests{0}, request_errors{0};

 private:
  Result<std::vector<BookletRow>> live_booklets(const std::string& issuance_id);
  Result<nlohmann::json> status_json(const std::string& issuance_id);
  Reply status_reply(int status, const std::string& issuance_id);
  Reply queue_print(
      const Caller& who, const std::string& printer,
      const std::vector<std::pair<std::string, std::optional<issuance::Holder>>>& what);
  Result<issuance::Issuance> stored_issuance(const std::string& issuance_id);
  BookletRenderer* renderer(issuance::Kind kind);

  Store& store_;
  const token::KeyRing& keys_;
  EventLog& events_;
  PrintEngine& engine_;
  ApiConfig config_;
  token::RandomSource random_;
  std::function<issuance::Date()> today_;
  std::mutex render_mutex_;  // the renderers are not thread-safe
  std::mutex queue_mutex_;   // checking and queuing print jobs, together
  std::map<issuance::Kind, std::unique_ptr<BookletRenderer>> renderers_;
};

// "张伟" -> "张*"; "440106199003151231" -> "4401**********1231".
std::string mask_name(const std::string& utf8_name);
std::string mask_id_number(const std::string& id_number);

}  // namespace certprint::daemon
