#include "daemon/api.hpp"

#include <set>
#include <sstream>

#include "calibration/target.hpp"
#include "daemon/cups_raster.hpp"
#include "layout/calibration.hpp"
#include "layout/render.hpp"

namespace certprint::daemon {
namespace {

using nlohmann::json;

Reply error(int status, const std::string& code, const std::string& message,
            json fields = nullptr) {
  json e = {{"code", code}, {"message", message}};
  if (!fields.is_null()) e["fields"] = std::move(fields);
  return {status, {{"error", e}}, "application/json", {}};
}

Reply forbidden(const Caller& who, std::string_view call) {
  return error(403, "forbidden",
               "role " + std::string(to_string(who.role)) + " may not " + std::string(call));
}

bool allowed(const Caller& who, std::initializer_list<Role> roles) {
  for (Role r : roles)
    if (who.role == r) return true;
  return false;
}

Reply store_failure(const Error& e) {
  return error(500, "store", "the store failed: " + e.message);
}

// Parses a request body that must be a JSON object with only these fields.
Result<json> object_body(std::string_view body, std::initializer_list<const char*> allowed_fields) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return Error{"body is not valid JSON"};
  if (!j.is_object()) return Error{"body should be a JSON object"};
  for (const auto& [k, v] : j.items()) {
    bool known = false;
    for (const char* a : allowed_fields) known = known || k == a;
    if (!known) return Error{"field \"" + k + "\" is not expected here"};
  }
  return j;
}

Reply bad_request(const Error& e) { return error(400, "invalid", e.message); }

std::optional<std::string> string_field(const json& j, const char* name) {
  if (!j.contains(name) || !j.at(name).is_string()) return std::nullopt;
  return j.at(name).get<std::string>();
}

bool is_live(const BookletRow& b) { return b.state != "voided" && b.state != "superseded"; }

// The issuance as a booklet's record sees it: with that booklet's own stock
// serial (a reprint on a new blank has a new serial).
issuance::Issuance with_serial(issuance::Issuance rec, issuance::Holder h,
                               const std::string& serial) {
  (h == issuance::Holder::male ? rec.male_booklet : rec.female_booklet) = issuance::Booklet{serial};
  return rec;
}

json booklet_json(const BookletRow& b) {
  json j = {{"id", b.id},
            {"holder", b.holder},
            {"stock_serial", b.stock_serial},
            {"state", b.state},
            {"updated_at_ms", b.updated_at}};
  if (!b.void_reason.empty()) j["void_reason"] = b.void_reason;
  if (b.replaces) j["replaces"] = *b.replaces;
  return j;
}

}  // namespace

std::string mask_name(const std::string& name) {
  if (name.empty()) return name;
  // Keep the first character (UTF-8 aware), star the rest.
  std::size_t first = 1;
  const auto c = static_cast<unsigned char>(name[0]);
  if (c >= 0xF0)
    first = 4;
  else if (c >= 0xE0)
    first = 3;
  else if (c >= 0xC0)
    first = 2;
  first = std::min(first, name.size());
  return name.substr(0, first) + "*";
}

std::string mask_id_number(const std::string& id) {
  if (id.size() <= 8) return std::string(id.size(), '*');
  return id.substr(0, 4) + std::string(id.size() - 8, '*') + id.substr(id.size() - 4);
}

Api::Api(Store& store, const token::KeyRing& keys, EventLog& events, PrintEngine& engine,
         ApiConfig config, token::RandomSource random, std::function<issuance::Date()> today)
    : store_(store),
      keys_(keys),
      events_(events),
      engine_(engine),
      config_(std::move(config)),
      random_(std::move(random)),
      today_(std::move(today)) {}

Result<issuance::Issuance> Api::stored_issuance(const std::string& issuance_id) {
  auto row = store_.issuance(issuance_id);
  if (!row) return row.error();
  if (!*row) return Error{std::string(kNotFound) + ": issuance \"" + issuance_id + "\" is unknown"};
  // Accepted documents were valid on their day; dates are not judged again.
  auto parsed = issuance::parse_issuance((*row)->document, {{9999, 12, 31}});
  if (!parsed.ok()) return Error{"stored issuance " + issuance_id + " no longer parses"};
  return parsed.issuance;
}

