// Intake: a validated record becomes an issuance with its booklets' tokens.
#include "daemon/booklet/renderer.hpp"
#include "daemon/booklet/tokens.hpp"
#include "daemon/engine/office.hpp"

namespace certprint::engine {
namespace {

// The stored twin of `record`: unchanged when its document is the same,
// conflict when it differs, nullopt when there is none.
Result<std::optional<Submitted>> compare_stored(store::Store& store,
                                                const issuance::Issuance& record,
                                                const std::string& canonical) {
  auto existing = store.issuance(record.issuance_id);
  if (!existing) return existing.error();
  if (!*existing) return std::optional<Submitted>();
  if ((*existing)->document == canonical) return std::optional(Submitted::unchanged);
  return conflict("issuance_id \"" + record.issuance_id +
                  "\" was submitted before with different content");
}

}  // namespace

// What intake accepts must print: both pages of every booklet are laid out
// (text fitted, QR placed) before anything is stored. A field that does not
// fit is the registry's to fix, named as in its document.
Status Office::check_printable(const issuance::Issuance& record,
                               const std::vector<store::Store::NewBooklet>& booklets) {
  std::lock_guard lock(render_mutex_);
  auto renderer = renderers_.get(record.kind);
  if (!renderer) return renderer.error();
  booklet::RenderOptions layout_only;
  layout_only.device = {{180, 180}};
  layout_only.pdf = false;
  layout_only.raster = false;
  for (const auto& b : booklets) {
    auto pages = (*renderer)->render_booklet(record, b.holder, b.token, layout_only);
    if (pages) continue;
    Error e = pages.error();
    if (e.field.empty()) return e;
    const std::string source = issuance::info_field_source(e.field, b.holder);
    const auto fields = issuance::info_page_fields(record, b.holder);
    const auto value = fields.find(e.field);
    return Error{source + " \"" + (value == fields.end() ? "" : value->second) +
                     "\" cannot be printed: " + e.message,
                 ErrorCode::invalid, "", source};
  }
  return Status::success();
}

Status Office::supersede(const issuance::Issuance& record) {
  if (!record.supersedes) return Status::success();
  auto old = live_booklets(*record.supersedes);
  if (!old) return old.error();
  for (auto h : record.holders())
    for (const auto& b : *old) {
      if (b.holder != h) continue;
      auto s = events_.record(*record.supersedes, "booklet_superseded",
                              {{"holder", issuance::to_string(b.holder)},
                               {"stock_serial", b.stock_serial},
                               {"superseded_by", record.issuance_id}},
                              [&](const store::EventRow& ev) {
                                return store_.set_booklet_state(
                                    b.id, store::BookletState::superseded, ev);
                              });
      if (!s) return s;
    }
  return Status::success();
}

Result<Submitted> Office::submit(const Actor& who, const issuance::Issuance& record) {
  if (record.supersedes) {
    if (*record.supersedes == record.issuance_id)
      return invalid("supersedes \"" + *record.supersedes +
                     "\": an issuance cannot supersede itself");
    auto old = store_.issuance(*record.supersedes);
    if (!old) return old.error();
    if (!*old)
      return conflict("supersedes \"" + *record.supersedes + "\": no such issuance is stored",
                      "supersedes");
  }
  const std::string canonical = issuance::to_canonical_json(record);
  auto before = compare_stored(store_, record, canonical);
  if (!before) return before.error();
  if (*before) {
    if (auto s = supersede(record); !s) return s.error();
    return **before;
  }

  std::vector<store::Store::NewBooklet> booklets;
  for (auto h : record.holders()) {
    auto tok = booklet::issue_booklet_token(keys_, record, h, random_);
    if (!tok) return tok.error();
    booklets.push_back({h, record.booklet(h)->stock_serial, *tok});
  }
  for (const auto& b : booklets)
    if (auto s = check_received(
            "booklets." + std::string(issuance::to_string(b.holder)) + ".stock_serial",
            b.stock_serial);
        !s)
      return s.error();
  if (auto s = check_printable(record, booklets); !s) return s.error();
  store::IssuanceRow row{record.issuance_id, canonical, events_.now()};
  // Each booklet's QR goes back to the registry, to be saved with the record.
  nlohmann::json listed = nlohmann::json::array();
  for (const auto& b : booklets)
    listed.push_back({{"holder", issuance::to_string(b.holder)},
                      {"stock_serial", b.stock_serial},
                      {"qr", b.token}});
  auto stored = events_.record(
      record.issuance_id, "accepted", {{"booklets", listed}},
      [&](const store::EventRow& ev) { return store_.add_issuance(row, booklets, ev); });
  if (!stored.ok()) {
    // A concurrent submission of the same id may have won.
    if (stored.code() == ErrorCode::conflict && stored.error().keyword.empty()) {
      auto again = compare_stored(store_, record, canonical);
      if (!again) return again.error();
      if (*again) return **again;
    }
    return stored.error();
  }
  if (auto s = supersede(record); !s) return s.error();
  audit(who, "submit", record.issuance_id, "");
  return Submitted::created;
}

}  // namespace certprint::engine
