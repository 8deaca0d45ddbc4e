// The reconciliation against a month lived through the real store: random
// deliveries, intakes, prints, confirmations, voids, returns and
// destructions before, during and after the month. The test keeps its own
// books (which blank is where, as a clerk's tally would) and the
// reconciliation, computed from the store's facts alone, must agree with
// them figure by figure, and balance.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <set>

#include "daemon/stock/reconcile.hpp"
#include "daemon/store/store.hpp"
#include "support/fake_clock.hpp"
#include "support/temp_dir.hpp"

using namespace certprint;
using certprint::testing::FakeClock;
using certprint::testing::TempDir;
using store::BookletState;
using store::StockMovementKind;

namespace {

template <class T>
T ok(Result<T> r) {
  if (!r) FAIL(r.error().message);
  return std::move(*r);
}
void ok(const Status& s) {
  if (!s) FAIL(s.message());
}

constexpr Millis kDay = 86'400'000;

std::string serial(long long n) {
  std::string s = std::to_string(n);
  return std::string(10 - s.size(), '0') + s;
}

// The test's own books: each blank's place, as a tally kept by hand.
enum class Place { cupboard, on_ready_booklet, awaiting, issued, spoiled, returned, destroyed };

struct Books {
  std::map<std::string, Place> place;
  std::map<Place, std::int64_t> count() const {
    std::map<Place, std::int64_t> c;
    for (const auto& [s, p] : place) ++c[p];
    return c;
  }
};

// The office, driven through the store as the daemon drives it.
class Office {
 public:
  Office(store::Store& store, FakeClock& clock, std::mt19937& rng)
      : store_(store), clock_(clock), rng_(rng) {}

  Books books;
  std::int64_t received = 0, issued = 0, spoiled = 0, returned = 0, destroyed = 0;

  void deliver(int n) {
    const long long first = next_delivery_;
    next_delivery_ += n + 7;  // deliveries are not contiguous
    move(StockMovementKind::received, first, first + n - 1,
         "delivery " + std::to_string(deliveries_++));
    for (long long s = first; s < first + n; ++s) {
      books.place[serial(s)] = Place::cupboard;
      cupboard_.push_back(serial(s));
    }
    received += n;
  }

  void intake() {
    if (cupboard_.size() < 2) return;
    const std::string id = "I-" + std::to_string(issuances_++);
    const std::string m = take(), f = take();
    const store::EventRow ev = event("ev-" + id, id, 1, "accepted");
    ok(store_.add_issuance({id, "{}", clock_.wall_ms()},
                           {{issuance::Holder::male, m, "tok-" + id + "-m"},
                            {issuance::Holder::female, f, "tok-" + id + "-f"}},
                           ev));
    for (const auto& b : ok(store_.booklets(id))) live_[b.id] = b.stock_serial;
  }

  // One random clerk's or technician's act.
  void act() {
    switch (std::uniform_int_distribution<int>(0, 9)(rng_)) {
      case 0:
      case 1:
      case 2:
        intake();
        break;
      case 3:
      case 4:
        print();
        break;
      case 5:
      case 6:
        confirm();
        break;
      case 7:
        void_one();
        break;
      case 8:
        leave(StockMovementKind::returned);
        break;
      default:
        leave(StockMovementKind::destroyed);
        break;
    }
  }