Result<std::vector<BookletRow>> Api::live_booklets(const std::string& issuance_id) {
  auto all = store_.booklets(issuance_id);
  if (!all) return all.error();
  std::vector<BookletRow> live;
  for (auto& b : *all)
    if (is_live(b)) live.push_back(std::move(b));
  return live;
}

Result<json> Api::status_json(const std::string& issuance_id) {
  json j = {{"issuance_id", issuance_id}, {"booklets", json::array()}, {"events", json::array()}};
  auto bs = store_.booklets(issuance_id);
  if (!bs) return bs.error();
  for (const auto& b : *bs) j["booklets"].push_back(booklet_json(b));
  auto evs = store_.events(issuance_id);
  if (!evs) return evs.error();
  for (const auto& e : *evs) {
    json ev = json::parse(e.body, nullptr, false);
    ev["delivered"] = e.delivered_at.has_value();
    j["events"].push_back(ev);
  }
  return j;
}

Reply Api::status_reply(int status, const std::string& issuance_id) {
  auto j = status_json(issuance_id);
  if (!j) return store_failure(j.error());
  return {status, std::move(*j), "application/json", {}};
}

Reply Api::submit_issuance(const Caller& who, std::string_view body) {
  if (!allowed(who, {Role::registry})) return forbidden(who, "submit issuances");
  if (body.size() > config_.max_body_bytes)
    return error(413, "too_large",
                 "body is " + std::to_string(body.size()) + " bytes; at most " +
                     std::to_string(config_.max_body_bytes) + " are accepted");
  auto parsed = issuance::parse_issuance(body, {today_(), config_.max_body_bytes});
  if (!parsed.ok()) {
    json fields = json::array();
    std::string first;
    for (const auto& f : parsed.errors) {
      fields.push_back({{"field", f.field}, {"value", f.value}, {"problem", f.problem}});
      if (first.empty()) first = f.to_string();
    }
    return error(400, "invalid", first, fields);
  }
  const issuance::Issuance& rec = parsed.issuance;
  const std::string canonical = issuance::to_canonical_json(rec);

  // A replacement marks the booklets it replaces as superseded. Done after
  // the replacement is stored, and again on a repeated submission, so a
  // crash in between is mended by the registry's retry.
  auto supersede = [&]() -> std::optional<Reply> {
    if (!rec.supersedes) return std::nullopt;
    auto old = live_booklets(*rec.supersedes);
    if (!old) return store_failure(old.error());
    for (auto h : rec.holders())
      for (const auto& b : *old)
        if (b.holder == issuance::to_string(h)) {
          auto s = events_.record(
              *rec.supersedes, "booklet_superseded",
              {{"holder", b.holder},
               {"stock_serial", b.stock_serial},
               {"superseded_by", rec.issuance_id}},
              [&](const EventRow& ev) { return store_.set_booklet_state(b.id, "superseded", ev); });
          if (!s) return store_failure(s.error());
        }
    return std::nullopt;
  };
  if (rec.supersedes) {
    if (*rec.supersedes == rec.issuance_id)
      return error(400, "invalid",
                   "supersedes \"" + *rec.supersedes + "\": an issuance cannot supersede itself");
    auto old = store_.issuance(*rec.supersedes);
    if (!old) return store_failure(old.error());
    if (!*old)
      return error(409, "supersedes",
                   "supersedes \"" + *rec.supersedes + "\": no such issuance is stored");
  }

  auto same_or_conflict = [&]() -> std::optional<Reply> {
    auto existing = store_.issuance(rec.issuance_id);
    if (!existing) return store_failure(existing.error());
    if (!*existing) return std::nullopt;
    if ((*existing)->document == canonical) {
      if (auto r = supersede()) return *r;
      return status_reply(200, rec.issuance_id);
    }
    return error(
        409, "conflict",
        "issuance_id \"" + rec.issuance_id + "\" was submitted before with different content");
  };
  if (auto r = same_or_conflict()) return *r;

  std::vector<Store::NewBooklet> booklets;
  for (auto h : rec.holders()) {
    auto tok = issue_booklet_token(keys_, rec, h, random_);
    if (!tok) return error(500, "token", tok.error().message);
    booklets.push_back({std::string(issuance::to_string(h)), rec.booklet(h)->stock_serial, *tok});
  }
  IssuanceRow row{rec.issuance_id, canonical, events_.now()};
  auto stored =
      events_.record(rec.issuance_id, "accepted", {{"booklets", booklets.size()}},
                     [&](const EventRow& ev) { return store_.add_issuance(row, booklets, ev); });
  if (!stored.ok()) {
    if (stored.message().starts_with(kConflict)) {
      if (auto r = same_or_conflict()) return *r;  // a concurrent submission won
    }
    if (stored.message().starts_with(kStockSerial))
      return error(409, "stock_serial", stored.message().substr(kStockSerial.size() + 2));
    return store_failure(stored.error());
  }
  if (auto r = supersede()) return *r;
  (void)store_.audit(
      {events_.now(), who.name, std::string(to_string(who.role)), "submit", rec.issuance_id, ""});
  return status_reply(201, rec.issuance_id);
}

