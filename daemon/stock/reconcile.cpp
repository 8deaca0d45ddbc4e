#include "daemon/stock/reconcile.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <sstream>

namespace certprint::stock {
namespace {

using store::BookletState;

using issuance::stock_serial_text;

// One serial's facts.
struct History {
  std::optional<Millis> received_at;
  std::optional<Millis> left_at;
  SerialState left_as = SerialState::returned;
  std::optional<std::int64_t> booklet;
  Millis used_at = 0;
  std::optional<Millis> entry() const {
    if (booklet && (!received_at || used_at < *received_at)) return used_at;
    return received_at;
  }
};

struct Booklet {
  std::string issuance_id, holder;
  std::vector<store::BookletStateRow> states;  // in time order
  const store::AuditRow* void_audit = nullptr;
};

// The ledger's facts by serial and by booklet.
struct Ledger {
  std::map<std::string, History> serials;
  std::map<std::int64_t, Booklet> booklets;

  explicit Ledger(const store::LedgerFacts& f) {
    for (const auto& m : f.movements)
      for (long long n = std::stoll(m.first_serial), last = std::stoll(m.last_serial); n <= last;
           ++n) {
        History& h = serials[stock_serial_text(n)];
        if (m.kind == store::StockMovementKind::received) {
          if (!h.received_at) h.received_at = m.at;
        } else if (!h.left_at) {
          h.left_at = m.at;
          h.left_as = m.kind == store::StockMovementKind::returned ? SerialState::returned
                                                                   : SerialState::destroyed;
        }
      }
    for (const auto& u : f.uses) {
      History& h = serials[u.stock_serial];
      h.booklet = u.booklet_id;
      h.used_at = u.used_at;
      booklets[u.booklet_id] = {u.issuance_id, std::string(issuance::to_string(u.holder)), {}};
    }
    for (const auto& s : f.booklet_states) {
      auto b = booklets.find(s.booklet_id);
      if (b != booklets.end()) b->second.states.push_back(s);
    }
    // A void's audit row names its booklet last: "<holder> booklet <id>".
    for (const auto& a : f.voids) {
      const auto space = a.detail.rfind(' ');
      if (space == std::string::npos) continue;
      try {
        auto b = booklets.find(std::stoll(a.detail.substr(space + 1)));
        if (b != booklets.end()) b->second.void_audit = &a;
      } catch (const std::exception&) {
      }
    }
  }

  SerialState booklet_state(const Booklet& b, Millis before) const {
    std::optional<BookletState> now;
    bool inked = false;
    for (const auto& s : b.states) {
      if (s.at >= before) break;
      now = s.state;
      inked = inked || s.state == BookletState::printed || s.state == BookletState::failed ||
              s.state == BookletState::confirmed;
    }
    switch (now.value_or(BookletState::ready)) {
      case BookletState::ready:
      case BookletState::printing:
        return SerialState::in_stock;
      case BookletState::printed:
      case BookletState::failed:
        return SerialState::awaiting;
      case BookletState::confirmed:
        return SerialState::issued;
      case BookletState::voided:
        return SerialState::spoiled;
      case BookletState::superseded:
        return inked ? SerialState::issued : SerialState::spoiled;
    }
    return SerialState::unknown;
  }

  // Whether the booklet was voided within [from, to) after a confirmation.
  bool voided_after_confirm(std::int64_t booklet, Millis from, Millis to) const {
    bool confirmed = false;
    for (const auto& s : booklets.at(booklet).states) {
      if (s.state == BookletState::confirmed) confirmed = true;
      if (s.state == BookletState::voided && confirmed && s.at >= from && s.at < to) return true;
    }
    return false;
  }

