// The clerk's calls: the day's issuances, print, follow, confirm, void, printers,
// previews.
#include <charconv>

#include "daemon/api/api.hpp"
#include "daemon/api/request.hpp"

namespace certprint::api {

using nlohmann::json;

namespace {
constexpr int kMaxIssuancesListed = 500;  // one day's issuances at the busiest office
}  // namespace

Reply Api::queue_print(const Caller& who, const std::string& printer,
                       const std::vector<engine::PrintRequest>& what) {
  auto queued = office_.queue_print(actor(who), printer, what);
  if (!queued) return error_reply(queued.error());
  return {202,
          {{"print_job_id", queued->print_job_id}, {"printer", printer}, {"pages", queued->pages}},
          "application/json",
          {}};
}

Reply Api::print(const Caller& who, const std::string& issuance_id, std::string_view body) {
  if (!allowed(who, {Role::clerk})) return forbidden(who, "print");
  auto j = object_body(body, {"printer", "holder"});
  if (!j) return error_reply(j.error());
  auto printer = string_field(*j, "printer");
  if (!printer) return error(400, "invalid", "field \"printer\" is required (a string)");
  std::optional<issuance::Holder> holder;
  if (j->contains("holder")) {
    auto h = string_field(*j, "holder");
    holder = h ? issuance::holder_from_string(*h) : std::nullopt;
    if (!holder)
      return error(
          400, "invalid",
          "field \"holder\" " + j->at("holder").dump() + ": expected \"male\" or \"female\"");
  }
  return queue_print(who, *printer, {{issuance_id, holder}});
}

Reply Api::print_batch(const Caller& who, std::string_view body) {
  if (!allowed(who, {Role::clerk})) return forbidden(who, "print");
  auto j = object_body(body, {"printer", "issuances"});
  if (!j) return error_reply(j.error());
  auto printer = string_field(*j, "printer");
  if (!printer) return error(400, "invalid", "field \"printer\" is required (a string)");
  if (!j->contains("issuances") || !j->at("issuances").is_array() || j->at("issuances").empty())
    return error(400, "invalid",
                 "field \"issuances\" is required: a non-empty array of issuance ids");
  std::vector<engine::PrintRequest> what;
  for (const auto& v : j->at("issuances")) {
    if (!v.is_string())
      return error(400, "invalid", "field \"issuances\" holds " + v.dump() + ": expected strings");
    what.push_back({v.get<std::string>(), std::nullopt});
  }
  return queue_print(who, *printer, what);
}

Reply Api::print_job(const Caller& who, const std::string& id_text) {
  if (!allowed(who, {Role::clerk})) return forbidden(who, "read print jobs");
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc() || end != id_text.data() + id_text.size())
    return error(400, "invalid", "print job id \"" + id_text + "\" is not a number");
  auto view = office_.print_job(id);
  if (!view) return error_reply(view.error());
  json pages = json::array();
  for (const auto& [t, b] : view->pages) {
    json p = {{"position", t.position},
              {"page", issuance::to_string(t.page)},
              {"state", store::to_string(t.state)},
              {"cups_job_id", t.cups_job_id},
              {"updated_at_ms", t.updated_at}};
    if (b) {
      p["issuance_id"] = b->issuance_id;
      p["holder"] = issuance::to_string(b->holder);
    }
    if (!t.reason.empty()) p["reason"] = t.reason;
    pages.push_back(p);
  }
  json j = {{"print_job_id", id},
            {"printer", view->job.printer},
            {"state", store::to_string(view->job.state)},
            {"pages", pages},
            {"pages_done", view->pages_done},
            {"pages_total", view->pages.size()}};
  if (!view->job.reason.empty()) j["reason"] = view->job.reason;
  return {200, j, "application/json", {}};
}

Reply Api::confirm(const Caller& who, const std::string& issuance_id, const std::string& holder) {
  if (!allowed(who, {Role::clerk})) return forbidden(who, "confirm booklets");
  auto h = holder_param(holder);
  if (!h) return error_reply(h.error());
  auto b = office_.confirm(actor(who), issuance_id, *h);
  if (!b) return error_reply(b.error());
  return {200, booklet_json(*b), "application/json", {}};
}