Reply Api::issuance_status(const Caller& who, const std::string& issuance_id) {
  if (!allowed(who, {Role::registry, Role::clerk})) return forbidden(who, "read issuance status");
  auto row = store_.issuance(issuance_id);
  if (!row) return store_failure(row.error());
  if (!*row) return error(404, "not_found", "issuance \"" + issuance_id + "\" is unknown");
  return status_reply(200, issuance_id);
}

Reply Api::queue_print(
    const Caller& who, const std::string& printer,
    const std::vector<std::pair<std::string, std::optional<issuance::Holder>>>& what) {
  if (!engine_.printer(printer))
    return error(404, "not_found", "printer \"" + printer + "\" is not configured");
  // One print job at a time may hold a booklet: checked and queued under one
  // lock, so two clerks' clicks cannot both queue it.
  std::lock_guard queue_lock(queue_mutex_);
  std::map<std::int64_t, std::int64_t> queued;  // booklet id -> print job holding it
  auto unfinished = store_.unfinished_print_jobs();
  if (!unfinished) return store_failure(unfinished.error());
  for (const auto& job : *unfinished) {
    auto job_tasks = store_.page_tasks(job.id);
    if (!job_tasks) return store_failure(job_tasks.error());
    for (const auto& t : *job_tasks)
      if (t.state != "completed" && t.state != "skipped" && t.state != "failed")
        queued[t.booklet_id] = job.id;
  }
  std::vector<PageTaskRow> tasks;
  std::set<std::string> seen;
  for (const auto& [issuance_id, holder] : what) {
    if (!seen.insert(issuance_id).second)
      return error(400, "invalid", "issuance \"" + issuance_id + "\" is listed twice");
    auto live = live_booklets(issuance_id);
    if (!live) return store_failure(live.error());
    auto row = store_.issuance(issuance_id);
    if (!row) return store_failure(row.error());
    if (!*row) return error(404, "not_found", "issuance \"" + issuance_id + "\" is unknown");
    std::vector<BookletRow> chosen;
    for (const auto& b : *live)  // the store lists male first
      if (!holder || b.holder == issuance::to_string(*holder)) chosen.push_back(b);
    if (chosen.empty())
      return error(409, "no_booklet",
                   "issuance \"" + issuance_id + "\" carries no " +
                       (holder ? std::string(issuance::to_string(*holder)) + " " : "") +
                       "booklet to print");
    for (const auto& b : chosen) {
      if (auto q = queued.find(b.id); q != queued.end())
        return error(409, "booklet_state",
                     "the " + b.holder + " booklet of issuance \"" + issuance_id +
                         "\" is already queued in print job " + std::to_string(q->second));
      if (b.state != "ready")
        return error(
            409, "booklet_state",
            "the " + b.holder + " booklet of issuance \"" + issuance_id + "\" is " + b.state +
                (b.state == "printing" ? "" : "; void it and give a new blank to print again"));
      for (const char* page : {"info", "page5"}) {
        auto name = opaque_job_name(random_);
        if (!name) return error(500, "random", name.error().message);
        PageTaskRow t;
        t.position = static_cast<int>(tasks.size());
        t.booklet_id = b.id;
        t.page = page;
        t.job_name = *name;
        t.state = "queued";
        tasks.push_back(t);
      }
    }
  }
  PrintJobRow job;
  job.printer = printer;
  job.state = "queued";
  job.requested_by = who.name;
  job.created_at = events_.now();
  auto id = store_.add_print_job(job, tasks);
  if (!id) return store_failure(id.error());
  for (const auto& [issuance_id, holder] : what)
    (void)store_.audit({events_.now(), who.name, std::string(to_string(who.role)), "print",
                        issuance_id, "print job " + std::to_string(*id) + " on " + printer});
  engine_.notify(printer);
  return {202,
          {{"print_job_id", *id}, {"printer", printer}, {"pages", tasks.size()}},
          "application/json",
          {}};
}