 private:
  store::EventRow event(const std::string& event_id, const std::string& issuance_id,
                        std::int64_t sequence, const std::string& type) {
    store::EventRow e;
    e.event_id = event_id;
    e.issuance_id = issuance_id;
    e.sequence = sequence;
    e.type = type;
    e.body = "{}";
    e.created_at = clock_.wall_ms();
    return e;
  }
  std::string take() {
    const std::string s = cupboard_.front();
    cupboard_.erase(cupboard_.begin());
    books.place[s] = Place::on_ready_booklet;
    return s;
  }
  std::optional<std::pair<std::int64_t, std::string>> pick(BookletState want) {
    std::vector<std::pair<std::int64_t, std::string>> c;
    for (const auto& [id, s] : live_)
      if (ok(store_.booklet(id))->state == want) c.emplace_back(id, s);
    if (c.empty()) return std::nullopt;
    return c[std::uniform_int_distribution<std::size_t>(0, c.size() - 1)(rng_)];
  }
  void print() {
    if (auto b = pick(BookletState::ready)) {
      ok(store_.set_booklet_state(b->first, BookletState::printing, std::nullopt));
      clock_.advance(std::chrono::minutes(1));
      ok(store_.set_booklet_state(b->first, BookletState::printed, std::nullopt));
      books.place[b->second] = Place::awaiting;
    }
  }
  void confirm() {
    if (auto b = pick(BookletState::printed)) {
      ok(store_.set_booklet_state(b->first, BookletState::confirmed, std::nullopt));
      books.place[b->second] = Place::issued;
      live_.erase(b->first);
      ++issued;
    }
  }
  void void_one() {
    auto b = pick(BookletState::printed);
    if (!b || cupboard_.empty()) return;
    const auto row = *ok(store_.booklet(b->first));
    const std::string next = take();
    const store::EventRow ev =
        event("ev-v-" + std::to_string(b->first), row.issuance_id,
              ok(store_.next_event_sequence(row.issuance_id)), "booklet_voided");
    const auto id = ok(store_.void_and_replace(b->first, "smudge", next, "tok-v-" + next, ev));
    ok(store_.audit(
        {clock_.wall_ms(), "clerk-2", "clerk", "void", row.issuance_id,
         std::string(issuance::to_string(row.holder)) + " booklet " + std::to_string(b->first)}));
    books.place[b->second] = Place::spoiled;
    live_.erase(b->first);
    live_[id] = next;
    ++spoiled;
  }
  // The last blanks of the cupboard go back or are destroyed, 1..3 of them.
  void leave(StockMovementKind kind) {
    const std::size_t n = std::min<std::size_t>(cupboard_.size(), 1 + rng_() % 3);
    if (n == 0) return;
    std::vector<std::string> last(cupboard_.end() - n, cupboard_.end());
    std::sort(last.begin(), last.end());
    for (std::size_t i = 1; i < last.size(); ++i)
      if (std::stoll(last[i]) != std::stoll(last[i - 1]) + 1) return;  // not one range
    cupboard_.resize(cupboard_.size() - n);
    move(kind, std::stoll(last.front()), std::stoll(last.back()), "record " + last.front());
    for (const auto& s : last)
      books.place[s] = kind == StockMovementKind::returned ? Place::returned : Place::destroyed;
    (kind == StockMovementKind::returned ? returned : destroyed) += static_cast<std::int64_t>(n);
  }
  void move(StockMovementKind kind, long long first, long long last, const std::string& ref) {
    const Millis now = clock_.wall_ms();
    ok(store_.add_stock_movement({0, now, kind, serial(first), serial(last), ref, "tech-1"},
                                 {now, "tech-1", "technician", "stock", serial(first), ref}));
  }

  store::Store& store_;
  FakeClock& clock_;
  std::mt19937& rng_;
  std::vector<std::string> cupboard_;
  std::map<std::int64_t, std::string> live_;  // booklets not yet issued or spoiled
  long long next_delivery_ = 4400260001;
  int deliveries_ = 0, issuances_ = 0;
};

void live_days(Office& office, FakeClock& clock, std::mt19937& rng, int days) {
  for (int d = 0; d < days; ++d) {
    if (rng() % 7 == 0) office.deliver(20 + static_cast<int>(rng() % 30));
    for (int i = 0, n = 3 + static_cast<int>(rng() % 8); i < n; ++i) {
      office.act();
      clock.advance(std::chrono::minutes(7));
    }
    clock.advance(std::chrono::hours(24) - std::chrono::minutes(7) * 10);
  }
}

}  // namespace

