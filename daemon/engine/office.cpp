// The Office's shared parts: construction, the audit, reading status.
#include "daemon/engine/office.hpp"

#include <algorithm>

namespace certprint::engine {

std::string_view to_string(VerifyResult r) {
  switch (r) {
    case VerifyResult::match:
      return "match";
    case VerifyResult::voided:
      return "voided";
    case VerifyResult::superseded:
      return "superseded";
    case VerifyResult::unknown:
      break;
  }
  return "unknown";
}

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

Office::Office(store::Store& store, const token::KeyRing& keys, EventLog& events,
               PrintEngine& engine, std::filesystem::path templates_dir, RandomSource random,
               LogSink log, AuditBatchConfig audit_batch)
    : store_(store),
      keys_(keys),
      events_(events),
      engine_(engine),
      random_(std::move(random)),
      log_(std::move(log)),
      renderers_(std::move(templates_dir)),
      verify_audit_(store, audit_batch, log_) {}

void Office::audit(const Actor& who, const std::string& action, const std::string& subject,
                   const std::string& detail) {
  auto s = store_.audit({events_.now(), who.name, who.role, action, subject, detail});
  if (s) return;
  audit_failures_++;
  log_(Priority::error, "audit: the " + action + " of " + who.name + " on \"" + subject +
                            "\" was done but not recorded: " + s.message());
}

Result<std::vector<store::BookletRow>> Office::live_booklets(const std::string& issuance_id) {
  auto all = store_.booklets(issuance_id);
  if (!all) return all.error();
  std::vector<store::BookletRow> live;
  for (auto& b : *all)
    if (store::is_live(b.state)) live.push_back(std::move(b));
  return live;
}

Result<store::BookletRow> Office::live_booklet(const std::string& issuance_id,
                                               issuance::Holder holder) {
  auto live = live_booklets(issuance_id);
  if (!live) return live.error();
  for (auto& b : *live)
    if (b.holder == holder) return std::move(b);
  return not_found("issuance \"" + issuance_id + "\" has no live " +
                   std::string(issuance::to_string(holder)) + " booklet");
}

Result<IssuanceStatus> Office::status(const std::string& issuance_id) {
  auto row = store_.issuance(issuance_id);
  if (!row) return row.error();
  if (!*row) return not_found("issuance \"" + issuance_id + "\" is unknown");
  IssuanceStatus st{issuance_id, {}, {}};
  auto booklets = store_.booklets(issuance_id);
  if (!booklets) return booklets.error();
  st.booklets = std::move(*booklets);
  auto events = store_.events(issuance_id);
  if (!events) return events.error();
  st.events = std::move(*events);
  return st;
}

Result<std::vector<IssuanceSummary>> Office::issuances_received(
    Millis from, Millis to, std::optional<store::BookletState> state, int limit) {
  auto rows = store_.issuances_received(from, to, state, limit);
  if (!rows) return rows.error();
  std::vector<IssuanceSummary> out;
  for (const auto& row : *rows) {
    auto record = issuance::from_canonical_json(row.document);
    if (!record) return wrap("issuance " + row.issuance_id, record.error());
    auto booklets = live_booklets(row.issuance_id);
    if (!booklets) return booklets.error();
    out.push_back({row.issuance_id, record->kind, record->replacement, record->certificate_no,
                   record->male.name, record->female.name, row.created_at, std::move(*booklets)});
  }
  return out;
}

Result<Office::Gauges> Office::gauges() {
  auto jobs = store_.unfinished_print_jobs();
  if (!jobs) return unavailable("the store does not answer: " + jobs.error().message);
  auto outbox = store_.outbox_counts();
  if (!outbox) return unavailable("the store does not answer: " + outbox.error().message);
  return Gauges{jobs->size(), static_cast<std::size_t>(outbox->undelivered),
                static_cast<std::size_t>(outbox->dead)};
}

Result<std::vector<store::EventRow>> Office::dead_events() { return store_.dead_events(1000); }

Status Office::retry_event(const Actor& who, const std::string& event_id) {
  if (auto s = store_.retry_event(event_id, events_.now()); !s) return s;
  audit(who, "retry_event", event_id, "set-aside event put back in line");
  return Status::success();
}

}  // namespace certprint::engine