Reply Api::print(const Caller& who, const std::string& issuance_id, std::string_view body) {
  if (!allowed(who, {Role::clerk})) return forbidden(who, "print");
  auto j = object_body(body, {"printer", "holder"});
  if (!j) return bad_request(j.error());
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
  if (!j) return bad_request(j.error());
  auto printer = string_field(*j, "printer");
  if (!printer) return error(400, "invalid", "field \"printer\" is required (a string)");
  if (!j->contains("issuances") || !j->at("issuances").is_array() || j->at("issuances").empty())
    return error(400, "invalid",
                 "field \"issuances\" is required: a non-empty array of issuance ids");
  std::vector<std::pair<std::string, std::optional<issuance::Holder>>> what;
  for (const auto& v : j->at("issuances")) {
    if (!v.is_string())
      return error(400, "invalid", "field \"issuances\" holds " + v.dump() + ": expected strings");
    what.emplace_back(v.get<std::string>(), std::nullopt);
  }
  return queue_print(who, *printer, what);
}

Reply Api::print_job(const Caller& who, const std::string& id_text) {
  if (!allowed(who, {Role::clerk})) return forbidden(who, "read print jobs");
  std::int64_t id = 0;
  try {
    id = std::stoll(id_text);
  } catch (...) {
    return error(400, "invalid", "print job id \"" + id_text + "\" is not a number");
  }
  auto job = store_.print_job(id);
  if (!job) return store_failure(job.error());
  if (!*job) return error(404, "not_found", "print job " + id_text + " is unknown");
  auto tasks = store_.page_tasks(id);
  if (!tasks) return store_failure(tasks.error());
  json pages = json::array();
  std::size_t done = 0;
  for (const auto& t : *tasks) {
    auto b = store_.booklet(t.booklet_id);
    json p = {{"position", t.position},
              {"page", t.page},
              {"state", t.state},
              {"cups_job_id", t.cups_job_id},
              {"updated_at_ms", t.updated_at}};
    if (b && *b) {
      p["issuance_id"] = (*b)->issuance_id;
      p["holder"] = (*b)->holder;
    }
    if (!t.reason.empty()) p["reason"] = t.reason;
    done += t.state == "completed";
    pages.push_back(p);
  }
  json j = {{"print_job_id", id}, {"printer", (*job)->printer}, {"state", (*job)->state},
            {"pages", pages},     {"pages_done", done},         {"pages_total", tasks->size()}};
  if (!(*job)->reason.empty()) j["reason"] = (*job)->reason;
  return {200, j, "application/json", {}};
}