  SerialState state(const History& h, Millis before) const {
    if (h.left_at && *h.left_at < before) return h.left_as;
    if (h.booklet && h.used_at < before) return booklet_state(booklets.at(*h.booklet), before);
    if (h.received_at && *h.received_at < before) return SerialState::in_stock;
    return SerialState::unknown;
  }
};

bool is_open(SerialState s) { return s == SerialState::in_stock || s == SerialState::awaiting; }

std::vector<SerialRange> as_ranges(const std::vector<std::string>& sorted) {
  std::vector<SerialRange> out;
  for (const auto& s : sorted) {
    if (!out.empty() && std::stoll(out.back().last) + 1 == std::stoll(s)) {
      out.back().last = s;
      ++out.back().count;
    } else {
      out.push_back({s, s, 1});
    }
  }
  return out;
}

Spoiled spoiled_row(const std::string& serial, const Booklet& b, Millis before) {
  Spoiled s{serial, b.issuance_id, b.holder, "superseded by a replacement", "", 0};
  for (const auto& st : b.states) {
    if (st.at >= before) break;
    if (st.state == BookletState::voided || st.state == BookletState::superseded) {
      s.at = st.at;
      if (st.state == BookletState::voided) s.reason = st.void_reason;
    }
  }
  if (b.void_audit) s.by = b.void_audit->actor;
  return s;
}

void count_end(Figures& f, SerialState end) {
  switch (end) {
    case SerialState::in_stock:
      ++f.closing_in_stock;
      break;
    case SerialState::awaiting:
      ++f.closing_awaiting;
      break;
    case SerialState::issued:
      ++f.issued;
      break;
    case SerialState::spoiled:
      ++f.spoiled;
      break;
    case SerialState::returned:
      ++f.returned;
      break;
    case SerialState::destroyed:
      ++f.destroyed;
      break;
    case SerialState::unknown:
      break;
  }
}

// Serials still in stock below a later serial of the same delivery that
// was used before `to`.
void add_skipped(const store::LedgerFacts& facts, const Ledger& ledger, Millis to,
                 std::vector<Anomaly>& out) {
  for (const auto& m : facts.movements) {
    if (m.kind != store::StockMovementKind::received || m.at >= to) continue;
    std::string highest;
    for (const auto& u : facts.uses)
      if (u.used_at < to && u.stock_serial >= m.first_serial && u.stock_serial <= m.last_serial)
        highest = std::max(highest, u.stock_serial);
    if (highest.empty()) continue;
    for (auto it = ledger.serials.lower_bound(m.first_serial);
         it != ledger.serials.end() && it->first < highest; ++it)
      if (!it->second.booklet && ledger.state(it->second, to) == SerialState::in_stock)
        out.push_back(
            {it->first, "skipped",
             "still in stock below " + highest + ", used from delivery \"" + m.reference + "\""});
  }
}

void add_anomalies(const std::string& serial, const History& h, const Ledger& ledger,
                   SerialState end, Millis from, Millis to, std::vector<Anomaly>& out) {
  if (h.booklet && h.used_at < to && !(h.received_at && *h.received_at < to))
    out.push_back({serial, "never_received",
                   "used on booklet " + std::to_string(*h.booklet) + " on " +
                       utc_minute_text(h.used_at) + ", no receipt holds it"});
  else if (h.booklet && h.received_at && h.used_at < *h.received_at && *h.received_at >= from &&
           *h.received_at < to)
    out.push_back({serial, "received_after_use",
                   "used on " + utc_minute_text(h.used_at) + ", received on " +
                       utc_minute_text(*h.received_at)});
  if (end == SerialState::spoiled && h.booklet && ledger.voided_after_confirm(*h.booklet, from, to))
    out.push_back({serial, "issued_then_voided",
                   "confirmed as issued, then voided in the period: an issued certificate came "
                   "back spoiled"});
  if (end == SerialState::awaiting)
    out.push_back(
        {serial, "awaiting_confirmation",
         "printed on booklet " + std::to_string(*h.booklet) + ", neither confirmed nor voided"});
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

std::string_view to_string(SerialState s) {
  switch (s) {
    case SerialState::unknown:
      return "unknown";
    case SerialState::in_stock:
      return "in_stock";
    case SerialState::awaiting:
      return "awaiting_confirmation";
    case SerialState::issued:
      return "issued";
    case SerialState::spoiled:
      return "spoiled";
    case SerialState::returned:
      return "returned";
    case SerialState::destroyed:
      return "destroyed";
  }
  return "unknown";
}

SerialState state_of(const store::LedgerFacts& facts, const std::string& serial, Millis at) {
  const Ledger ledger(facts);
  auto it = ledger.serials.find(serial);
  return it == ledger.serials.end() ? SerialState::unknown : ledger.state(it->second, at);
}

Reconciliation reconcile(const store::LedgerFacts& facts, Millis from, Millis to) {
  const Ledger ledger(facts);
  Reconciliation r;
  r.from = from;
  r.to = to;
  std::vector<std::string> closing;
  for (const auto& [serial, h] : ledger.serials) {
    const SerialState start = ledger.state(h, from), end = ledger.state(h, to);
    const auto entry = h.entry();
    const bool entered = entry && *entry >= from && *entry < to;
    if (start == SerialState::in_stock) ++r.figures.opening_in_stock;
    if (start == SerialState::awaiting) ++r.figures.opening_awaiting;
    if (entered) ++(h.received_at == entry ? r.figures.received : r.figures.used_without_receipt);
    if (is_open(start) || entered) {
      count_end(r.figures, end);
      if (end == SerialState::spoiled)
        r.spoiled.push_back(spoiled_row(serial, ledger.booklets.at(*h.booklet), to));
    }
    if (end == SerialState::in_stock) closing.push_back(serial);
    add_anomalies(serial, h, ledger, end, from, to, r.anomalies);
  }
  for (const auto& u : facts.reused)
    if (u.used_at < to)
      r.anomalies.push_back({u.stock_serial, "reused",
                             "booklet " + std::to_string(u.booklet_id) + " of issuance " +
                                 u.issuance_id + " took a serial used before"});
  add_skipped(facts, ledger, to, r.anomalies);
  std::stable_sort(r.anomalies.begin(), r.anomalies.end(),
                   [](const Anomaly& a, const Anomaly& b) { return a.serial < b.serial; });
  for (const auto& m : facts.movements)
    if (m.kind == store::StockMovementKind::received && m.at >= from && m.at < to)
      r.received.push_back({m.first_serial, m.last_serial,
                            std::stoll(m.last_serial) - std::stoll(m.first_serial) + 1});
  r.closing_stock = as_ranges(closing);
  return r;
}

std::string to_csv(const Reconciliation& r) {
  std::ostringstream out;
  out << "section,first_serial,last_serial,count,detail\r\n";
  const Figures& f = r.figures;
  const std::pair<const char*, std::int64_t> figures[] = {
      {"opening in stock", f.opening_in_stock},
      {"opening awaiting confirmation", f.opening_awaiting},
      {"received", f.received},
      {"used without receipt", f.used_without_receipt},
      {"issued", f.issued},
      {"spoiled", f.spoiled},
      {"returned", f.returned},
      {"destroyed", f.destroyed},
      {"closing in stock", f.closing_in_stock},
      {"closing awaiting confirmation", f.closing_awaiting}};
  for (const auto& [name, value] : figures) out << "figure,,," << value << "," << name << "\r\n";
  out << "figure,,," << (f.balances() ? 1 : 0) << ",balances\r\n";
  for (const auto& m : r.received)
    out << "received," << m.first << "," << m.last << "," << m.count << ",\r\n";
  for (const auto& c : r.closing_stock)
    out << "closing_stock," << c.first << "," << c.last << "," << c.count << ",\r\n";
  for (const auto& s : r.spoiled)
    out << "spoiled," << s.serial << "," << s.serial << ",1,"
        << csv_field("issuance " + s.issuance_id + " " + s.holder + "; " + s.reason + "; by " +
                     (s.by.empty() ? "-" : s.by) + "; " + utc_minute_text(s.at))
        << "\r\n";
  for (const auto& a : r.anomalies)
    out << "anomaly," << a.serial << "," << a.serial << ",1," << csv_field(a.kind + ": " + a.detail)
        << "\r\n";
  return out.str();
}

}  // namespace certprint::stock