Reply Api::void_booklet(const Caller& who, const std::string& issuance_id,
                        const std::string& holder_text, std::string_view body) {
  if (!allowed(who, {Role::clerk})) return forbidden(who, "void booklets");
  auto holder = holder_param(holder_text);
  if (!holder) return error_reply(holder.error());
  auto j = object_body(body, {"reason", "new_stock_serial", "blank_damaged"});
  if (!j) return error_reply(j.error());
  auto reason = text_field(*j, "reason", 200, "why the booklet is spoiled");
  if (!reason) return error_reply(reason.error());
  auto serial = string_field(*j, "new_stock_serial");
  if (!serial || !issuance::is_stock_serial(*serial))
    return error(400, "invalid",
                 "field \"new_stock_serial\" " +
                     (j->contains("new_stock_serial") ? j->at("new_stock_serial").dump()
                                                      : std::string("is missing")) +
                     ": expected the new blank's 10-digit serial");
  if (j->contains("blank_damaged") && !j->at("blank_damaged").is_boolean())
    return error(400, "invalid",
                 "field \"blank_damaged\" " + j->at("blank_damaged").dump() +
                     ": expected true (the blank itself is damaged) or false");
  const engine::VoidRequest request{*reason, *serial, j->value("blank_damaged", false)};
  auto voided = office_.void_booklet(actor(who), issuance_id, *holder, request);
  if (!voided) return error_reply(voided.error());
  return {200,
          {{"voided", voided->voided_id}, {"booklet", booklet_json(voided->replacement)}},
          "application/json",
          {}};
}

Reply Api::issuances(const Caller& who, const std::string& day_param, const std::string& state) {
  if (!allowed(who, {Role::clerk})) return forbidden(who, "list issuances");
  const std::string day = day_param.empty() ? config_.today().iso() : day_param;
  auto start = day_start(day, "day");
  if (!start) return error_reply(start.error());
  auto end = day_start(day, "day", 1);
  if (!end) return error_reply(end.error());
  std::optional<store::BookletState> wanted;
  if (!state.empty()) {
    wanted = store::booklet_state_from_string(state);
    if (!wanted)
      return error(400, "invalid",
                   "parameter \"state\" \"" + state +
                       "\": expected ready, printing, printed, failed, confirmed, voided or "
                       "superseded");
  }
  auto list = office_.issuances_received(*start, *end, wanted, kMaxIssuancesListed);
  if (!list) return error_reply(list.error());
  json out = json::array();
  for (const auto& i : *list) {
    json booklets = json::array();
    for (const auto& b : i.booklets) booklets.push_back(booklet_json(b));
    out.push_back({{"issuance_id", i.issuance_id},
                   {"kind", issuance::to_string(i.kind)},
                   {"replacement", i.replacement},
                   {"certificate_no", i.certificate_no},
                   {"names", {{"male", i.male_name}, {"female", i.female_name}}},
                   {"received_at_ms", i.received_at},
                   {"booklets", booklets}});
  }
  return {200, {{"day", day}, {"issuances", out}}, "application/json", {}};
}

Reply Api::printers(const Caller& who) {
  if (!allowed(who, {Role::clerk, Role::technician})) return forbidden(who, "list printers");
  json list = json::array();
  for (const auto& p : printing_.printers()) {
    json j = {{"name", p.name},
              {"format", p.format == printing::DocumentFormat::pdf ? "pdf" : "raster"},
              {"dpi", p.res.describe()},
              {"x_dpi", p.res.x_dpi},
              {"y_dpi", p.res.y_dpi},
              {"feed", engine::to_string(p.feed)}};
    auto held = office_.held_jobs(p.name);
    if (!held) return error_reply(held.error());
    j["held"] = !held->empty();
    if (!held->empty()) {
      json jobs = json::array();
      for (const auto& c : *held)
        jobs.push_back(
            {{"cups_job_id", c.cups_job_id}, {"reason", c.reason}, {"since_ms", c.since}});
      j["held_jobs"] = jobs;
    }
    auto s = printing_.printer_status(p.name);
    if (s) {
      j["state"] = s->state;
      j["reasons"] = s->reasons;
      j["message"] = s->message;
      j["accepting_jobs"] = s->accepting_jobs;
      j["needs_attention"] = s->needs_attention() || !held->empty();
    } else {
      j["state"] = "unreachable";
      j["message"] = s.error().message;
      j["needs_attention"] = true;
    }
    list.push_back(j);
  }
  return {200, {{"printers", list}}, "application/json", {}};
}

Reply Api::release_printer(const Caller& who, const std::string& printer) {
  if (!allowed(who, {Role::clerk, Role::technician})) return forbidden(who, "release printers");
  auto released = office_.release_printer(actor(who), printer);
  if (!released) return error_reply(released.error());
  return {200, {{"printer", printer}, {"released_jobs", *released}}, "application/json", {}};
}

Reply Api::preview(const Caller& who, const std::string& issuance_id,
                   const std::string& holder_text, const std::string& page_text) {
  if (!allowed(who, {Role::clerk})) return forbidden(who, "preview pages");
  auto holder = holder_param(holder_text);
  if (!holder) return error_reply(holder.error());
  const auto page = issuance::page_kind_from_string(page_text);
  if (!page) return error(400, "invalid", "page \"" + page_text + "\": expected info or page5");
  auto png = office_.preview_png(issuance_id, *holder, *page);
  if (!png) return error_reply(png.error());
  return {200, nullptr, "image/png", std::move(*png)};
}

}  // namespace certprint::api