Reply Api::confirm(const Caller& who, const std::string& issuance_id, const std::string& holder) {
  if (!allowed(who, {Role::clerk})) return forbidden(who, "confirm booklets");
  if (!issuance::holder_from_string(holder))
    return error(400, "invalid", "holder \"" + holder + "\": expected male or female");
  auto live = live_booklets(issuance_id);
  if (!live) return store_failure(live.error());
  for (const auto& b : *live) {
    if (b.holder != holder) continue;
    if (b.state != "printed")
      return error(409, "booklet_state",
                   "the " + holder + " booklet is " + b.state + ", not printed");
    auto s = events_.record(
        issuance_id, "booklet_confirmed", {{"holder", holder}, {"stock_serial", b.stock_serial}},
        [&](const EventRow& ev) { return store_.set_booklet_state(b.id, "confirmed", ev); });
    if (!s) return store_failure(s.error());
    (void)store_.audit({events_.now(), who.name, std::string(to_string(who.role)), "confirm",
                        issuance_id, holder});
    auto after = store_.booklet(b.id);
    return {200, after && *after ? booklet_json(**after) : json::object(), "application/json", {}};
  }
  return error(404, "not_found",
               "issuance \"" + issuance_id + "\" has no live " + holder + " booklet");
}

Reply Api::void_booklet(const Caller& who, const std::string& issuance_id,
                        const std::string& holder_text, std::string_view body) {
  if (!allowed(who, {Role::clerk})) return forbidden(who, "void booklets");
  auto holder = issuance::holder_from_string(holder_text);
  if (!holder)
    return error(400, "invalid", "holder \"" + holder_text + "\": expected male or female");
  auto j = object_body(body, {"reason", "new_stock_serial"});
  if (!j) return bad_request(j.error());
  auto reason = string_field(*j, "reason");
  if (!reason || reason->empty() || reason->size() > 600)
    return error(400, "invalid",
                 "field \"reason\" is required: why the booklet is spoiled (1..200 characters)");
  auto serial = string_field(*j, "new_stock_serial");
  if (!serial || serial->size() != 10 ||
      serial->find_first_not_of("0123456789") != std::string::npos)
    return error(400, "invalid",
                 "field \"new_stock_serial\" " +
                     (j->contains("new_stock_serial") ? j->at("new_stock_serial").dump()
                                                      : std::string("is missing")) +
                     ": expected the new blank's 10-digit serial");
  auto rec = stored_issuance(issuance_id);
  if (!rec) {
    if (rec.error().message.starts_with(kNotFound))
      return error(404, "not_found", "issuance \"" + issuance_id + "\" is unknown");
    return store_failure(rec.error());
  }
  auto live = live_booklets(issuance_id);
  if (!live) return store_failure(live.error());
  for (const auto& b : *live) {
    if (b.holder != holder_text) continue;
    if (b.state == "printing")
      return error(409, "booklet_state",
                   "the " + holder_text + " booklet is printing; wait for its print job to end");
    auto tok = issue_booklet_token(keys_, with_serial(*rec, *holder, *serial), *holder, random_);
    if (!tok) return error(500, "token", tok.error().message);
    Result<std::int64_t> new_id = Error{""};
    auto s = events_.record(issuance_id, "booklet_voided",
                            {{"holder", holder_text},
                             {"stock_serial", b.stock_serial},
                             {"reason", *reason},
                             {"new_stock_serial", *serial}},
                            [&](const EventRow& ev) -> Status {
                              new_id = store_.void_and_replace(b.id, *reason, *serial, *tok, ev);
                              return new_id.status();
                            });
    if (!s) {
      if (s.message().starts_with(kStockSerial))
        return error(409, "stock_serial", s.message().substr(kStockSerial.size() + 2));
      if (s.message().starts_with(kConflict))
        return error(409, "conflict", s.message().substr(kConflict.size() + 2));
      return store_failure(s.error());
    }
    (void)store_.audit({events_.now(), who.name, std::string(to_string(who.role)), "void",
                        issuance_id, holder_text + " booklet " + std::to_string(b.id)});
    auto after = store_.booklet(*new_id);
    return {
        200,
        {{"voided", b.id}, {"booklet", after && *after ? booklet_json(**after) : json::object()}},
        "application/json",
        {}};
  }
  return error(404, "not_found",
               "issuance \"" + issuance_id + "\" has no live " + holder_text + " booklet");
}