TEST_CASE("stock: a random month's reconciliation agrees with the office's own books",
          "[daemon][stock]") {
  stock::Figures total;  // the months together must have seen every kind
  for (unsigned seed : {1u, 2u, 3u, 20261202u}) {
    INFO("seed " << seed);
    TempDir dir;
    FakeClock clock;
    std::mt19937 rng(seed);
    auto store = ok(store::Store::open(dir / "db", clock));
    Office office(*store, clock, rng);
    office.deliver(40);
    live_days(office, clock, rng, 20);  // the month before

    const Millis from = clock.wall_ms();
    const Books opening = office.books;
    const std::int64_t received_before = office.received;
    live_days(office, clock, rng, 30);
    const Millis to = clock.wall_ms();
    const std::int64_t received_in_month = office.received - received_before;
    const Books closing = office.books;
    live_days(office, clock, rng, 10);  // after the month: must not count

    const auto r = stock::reconcile(ok(store->ledger_facts()), from, to);
    const auto& f = r.figures;
    auto open = opening.count(), close = closing.count();
    CHECK(f.opening_in_stock == open[Place::cupboard] + open[Place::on_ready_booklet]);
    CHECK(f.opening_awaiting == open[Place::awaiting]);
    CHECK(f.received == received_in_month);
    CHECK(f.used_without_receipt == 0);
    CHECK(f.closing_in_stock == close[Place::cupboard] + close[Place::on_ready_booklet]);
    CHECK(f.closing_awaiting == close[Place::awaiting]);
    CHECK(f.issued == close[Place::issued] - open[Place::issued]);
    CHECK(f.spoiled == close[Place::spoiled] - open[Place::spoiled]);
    CHECK(f.returned == close[Place::returned] - open[Place::returned]);
    CHECK(f.destroyed == close[Place::destroyed] - open[Place::destroyed]);
    CHECK(f.balances());
    total.issued += f.issued;
    total.spoiled += f.spoiled;
    total.returned += f.returned;
    total.destroyed += f.destroyed;
    // Every spoiled blank is listed, with who voided it.
    CHECK(static_cast<std::int64_t>(r.spoiled.size()) == f.spoiled);
    for (const auto& s : r.spoiled) CHECK(s.by == "clerk-2");
    // The closing stock's ranges hold exactly the blanks in the cupboard or
    // on a booklet not yet printed.
    std::int64_t in_ranges = 0;
    for (const auto& c : r.closing_stock) in_ranges += c.count;
    CHECK(in_ranges == f.closing_in_stock);
    // Every printed blank not yet confirmed is listed as awaiting.
    CHECK(std::count_if(r.anomalies.begin(), r.anomalies.end(), [](const stock::Anomaly& a) {
            return a.kind == "awaiting_confirmation";
          }) == f.closing_awaiting);
  }
  CHECK(total.issued > 0);
  CHECK(total.spoiled > 0);
  CHECK(total.returned > 0);
  CHECK(total.destroyed > 0);
}

