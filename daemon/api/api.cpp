// The registry's and the verifier's calls, health and metrics.
#include "daemon/api/api.hpp"

#include <sstream>

#include "daemon/api/request.hpp"

namespace certprint::api {

using nlohmann::json;

Api::Api(engine::Office& office, engine::PrintEngine& printing, ApiConfig config)
    : office_(office),
      printing_(printing),
      config_(std::move(config)),
      verify_limiter_(config_.verify_limit, config_.now) {}

namespace {

// An event as callers see it: its body, then how its delivery stands.
json event_json(const store::EventRow& e) {
  json ev = json::parse(e.body, nullptr, false);
  if (!ev.is_object()) ev = json::object();
  ev["delivered"] = e.delivered_at.has_value();
  ev["dead"] = e.dead_at.has_value();
  if (!e.delivered_at) {
    ev["attempts"] = e.attempts;
    if (!e.last_error.empty()) ev["last_error"] = e.last_error;
  }
  return ev;
}

}  // namespace

Reply Api::status_reply(int status, const std::string& issuance_id) {
  auto st = office_.status(issuance_id);
  if (!st) return error_reply(st.error());
  json j = {{"issuance_id", issuance_id}, {"booklets", json::array()}, {"events", json::array()}};
  for (const auto& b : st->booklets) j["booklets"].push_back(booklet_json(b));
  for (const auto& e : st->events) j["events"].push_back(event_json(e));
  return {status, std::move(j), "application/json", {}};
}

Reply Api::submit_issuance(const Caller& who, std::string_view body) {
  if (!allowed(who, {Role::registry})) return forbidden(who, "submit issuances");
  if (body.size() > config_.max_body_bytes)
    return error(413, "too_large",
                 "body is " + std::to_string(body.size()) + " bytes; at most " +
                     std::to_string(config_.max_body_bytes) + " are accepted");
  auto parsed = issuance::parse_issuance(body, {config_.today(), config_.max_body_bytes});
  if (!parsed.ok()) {
    json fields = json::array();
    for (const auto& f : parsed.errors)
      fields.push_back({{"field", f.field}, {"value", f.value}, {"problem", f.problem}});
    return error(400, "invalid", parsed.errors.front().to_string(), fields);
  }
  auto submitted = office_.submit(actor(who), parsed.issuance);
  if (!submitted) return error_reply(submitted.error());
  return status_reply(*submitted == engine::Submitted::created ? 201 : 200,
                      parsed.issuance.issuance_id);
}

Reply Api::issuance_status(const Caller& who, const std::string& issuance_id) {
  if (!allowed(who, {Role::registry, Role::clerk})) return forbidden(who, "read issuance status");
  return status_reply(200, issuance_id);
}

Reply Api::verify(const Caller& who, std::string_view body) {
  if (!allowed(who, {Role::verifier})) return forbidden(who, "verify tokens");
  if (const auto wait = verify_limiter_.take(who.name); wait.count() > 0) {
    const long seconds = (wait.count() + 999) / 1000;
    std::ostringstream per_second;
    per_second << config_.verify_limit.per_second;
    Reply r =
        error(429, "too_many_requests",
              who.name + " made more verifications than the " +
                  std::to_string(config_.verify_limit.burst) + " at once and " + per_second.str() +
                  " a second allowed; retry after " + std::to_string(seconds) + " s");
    r.body["error"]["retry_after_s"] = seconds;
    return r;
  }
  auto j = object_body(body, {"token"});
  if (!j) return error_reply(j.error());
  auto tok = string_field(*j, "token");
  if (!tok || tok->empty() || tok->size() > 200)
    return error(400, "invalid",
                 "field \"token\" is required: the scanned text (at most 200 characters)");
  auto v = office_.verify(actor(who), *tok);
  if (!v) return error_reply(v.error());
  json answer = {{"result", engine::to_string(v->result)}};
  if (v->result == engine::VerifyResult::match) {
    answer["kind"] = issuance::to_string(v->kind);
    answer["holder"] = {{"name", v->masked_name}, {"id_number", v->masked_id_number}};
  }
  return {200, answer, "application/json", {}};
}

Reply Api::outbox(const Caller& who) {
  if (!allowed(who, {Role::registry, Role::technician})) return forbidden(who, "read the outbox");
  auto g = office_.gauges();
  if (!g) return error_reply(g.error());
  auto dead = office_.dead_events();
  if (!dead) return error_reply(dead.error());
  json list = json::array();
  for (const auto& e : *dead) {
    json ev = event_json(e);
    ev["issuance_id"] = e.issuance_id;
    ev["event_id"] = e.event_id;
    ev["dead_at_ms"] = *e.dead_at;
    list.push_back(ev);
  }
  return {200,
          {{"undelivered", g->outbox_due}, {"dead", g->outbox_dead}, {"dead_events", list}},
          "application/json",
          {}};
}

Reply Api::retry_event(const Caller& who, const std::string& event_id) {
  if (!allowed(who, {Role::registry, Role::technician}))
    return forbidden(who, "retry set-aside events");
  if (auto s = office_.retry_event(actor(who), event_id); !s) return error_reply(s.error());
  return {200, {{"event_id", event_id}, {"dead", false}}, "application/json", {}};
}

Reply Api::health(const Caller&) {
  auto g = office_.gauges();
  if (!g) return error(503, "store", g.error().message);
  return {200,
          {{"status", "ok"},
           {"queued_print_jobs", g->unfinished_print_jobs},
           {"printers", printing_.printers().size()}},
          "application/json",
          {}};
}

Reply Api::metrics(const Caller&) {
  const auto& c = printing_.counters();
  auto g = office_.gauges();
  std::ostringstream m;
  m << "# HELP certprint_pages_printed_total Pages whose CUPS job completed.\n"
    << "# TYPE certprint_pages_printed_total counter\n"
    << "certprint_pages_printed_total " << c.pages_printed << "\n"
    << "# HELP certprint_pages_failed_total Pages that failed.\n"
    << "# TYPE certprint_pages_failed_total counter\n"
    << "certprint_pages_failed_total " << c.pages_failed << "\n"
    << "# HELP certprint_print_jobs_total Print jobs ended, by outcome.\n"
    << "# TYPE certprint_print_jobs_total counter\n"
    << "certprint_print_jobs_total{outcome=\"done\"} " << c.jobs_done << "\n"
    << "certprint_print_jobs_total{outcome=\"failed\"} " << c.jobs_failed << "\n"
    << "# HELP certprint_queue_depth Print jobs queued or running.\n"
    << "# TYPE certprint_queue_depth gauge\n"
    << "certprint_queue_depth " << (g ? g->unfinished_print_jobs : 0) << "\n"
    << "# HELP certprint_outbox_due Events not yet delivered to the registry, set-aside ones "
       "excepted.\n"
    << "# TYPE certprint_outbox_due gauge\n"
    << "certprint_outbox_due " << (g ? g->outbox_due : 0) << "\n"
    << "# HELP certprint_outbox_dead Events set aside: refused by the registry for good, or "
       "failed every attempt.\n"
    << "# TYPE certprint_outbox_dead gauge\n"
    << "certprint_outbox_dead " << (g ? g->outbox_dead : 0) << "\n"
    << "# HELP certprint_submit_latency_ms Time from handing a page to CUPS to its acceptance.\n"
    << "# TYPE certprint_submit_latency_ms summary\n"
    << "certprint_submit_latency_ms_sum " << c.submit_latency_ms_sum << "\n"
    << "certprint_submit_latency_ms_count " << c.submits << "\n"
    << "# HELP certprint_store_write_failures_total State or audit writes the store refused.\n"
    << "# TYPE certprint_store_write_failures_total counter\n"
    << "certprint_store_write_failures_total " << c.store_write_failures + office_.audit_failures()
    << "\n"
    << "# HELP certprint_http_requests_total API requests, and those answered with an error.\n"
    << "# TYPE certprint_http_requests_total counter\n"
    << "certprint_http_requests_total " << requests << "\n"
    << "certprint_http_request_errors_total " << request_errors << "\n";
  return {200, nullptr, "text/plain; version=0.0.4", m.str()};
}

}  // namespace certprint::api