Reply Api::printers(const Caller& who) {
  if (!allowed(who, {Role::clerk, Role::technician})) return forbidden(who, "list printers");
  json list = json::array();
  for (const auto& p : engine_.printers()) {
    json j = {
        {"name", p.name},          {"format", p.format == DocumentFormat::pdf ? "pdf" : "raster"},
        {"dpi", p.res.describe()}, {"x_dpi", p.res.x_dpi},
        {"y_dpi", p.res.y_dpi},    {"band_rows", p.band_rows}};
    auto s = engine_.printer_status(p.name);
    if (s) {
      j["state"] = s->state;
      j["reasons"] = s->reasons;
      j["message"] = s->message;
      j["accepting_jobs"] = s->accepting_jobs;
      j["needs_attention"] = s->needs_attention();
    } else {
      j["state"] = "unreachable";
      j["message"] = s.error().message;
      j["needs_attention"] = true;
    }
    list.push_back(j);
  }
  return {200, {{"printers", list}}, "application/json", {}};
}

BookletRenderer* Api::renderer(issuance::Kind kind) {
  auto& r = renderers_[kind];
  if (!r) {
    auto t = load_template_for(config_.templates_dir, kind);
    if (!t) return nullptr;
    auto made = BookletRenderer::create(std::move(*t));
    if (!made) return nullptr;
    r = std::move(*made);
  }
  return r.get();
}

Reply Api::preview(const Caller& who, const std::string& issuance_id,
                   const std::string& holder_text, const std::string& page) {
  if (!allowed(who, {Role::clerk})) return forbidden(who, "preview pages");
  auto holder = issuance::holder_from_string(holder_text);
  if (!holder)
    return error(400, "invalid", "holder \"" + holder_text + "\": expected male or female");
  if (page != "info" && page != "page5")
    return error(400, "invalid", "page \"" + page + "\": expected info or page5");
  auto rec = stored_issuance(issuance_id);
  if (!rec) return error(404, "not_found", "issuance \"" + issuance_id + "\" is unknown");
  auto live = live_booklets(issuance_id);
  if (!live) return store_failure(live.error());
  for (const auto& b : *live) {
    if (b.holder != holder_text) continue;
    std::lock_guard lock(render_mutex_);
    BookletRenderer* r = renderer(rec->kind);
    if (!r) return error(500, "template", "the template for this issuance cannot be loaded");
    RenderOptions options;
    options.device = {{180, 180}, 0};
    options.pdf = false;
    options.preview = true;
    auto pages =
        r->render_booklet(with_serial(*rec, *holder, b.stock_serial), *holder, b.token, options);
    if (!pages) return error(422, "refused", pages.error().message);
    Reply reply{200, nullptr, "image/png", (*pages)[page == "info" ? 0 : 1].preview_png};
    return reply;
  }
  return error(404, "not_found",
               "issuance \"" + issuance_id + "\" has no live " + holder_text + " booklet");
}

Reply Api::calibration(const Caller& who, const std::string& printer) {
  if (!allowed(who, {Role::technician})) return forbidden(who, "read calibrations");
  if (!engine_.printer(printer))
    return error(404, "not_found", "printer \"" + printer + "\" is not configured");
  auto rows = store_.calibrations(printer);
  if (!rows) return store_failure(rows.error());
  json versions = json::array();
  for (const auto& r : *rows)
    versions.push_back({{"version", r.version},
                        {"set_by", r.set_by},
                        {"set_at_ms", r.set_at},
                        {"profile", json::parse(r.profile, nullptr, false)}});
  json j = {{"printer", printer}, {"versions", versions}};
  j["current"] = rows->empty() ? json(nullptr) : versions.front();
  return {200, j, "application/json", {}};
}

