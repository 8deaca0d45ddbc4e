// The daemon's calls as HTTP sees them, independent of the transport: each
// takes the authenticated caller and the request, checks the caller's role,
// validates the request, asks the engine's Office, and maps the answer to an
// HTTP status and a JSON body. http_server.cpp maps routes onto these; tests
// call them directly too.
//
// Errors: {"error": {"code": "...", "message": "...", "fields": [...]}}
// with 400 (bad input), 401 (no or unknown token), 403 (role), 404, 409
// (conflict with stored state), 413 (body too large), 422 (refused by a
// rule, e.g. a calibration that moves the QR out of its zone), 500, 503.
#pragma once

#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "daemon/api/auth.hpp"
#include "daemon/api/rate_limit.hpp"
#include "daemon/engine/office.hpp"
#include "daemon/engine/print_engine.hpp"
#include "issuance/record.hpp"

namespace certprint::api {

struct Reply {
  int status = 200;
  nlohmann::json body;
  std::string content_type = "application/json";
  std::string raw;  // a non-JSON body (PNG, metrics text) when set
};

struct ApiConfig {
  std::size_t max_body_bytes = 64 * 1024;
  // Today's date for validating submissions (a seam for tests).
  std::function<issuance::Date()> today = issuance::today_local;
  // Verifications one caller (token name) may make: beyond it, 429
  // too_many_requests with the seconds to wait (Retry-After over HTTP).
  RateLimit verify_limit{};
  // The steady clock the limit is measured on (a seam for tests).
  RateLimiter::Now now = [] { return std::chrono::steady_clock::now(); };
};

// The reply for a failure, by its code: invalid 400, not_found 404,
// conflict 409, refused 422, unavailable 503, anything else 500. The JSON
// code is the error's keyword when it has one.
Reply error_reply(const Error& e);

class Api {
 public:
  Api(engine::Office& office, engine::PrintEngine& printing, ApiConfig config);

  // registry
  Reply submit_issuance(const Caller& who, std::string_view body);
  // registry, clerk
  Reply issuance_status(const Caller& who, const std::string& issuance_id);
  // clerk: the issuances received on `day` (YYYY-MM-DD, the daemon's local
  // time; empty: today), newest first, with their live booklets; `state`
  // (a booklet state; empty: any) keeps those with a booklet in it.
  Reply issuances(const Caller& who, const std::string& day, const std::string& state);
  // clerk
  Reply print(const Caller& who, const std::string& issuance_id, std::string_view body);
  Reply print_batch(const Caller& who, std::string_view body);
  Reply print_job(const Caller& who, const std::string& id);
  Reply confirm(const Caller& who, const std::string& issuance_id, const std::string& holder);
  Reply void_booklet(const Caller& who, const std::string& issuance_id, const std::string& holder,
                     std::string_view body);
  Reply printers(const Caller& who);
  // clerk, technician: gives up the cancels a held printer waits for.
  Reply release_printer(const Caller& who, const std::string& printer);
  Reply preview(const Caller& who, const std::string& issuance_id, const std::string& holder,
                const std::string& page);
  // technician
  Reply calibration(const Caller& who, const std::string& printer);
  Reply set_calibration(const Caller& who, const std::string& printer, std::string_view body);
  // {"page": "info"|"page5", "corrected": bool}: prints a calibration target
  // on an idle printer, with or without its current correction.
  Reply print_target(const Caller& who, const std::string& printer, std::string_view body);
  // {"page", "corrected", "save", "marks": [{"label", "x_mm", "y_mm"}]}:
  // the page's correction fitted from where the target's marks landed, each
  // mark's residual, the profile it gives and, with "save", its version.
  Reply fit_calibration(const Caller& who, const std::string& printer, std::string_view body);
  // {} (or no body): prints the bidirectional alignment pattern at a
  // passbook printer with the offset in force.
  Reply print_bidi_pattern(const Caller& who, const std::string& printer, std::string_view body);
  // {"aligned": -8..8, "printed_with_version": n}: the candidate that met
  // on the pattern printed with profile n, applied as a new profile version.
  Reply align_bidi(const Caller& who, const std::string& printer, std::string_view body);
  // The calibration target of a page ("info" or "page5") as a PDF, uncorrected.
  Reply target_chart(const Caller& who, const std::string& page);
  // technician: the blank-stock ledger. {"kind", "first_serial",
  // "last_serial", "reference"}; a serial's state; the reconciliation of the
  // days from..to (YYYY-MM-DD, the daemon's local time), as "json", "csv" or "pdf".
  Reply record_stock(const Caller& who, std::string_view body);
  Reply stock_serial(const Caller& who, const std::string& serial);
  // technician: every movement recorded, oldest first (the ledger's history).
  Reply stock_movements(const Caller& who);
  Reply stock_reconciliation(const Caller& who, const std::string& from, const std::string& to,
                             const std::string& format);
  // verifier
  Reply verify(const Caller& who, std::string_view body);
  // registry, technician: the outbox's set-aside events, and one put back.
  Reply outbox(const Caller& who);
  Reply retry_event(const Caller& who, const std::string& event_id);
  // everyone
  Reply health(const Caller& who);
  Reply metrics(const Caller& who);

  // Counters the HTTP layer adds to.
  std::atomic<long> requests{0}, request_errors{0};

 private:
  Reply status_reply(int status, const std::string& issuance_id);
  Reply queue_print(const Caller& who, const std::string& printer,
                    const std::vector<engine::PrintRequest>& what);

  engine::Office& office_;
  engine::PrintEngine& printing_;
  ApiConfig config_;
  RateLimiter verify_limiter_;
};

}  // namespace certprint::api
