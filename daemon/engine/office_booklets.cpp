// A booklet's life after printing: confirmed, or voided and reissued on a
// new blank; its preview; verifying its QR.
#include "daemon/booklet/tokens.hpp"
#include "daemon/engine/office.hpp"
#include "daemon/engine/stored_issuance.hpp"

namespace certprint::engine {

Result<store::BookletRow> Office::confirm(const Actor& who, const std::string& issuance_id,
                                          issuance::Holder holder) {
  auto b = live_booklet(issuance_id, holder);
  if (!b) return b.error();
  const std::string holder_text(issuance::to_string(holder));
  if (b->state != store::BookletState::printed)
    return conflict("the " + holder_text + " booklet is " +
                        std::string(store::to_string(b->state)) + ", not printed",
                    "booklet_state");
  auto s = events_.record(
      issuance_id, "booklet_confirmed",
      {{"holder", holder_text}, {"stock_serial", b->stock_serial}}, [&](const store::EventRow& ev) {
        return store_.set_booklet_state(b->id, store::BookletState::confirmed, ev);
      });
  if (!s) return s.error();
  audit(who, "confirm", issuance_id, holder_text);
  auto after = store_.booklet(b->id);
  if (!after) return after.error();
  if (!*after)
    return Error{"booklet " + std::to_string(b->id) + " vanished after its confirmation"};
  return **after;
}

namespace {

// A booklet none of whose pages reached a printer carries no ink.
Result<bool> never_printed(store::Store& store, const store::BookletRow& b) {
  if (b.state != store::BookletState::ready) return false;
  auto tasks = store.booklet_page_tasks(b.id);
  if (!tasks) return tasks.error();
  for (const auto& t : *tasks)
    if (store::reached_printer(t.state)) return false;
  return true;
}

}  // namespace

Result<Voided> Office::void_booklet(const Actor& who, const std::string& issuance_id,
                                    issuance::Holder holder, const VoidRequest& request) {
  const std::string& reason = request.reason;
  const std::string& new_stock_serial = request.new_stock_serial;
  auto record = load_stored_issuance(store_, issuance_id);
  if (!record) return record.error();
  auto b = live_booklet(issuance_id, holder);
  if (!b) return b.error();
  const std::string holder_text(issuance::to_string(holder));
  if (b->state == store::BookletState::printing)
    return conflict("the " + holder_text + " booklet is printing; wait for its print job to end",
                    "booklet_state");
  if (auto s = check_received("new_stock_serial", new_stock_serial); !s) return s.error();
  auto unprinted = never_printed(store_, *b);
  if (!unprinted) return unprinted.error();
  if (*unprinted && !request.blank_damaged)
    return conflict("the " + holder_text + " booklet (stock serial " + b->stock_serial +
                        ") was never printed: nothing on it is spoiled, so it is not voided; "
                        "a blank damaged before printing is voided with blank_damaged true",
                    "booklet_state");
  auto tok = booklet::issue_booklet_token(
      keys_, booklet::with_stock_serial(*record, holder, new_stock_serial), holder, random_);
  if (!tok) return tok.error();
  Result<std::int64_t> new_id = Error{"not stored"};
  auto s = events_.record(issuance_id, "booklet_voided",
                          {{"holder", holder_text},
                           {"stock_serial", b->stock_serial},
                           {"reason", reason},
                           {"new_stock_serial", new_stock_serial},
                           {"new_qr", *tok}},
                          [&](const store::EventRow& ev) -> Status {
                            new_id =
                                store_.void_and_replace(b->id, reason, new_stock_serial, *tok, ev);
                            return new_id.status();
                          });
  if (!s) return s.error();
  audit(who, "void", issuance_id, holder_text + " booklet " + std::to_string(b->id));
  auto after = store_.booklet(*new_id);
  if (!after) return after.error();
  if (!*after) return Error{"the new booklet " + std::to_string(*new_id) + " is not stored"};
  return Voided{b->id, **after};
}

Result<std::string> Office::preview_png(const std::string& issuance_id, issuance::Holder holder,
                                        issuance::PageKind page) {
  auto record = load_stored_issuance(store_, issuance_id);
  if (!record) return record.error();
  auto b = live_booklet(issuance_id, holder);
  if (!b) return b.error();
  std::lock_guard lock(render_mutex_);
  auto renderer = renderers_.get(record->kind);
  if (!renderer) return renderer.error();
  booklet::RenderOptions options;
  options.device = {{180, 180}};  // a 24-pin printer's dots, each 2 x 2 pixels
  options.pdf = false;
  options.preview = true;
  auto pages = (*renderer)->render_booklet(
      booklet::with_stock_serial(*record, holder, b->stock_serial), holder, b->token, options);
  if (!pages) return refused(pages.error().message);
  return std::move((*pages)[page == issuance::PageKind::info ? 0 : 1].preview_png);
}

Result<Verification> Office::verify(const Actor& who, const std::string& tok) {
  // Queued, not written here: a verify answers without waiting for a commit.
  verify_audit_.add({events_.now(), who.name, who.role, "verify", "", ""});
  const Verification unknown{};
  auto b = store_.booklet_by_token(tok);
  if (!b) return b.error();
  if (!*b) return unknown;
  auto record = load_stored_issuance(store_, (*b)->issuance_id);
  if (!record) return unknown;
  const auto holder = (*b)->holder;
  const auto canonical = issuance::canonical_booklet_record(
      booklet::with_stock_serial(*record, holder, (*b)->stock_serial), holder);
  // The stored token must still carry a valid tag for the stored record: a
  // row edited behind the daemon's back verifies as nothing.
  if (token::verify(keys_, tok, canonical) != token::Verdict::match) return unknown;
  if ((*b)->state == store::BookletState::voided)
    return Verification{VerifyResult::voided, {}, {}, {}};
  if ((*b)->state == store::BookletState::superseded)
    return Verification{VerifyResult::superseded, {}, {}, {}};
  const auto& party = record->party(holder);
  return Verification{VerifyResult::match, record->kind, mask_name(party.name),
                      mask_id_number(party.id_number)};
}

}  // namespace certprint::engine