Reply Api::set_calibration(const Caller& who, const std::string& printer, std::string_view body) {
  if (!allowed(who, {Role::technician})) return forbidden(who, "set calibrations");
  const PrinterConfig* p = engine_.printer(printer);
  if (!p) return error(404, "not_found", "printer \"" + printer + "\" is not configured");
  auto cal = layout::parse_calibration(body, "body");
  if (!cal) return error(400, "invalid", cal.error().message);
  cal->printer = printer;
  // A correction that would push page 5's QR out of its zone is refused for
  // every template it could be used with.
  {
    std::lock_guard lock(render_mutex_);
    for (auto kind : {issuance::Kind::marriage, issuance::Kind::divorce}) {
      BookletRenderer* r = renderer(kind);
      if (!r) return error(500, "template", "the templates cannot be loaded");
      auto text = layout::TextEngine::create(r->page_template().font_family);
      if (!text) return error(500, "font", text.error().message);
      const std::string payload = "CP:" + std::string(42, 'A');
      auto plan = layout::plan_page(**text, r->page_template().page5, {{}, payload}, cal->page5,
                                    {p->res, p->band_rows});
      if (!plan)
        return error(422, "refused",
                     std::string(issuance::to_string(kind)) + " page 5: " + plan.error().message);
    }
  }
  CalibrationRow row{printer, 0, layout::to_json(*cal), who.name, events_.now()};
  auto version = store_.add_calibration(row);
  if (!version) return store_failure(version.error());
  (void)store_.audit({events_.now(), who.name, std::string(to_string(who.role)), "calibrate",
                      printer, "version " + std::to_string(*version)});
  return {200, {{"printer", printer}, {"version", *version}}, "application/json", {}};
}

Reply Api::print_target(const Caller& who, const std::string& printer, std::string_view body) {
  if (!allowed(who, {Role::technician})) return forbidden(who, "print calibration targets");
  const PrinterConfig* p = engine_.printer(printer);
  if (!p) return error(404, "not_found", "printer \"" + printer + "\" is not configured");
  auto j = object_body(body, {"page", "corrected"});
  if (!j) return bad_request(j.error());
  const auto page = string_field(*j, "page");
  if (!page || (*page != "info" && *page != "page5"))
    return error(400, "invalid", "field \"page\" is required: \"info\" or \"page5\"");
  if (j->contains("corrected") && !j->at("corrected").is_boolean())
    return error(400, "invalid",
                 "field \"corrected\" " + j->at("corrected").dump() + ": expected true or false");
  const bool corrected = j->value("corrected", false);
  auto jobs = store_.unfinished_print_jobs();
  if (!jobs) return store_failure(jobs.error());
  for (const auto& job : *jobs)
    if (job.printer == printer)
      return error(
          409, "printer_busy",
          "printer \"" + printer + "\" has print jobs under way; print targets when it is idle");
  layout::Affine correction;
  if (corrected) {
    auto rows = store_.calibrations(printer);
    if (!rows) return store_failure(rows.error());
    if (!rows->empty()) {
      auto cal = layout::parse_calibration(rows->front().profile, "stored");
      if (!cal) return error(500, "calibration", cal.error().message);
      correction = cal->for_page(*page);
    }
  }
  std::lock_guard lock(render_mutex_);
  BookletRenderer* r = renderer(issuance::Kind::marriage);
  if (!r) return error(500, "template", "the templates cannot be loaded");
  const layout::PageTemplate& pt =
      *page == "info" ? r->page_template().info : r->page_template().page5;
  auto text = layout::TextEngine::create(r->page_template().font_family);
  if (!text) return error(500, "font", text.error().message);
  const auto marks = calibration::target_marks(pt);
  PageJob job;
  job.width_mm = pt.width_mm;
  job.height_mm = pt.height_mm;
  job.format = p->format;
  auto name = opaque_job_name(random_);
  if (!name) return error(500, "random", name.error().message);
  job.job_name = *name;
  if (p->format == DocumentFormat::pdf) {
    auto pdf = calibration::render_target_pdf(**text, pt, marks, correction);
    if (!pdf) return error(500, "render", pdf.error().message);
    job.document = std::move(*pdf);
  } else {
    auto raster = calibration::render_target(**text, pt, marks, correction, p->res);
    if (!raster) return error(500, "render", raster.error().message);
    auto stream = to_cups_raster(*raster);
    if (!stream) return error(500, "render", stream.error().message);
    job.document = std::move(*stream);
  }
  auto id = engine_.submit_one(printer, job);
  if (!id) return error(503, "printer", id.error().message);
  (void)store_.audit({events_.now(), who.name, std::string(to_string(who.role)), "target", printer,
                      *page + (corrected ? " corrected" : "")});
  json list = json::array();
  for (const auto& m : marks)
    list.push_back({{"label", m.label}, {"x_mm", m.nominal.x_mm}, {"y_mm", m.nominal.y_mm}});
  return {202,
          {{"printer", printer},
           {"page", *page},
           {"corrected", corrected},
           {"cups_job_id", *id},
           {"marks", list}},
          "application/json",
          {}};
}

