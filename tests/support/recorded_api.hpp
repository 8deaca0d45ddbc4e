// api::Api as the API tests call it: each call goes to the real Api, and its
// Reply also to the contract log (support/contract_log.hpp) under the route
// that serves the call over HTTP (daemon/api/http_server.cpp), spelt as in
// docs/openapi.yaml. The HTTP server takes the real Api (the conversion
// below); what it answers is recorded as it writes it.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "daemon/api/api.hpp"
#include "support/contract_log.hpp"

namespace certprint::testing {

class RecordedApi {
 public:
  RecordedApi(engine::Office& office, engine::PrintEngine& printing, api::ApiConfig config)
      : api_(office, printing, std::move(config)) {}

  // For api::HttpServer and Served.
  operator api::Api&() { return api_; }

  using Caller = api::Caller;
  using Reply = api::Reply;
  using Text = const std::string&;

  Reply submit_issuance(const Caller& c, std::string_view body) {
    return seen(c, "POST", "/v1/issuances", api_.submit_issuance(c, body));
  }
  Reply issuance_status(const Caller& c, Text id) {
    return seen(c, "GET", "/v1/issuances/{issuance_id}", api_.issuance_status(c, id));
  }
  Reply print(const Caller& c, Text id, std::string_view body) {
    return seen(c, "POST", "/v1/issuances/{issuance_id}/print", api_.print(c, id, body));
  }
  Reply print_batch(const Caller& c, std::string_view body) {
    return seen(c, "POST", "/v1/print-batches", api_.print_batch(c, body));
  }
  Reply print_job(const Caller& c, Text id) {
    return seen(c, "GET", "/v1/print-jobs/{print_job_id}", api_.print_job(c, id));
  }
  Reply confirm(const Caller& c, Text id, Text holder) {
    return seen(c, "POST", "/v1/issuances/{issuance_id}/booklets/{holder}/confirm",
                api_.confirm(c, id, holder));
  }
  Reply void_booklet(const Caller& c, Text id, Text holder, std::string_view body) {
    return seen(c, "POST", "/v1/issuances/{issuance_id}/booklets/{holder}/void",
                api_.void_booklet(c, id, holder, body));
  }
  Reply printers(const Caller& c) { return seen(c, "GET", "/v1/printers", api_.printers(c)); }
  Reply release_printer(const Caller& c, Text printer) {
    return seen(c, "POST", "/v1/printers/{printer}/release", api_.release_printer(c, printer));
  }
  Reply preview(const Caller& c, Text id, Text holder, Text page) {
    return seen(c, "GET", "/v1/issuances/{issuance_id}/booklets/{holder}/preview/{page}.png",
                api_.preview(c, id, holder, page));
  }
  Reply calibration(const Caller& c, Text printer) {
    return seen(c, "GET", "/v1/printers/{printer}/calibration", api_.calibration(c, printer));
  }
  Reply set_calibration(const Caller& c, Text printer, std::string_view body) {
    return seen(c, "PUT", "/v1/printers/{printer}/calibration",
                api_.set_calibration(c, printer, body));
  }
  Reply print_target(const Caller& c, Text printer, std::string_view body) {
    return seen(c, "POST", "/v1/printers/{printer}/calibration/target",
                api_.print_target(c, printer, body));
  }
  Reply fit_calibration(const Caller& c, Text printer, std::string_view body) {
    return seen(c, "POST", "/v1/printers/{printer}/calibration/fit",
                api_.fit_calibration(c, printer, body));
  }
  Reply print_bidi_pattern(const Caller& c, Text printer, std::string_view body) {
    return seen(c, "POST", "/v1/printers/{printer}/calibration/bidi-pattern",
                api_.print_bidi_pattern(c, printer, body));
  }
  Reply align_bidi(const Caller& c, Text printer, std::string_view body) {
    return seen(c, "POST", "/v1/printers/{printer}/calibration/bidi",
                api_.align_bidi(c, printer, body));
  }
  Reply target_chart(const Caller& c, Text page) {
    return seen(c, "GET", "/v1/calibration/chart", api_.target_chart(c, page));
  }
  Reply record_stock(const Caller& c, std::string_view body) {
    return seen(c, "POST", "/v1/stock/movements", api_.record_stock(c, body));
  }
  Reply issuances(const Caller& c, Text day, Text state) {
    return seen(c, "GET", "/v1/issuances", api_.issuances(c, day, state));
  }
  Reply stock_movements(const Caller& c) {
    return seen(c, "GET", "/v1/stock/movements", api_.stock_movements(c));
  }
  Reply stock_serial(const Caller& c, Text serial) {
    return seen(c, "GET", "/v1/stock/serials/{serial}", api_.stock_serial(c, serial));
  }
  Reply stock_reconciliation(const Caller& c, Text from, Text to, Text format) {
    return seen(c, "GET", "/v1/stock/reconciliation",
                api_.stock_reconciliation(c, from, to, format));
  }
  Reply verify(const Caller& c, std::string_view body) {
    return seen(c, "POST", "/v1/verify", api_.verify(c, body));
  }
  Reply outbox(const Caller& c) { return seen(c, "GET", "/v1/outbox", api_.outbox(c)); }
  Reply retry_event(const Caller& c, Text event_id) {
    return seen(c, "POST", "/v1/events/{event_id}/retry", api_.retry_event(c, event_id));
  }
  Reply health(const Caller& c) { return seen(c, "GET", "/healthz", api_.health(c)); }
  Reply metrics(const Caller& c) { return seen(c, "GET", "/metrics", api_.metrics(c)); }

 private:
  static Reply seen(const Caller& c, const char* method, const char* route, Reply r) {
    record_direct_answer(method, route, c.role, r);
    return r;
  }

  api::Api api_;
};

}  // namespace certprint::testing
