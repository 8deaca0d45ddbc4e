// The technician's blank-stock ledger: movements, a serial's state, and the
// reconciliation of a period (JSON or CSV).
#include <algorithm>
#include <ctime>

#include "daemon/api/api.hpp"
#include "daemon/api/request.hpp"

namespace certprint::api {

using nlohmann::json;

namespace {

constexpr long long kMaxRange = 100'000;  // serials in one movement
constexpr int kMaxDays = 366;             // days in one reconciliation

Result<std::string> serial_field(const json& j, const char* name) {
  auto s = string_field(j, name);
  if (s && issuance::is_stock_serial(*s)) return *s;
  return invalid("field \"" + std::string(name) + "\" " +
                 (j.contains(name) ? j.at(name).dump() : std::string("is missing")) +
                 ": expected a 10-digit stock serial");
}

// Midnight at the start of a YYYY-MM-DD day in the daemon's local time (or
// of the day `days_after` it).
json range_json(const stock::SerialRange& r) {
  return {{"first_serial", r.first}, {"last_serial", r.last}, {"count", r.count}};
}

json reconciliation_json(const stock::Reconciliation& r, const std::string& from,
                         const std::string& to) {
  const auto& f = r.figures;
  json j = {{"from", from},
            {"to", to},
            {"from_ms", r.from},
            {"to_ms", r.to},
            {"figures",
             {{"opening_in_stock", f.opening_in_stock},
              {"opening_awaiting_confirmation", f.opening_awaiting},
              {"received", f.received},
              {"used_without_receipt", f.used_without_receipt},
              {"issued", f.issued},
              {"spoiled", f.spoiled},
              {"returned", f.returned},
              {"destroyed", f.destroyed},
              {"closing_in_stock", f.closing_in_stock},
              {"closing_awaiting_confirmation", f.closing_awaiting}}},
            {"balances", f.balances()}};
  j["received"] = json::array();
  for (const auto& m : r.received) j["received"].push_back(range_json(m));
  j["closing_stock"] = json::array();
  for (const auto& c : r.closing_stock) j["closing_stock"].push_back(range_json(c));
  j["spoiled"] = json::array();
  for (const auto& s : r.spoiled)
    j["spoiled"].push_back({{"serial", s.serial},
                            {"issuance_id", s.issuance_id},
                            {"holder", s.holder},
                            {"reason", s.reason},
                            {"by", s.by},
                            {"at_ms", s.at}});
  j["anomalies"] = json::array();
  for (const auto& a : r.anomalies)
    j["anomalies"].push_back({{"serial", a.serial}, {"kind", a.kind}, {"detail", a.detail}});
  return j;
}

json movement_json(const store::StockMovementRow& m) {
  return {{"id", m.id},
          {"kind", std::string(store::to_string(m.kind))},
          {"first_serial", m.first_serial},
          {"last_serial", m.last_serial},
          {"count", std::stoll(m.last_serial) - std::stoll(m.first_serial) + 1},
          {"reference", m.reference},
          {"by", m.actor},
          {"at_ms", m.at}};
}

}  // namespace

Reply Api::record_stock(const Caller& who, std::string_view body) {
  if (!allowed(who, {Role::technician})) return forbidden(who, "record stock movements");
  auto j = object_body(body, {"kind", "first_serial", "last_serial", "reference"});
  if (!j) return error_reply(j.error());
  const auto kind_text = string_field(*j, "kind");
  const auto kind = kind_text ? store::stock_movement_kind_from_string(*kind_text) : std::nullopt;
  if (!kind)
    return error(400, "invalid",
                 "field \"kind\" " + (j->contains("kind") ? j->at("kind").dump() : "is missing") +
                     ": expected \"received\", \"returned\" or \"destroyed\"");
  auto first = serial_field(*j, "first_serial");
  if (!first) return error_reply(first.error());
  auto last = serial_field(*j, "last_serial");
  if (!last) return error_reply(last.error());
  const long long count = std::stoll(*last) - std::stoll(*first) + 1;
  if (count < 1 || count > kMaxRange)
    return error(400, "invalid",
                 "field \"last_serial\" \"" + *last + "\": expected at most " +
                     std::to_string(kMaxRange) + " serials from \"" + *first +
                     "\" on, and not before it");
  auto reference = text_field(*j, "reference", 200, "the delivery note, return slip or record");
  if (!reference) return error_reply(reference.error());
  auto m = office_.record_stock(actor(who), {0, 0, *kind, *first, *last, *reference, ""});
  if (!m) return error_reply(m.error());
  return {201, movement_json(*m), "application/json", {}};
}

Reply Api::stock_movements(const Caller& who) {
  if (!allowed(who, {Role::technician})) return forbidden(who, "read the stock ledger");
  auto list = office_.stock_movements();
  if (!list) return error_reply(list.error());
  json j{{"movements", json::array()}};
  for (const auto& m : *list) j["movements"].push_back(movement_json(m));
  return {200, j, "application/json", {}};
}

Reply Api::stock_serial(const Caller& who, const std::string& serial) {
  if (!allowed(who, {Role::technician})) return forbidden(who, "read the stock ledger");
  if (!issuance::is_stock_serial(serial))
    return error(400, "invalid", "serial \"" + serial + "\": expected 10 digits");
  auto state = office_.stock_serial_state(serial);
  if (!state) return error_reply(state.error());
  return {200,
          {{"serial", serial}, {"state", std::string(stock::to_string(*state))}},
          "application/json",
          {}};
}

Reply Api::stock_reconciliation(const Caller& who, const std::string& from, const std::string& to,
                                const std::string& format) {
  if (!allowed(who, {Role::technician})) return forbidden(who, "read the stock ledger");
  if (format != "json" && format != "csv" && format != "pdf")
    return error(400, "invalid",
                 "parameter \"format\" \"" + format + "\": expected \"json\", \"csv\" or \"pdf\"");
  auto start = day_start(from, "from");
  if (!start) return error_reply(start.error());
  auto end = day_start(to, "to", 1);  // `to` is the period's last day
  if (!end) return error_reply(end.error());
  if (*end <= *start || *end - *start > Millis{kMaxDays} * 86'400'000 + 3'600'000)
    return error(400, "invalid",
                 "parameters \"from\" \"" + from + "\" and \"to\" \"" + to +
                     "\": expected the first and last day of a period of 1.." +
                     std::to_string(kMaxDays) + " days");
  if (format == "pdf") {
    auto pdf = office_.stock_report_pdf(actor(who), *start, *end, from, to);
    if (!pdf) return error_reply(pdf.error());
    return {200, nullptr, "application/pdf", std::move(*pdf)};
  }
  auto r = office_.reconcile_stock(*start, *end);
  if (!r) return error_reply(r.error());
  if (format == "csv") return {200, nullptr, "text/csv; charset=utf-8", stock::to_csv(*r)};
  return {200, reconciliation_json(*r, from, to), "application/json", {}};
}

}  // namespace certprint::api