TEST_CASE("stock: anomalies by serial, and the CSV", "[daemon][stock]") {
  using issuance::Holder;
  store::LedgerFacts f;
  const Millis day = kDay, from = 10 * day, to = 20 * day;
  // Delivery 1: 0000000001..0000000010 before the period.
  f.movements.push_back(
      {1, 1 * day, StockMovementKind::received, serial(1), serial(10), "delivery 1", "tech"});
  // Booklet 1 on serial 1: confirmed before the period, voided in it.
  // Booklet 2 on serial 5 (serials 2..4 skipped): printed, not confirmed.
  // Booklet 3 on serial 50: never received. Booklet 4 on serial 60: used,
  // then received in the period. Booklet 5 took serial 5 again (an old store).
  f.uses = {{serial(1), 1, "I-1", Holder::male, 2 * day},
            {serial(5), 2, "I-2", Holder::female, 11 * day},
            {serial(50), 3, "I-3", Holder::male, 12 * day},
            {serial(60), 4, "I-4", Holder::female, 12 * day},
            {serial(61), 6, "I-6", Holder::male, 13 * day + 1}};
  f.movements.push_back({2, 13 * day, StockMovementKind::received, serial(60), serial(61),
                         "delivery 2, late", "tech"});
  f.booklet_states = {{1, BookletState::ready, 2 * day, ""},
                      {1, BookletState::printed, 3 * day, ""},
                      {1, BookletState::confirmed, 4 * day, ""},
                      {1, BookletState::voided, 15 * day, "found a typo, \"name\""},
                      {2, BookletState::ready, 11 * day, ""},
                      {2, BookletState::printed, 11 * day + 5, ""},
                      {3, BookletState::ready, 12 * day, ""},
                      {4, BookletState::ready, 12 * day, ""},
                      // Confirmed and voided within the period.
                      {6, BookletState::ready, 13 * day + 1, ""},
                      {6, BookletState::printed, 13 * day + 2, ""},
                      {6, BookletState::confirmed, 14 * day, ""},
                      {6, BookletState::voided, 16 * day, "wrong date"}};
  f.reused = {{serial(5), 5, "I-0", Holder::male, 3 * day}};
  f.voids = {{15 * day, "clerk-9", "clerk", "void", "I-1", "male booklet 1"}};

  const auto r = stock::reconcile(f, from, to);
  auto kinds_of = [&](const std::string& s) {
    std::set<std::string> k;
    for (const auto& a : r.anomalies)
      if (a.serial == s) k.insert(a.kind);
    return k;
  };
  CHECK(kinds_of(serial(1)) == std::set<std::string>{"issued_then_voided"});
  CHECK(kinds_of(serial(2)) == std::set<std::string>{"skipped"});
  CHECK(kinds_of(serial(5)) == std::set<std::string>{"awaiting_confirmation", "reused"});
  CHECK(kinds_of(serial(50)) == std::set<std::string>{"never_received"});
  CHECK(kinds_of(serial(60)) == std::set<std::string>{"received_after_use"});
  CHECK(kinds_of(serial(61)) == std::set<std::string>{"issued_then_voided"});
  CHECK(kinds_of(serial(6)).empty());  // above the highest used: not a gap
  // Serial 1 was issued before the period: its void is not this period's
  // spoilage; 61's is (issued and voided within it). Serials 50 and 60
  // entered by use.
  CHECK(r.figures.spoiled == 1);
  CHECK(r.figures.used_without_receipt == 2);
  CHECK(r.figures.received == 1);  // 61; 60 was in use before its receipt
  CHECK(r.figures.opening_in_stock == 9);
  CHECK(r.figures.balances());
  CHECK(stock::state_of(f, serial(1), 5 * day) == stock::SerialState::issued);
  CHECK(stock::state_of(f, serial(1), to) == stock::SerialState::spoiled);
  CHECK(stock::state_of(f, serial(5), to) == stock::SerialState::awaiting);
  CHECK(stock::state_of(f, serial(99), to) == stock::SerialState::unknown);

  const std::string csv = stock::to_csv(r);
  CHECK_THAT(csv, Catch::StartsWith("section,first_serial,last_serial,count,detail\r\n"));
  CHECK_THAT(csv, Catch::Contains("figure,,,9,opening in stock\r\n"));
  CHECK_THAT(csv, Catch::Contains("figure,,,1,balances\r\n"));
  CHECK_THAT(csv, Catch::Contains("received,0000000060,0000000061,2,\r\n"));
  CHECK_THAT(csv, Catch::Contains("anomaly,0000000050,0000000050,1,\"never_received: "));

  // A void in the period is listed with its reason (quoted for CSV) and who.
  const auto earlier = stock::reconcile(f, 0, to);
  REQUIRE(earlier.spoiled.size() == 2);
  CHECK(earlier.spoiled[0].by == "clerk-9");
  CHECK(earlier.spoiled[0].reason == "found a typo, \"name\"");
  CHECK_THAT(stock::to_csv(earlier),
             Catch::Contains("spoiled,0000000001,0000000001,1,\"issuance I-1 male; found a typo, "
                             "\"\"name\"\"; by clerk-9; 1970-01-16 00:00 UTC\"\r\n"));
}