Reply Api::verify(const Caller& who, std::string_view body) {
  if (!allowed(who, {Role::verifier})) return forbidden(who, "verify tokens");
  auto j = object_body(body, {"token"});
  if (!j) return bad_request(j.error());
  auto tok = string_field(*j, "token");
  if (!tok || tok->empty() || tok->size() > 200)
    return error(400, "invalid",
                 "field \"token\" is required: the scanned text (at most 200 characters)");
  (void)store_.audit({events_.now(), who.name, std::string(to_string(who.role)), "verify", "", ""});
  const Reply unknown{200, {{"result", "unknown"}}, "application/json", {}};
  auto b = store_.booklet_by_token(*tok);
  if (!b) return store_failure(b.error());
  if (!*b) return unknown;
  auto rec = stored_issuance((*b)->issuance_id);
  if (!rec) return unknown;
  const auto holder = *issuance::holder_from_string((*b)->holder);
  const auto record =
      issuance::canonical_booklet_record(with_serial(*rec, holder, (*b)->stock_serial), holder);
  // The stored token must still carry a valid tag for the stored record: a
  // row edited behind the daemon's back verifies as nothing.
  if (token::verify(keys_, *tok, record) != token::Verdict::match) return unknown;
  if ((*b)->state == "voided") return {200, {{"result", "voided"}}, "application/json", {}};
  if ((*b)->state == "superseded") return {200, {{"result", "superseded"}}, "application/json", {}};
  const auto& party = rec->party(holder);
  return {200,
          {{"result", "match"},
           {"kind", issuance::to_string(rec->kind)},
           {"holder",
            {{"name", mask_name(party.name)}, {"id_number", mask_id_number(party.id_number)}}}},
          "application/json",
          {}};
}

Reply Api::health(const Caller&) {
  auto jobs = store_.unfinished_print_jobs();
  if (!jobs) return error(503, "store", "the store does not answer: " + jobs.error().message);
  return {200,
          {{"status", "ok"},
           {"queued_print_jobs", jobs->size()},
           {"printers", engine_.printers().size()}},
          "application/json",
          {}};
}

Reply Api::metrics(const Caller&) {
  const auto& c = engine_.counters();
  auto jobs = store_.unfinished_print_jobs();
  auto due = store_.due_events(events_.now(), 100000);
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
    << "certprint_queue_depth " << (jobs ? jobs->size() : 0) << "\n"
    << "# HELP certprint_outbox_due Events waiting to be delivered to the registry.\n"
    << "# TYPE certprint_outbox_due gauge\n"
    << "certprint_outbox_due " << (due ? due->size() : 0) << "\n"
    << "# HELP certprint_submit_latency_ms Time from handing a page to CUPS to its acceptance.\n"
    << "# TYPE certprint_submit_latency_ms summary\n"
    << "certprint_submit_latency_ms_sum " << c.submit_latency_ms_sum << "\n"
    << "certprint_submit_latency_ms_count " << c.submits << "\n"
    << "# HELP certprint_http_requests_total API requests, and those answered with an error.\n"
    << "# TYPE certprint_http_requests_total counter\n"
    << "certprint_http_requests_total " << requests << "\n"
    << "certprint_http_request_errors_total " << request_errors << "\n";
  return {200, nullptr, "text/plain; version=0.0.4", m.str()};
}

}  // namespace certprint::daemon
