#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "common/result.hpp"
#include "daemon/store/states.hpp"
#include "daemon/store/store.hpp"
#include "support/fake_clock.hpp"
#include "support/temp_dir.hpp"

using namespace certprint;
using namespace certprint::store;
using namespace certprint::testing;
using certprint::issuance::Holder;
using certprint::issuance::PageKind;

// Failed checks show codes and states by name.
namespace Catch {
template <>
struct StringMaker<certprint::ErrorCode> {
  static std::string convert(certprint::ErrorCode v) { return std::string(to_string(v)); }
};
template <>
struct StringMaker<certprint::store::BookletState> {
  static std::string convert(certprint::store::BookletState v) { return std::string(to_string(v)); }
};
template <>
struct StringMaker<certprint::store::PrintJobState> {
  static std::string convert(certprint::store::PrintJobState v) {
    return std::string(to_string(v));
  }
};
template <>
struct StringMaker<certprint::store::PageTaskState> {
  static std::string convert(certprint::store::PageTaskState v) {
    return std::string(to_string(v));
  }
};
template <>
struct StringMaker<certprint::issuance::Holder> {
  static std::string convert(certprint::issuance::Holder v) { return std::string(to_string(v)); }
};
template <>
struct StringMaker<certprint::issuance::PageKind> {
  static std::string convert(certprint::issuance::PageKind v) { return std::string(to_string(v)); }
};
}  // namespace Catch

namespace {

std::unique_ptr<Store> open_store(const std::filesystem::path& file,
                                  Clock& clock = system_clock()) {
  auto r = Store::open(file, clock);
  if (!r) FAIL("Store::open: " << r.error().message);
  return std::move(r).value();
}

template <class T>
T ok(Result<T> r) {
  if (!r) FAIL(r.error().message);
  return std::move(r).value();
}
void ok(const Status& s) {
  if (!s) FAIL(s.message());
}

mode_t file_mode(const std::filesystem::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// A second, independent connection: what another process would see.
struct RawDb {
  explicit RawDb(const std::filesystem::path& p) {
    if (sqlite3_open_v2(p.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
      sqlite3_close(db);
      FAIL("sqlite3_open_v2 " << p);
    }
  }
  ~RawDb() { sqlite3_close(db); }
  std::string text(const char* sql) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    std::string out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
  }
  void exec(const char* sql) {
    REQUIRE(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  sqlite3* db = nullptr;
};

IssuanceRow issuance_row(const std::string& id, Millis at = 1000) {
  return {id, R"({"issuance_id":")" + id + R"("})", at};
}

EventRow event_row(const std::string& event_id, const std::string& issuance_id,
                   std::int64_t sequence, Millis at, std::string type = "page_printed") {
  EventRow e;
  e.event_id = event_id;
  e.issuance_id = issuance_id;
  e.sequence = sequence;
  e.type = std::move(type);
  e.body = R"({"seq":)" + std::to_string(sequence) + "}";
  e.created_at = at;
  return e;
}

// An issuance with a male and a female booklet on serials <serial>1/<serial>2.
Status add_couple(Store& store, const std::string& id, const std::string& serial_male,
                  const std::string& serial_female, Millis at = 1000) {
  return store.add_issuance(issuance_row(id, at),
                            {{Holder::male, serial_male, "tok-" + id + "-m"},
                             {Holder::female, serial_female, "tok-" + id + "-f"}},
                            event_row("ev-" + id + "-1", id, 1, at, "accepted"));
}

}  // namespace

TEST_CASE("store: open creates a 0600 WAL file and migrates it", "[daemon][store]") {
  TempDir dir;
  const auto file = dir / "certprint.db";
  REQUIRE_FALSE(std::filesystem::exists(file));
  auto store = open_store(file);
  CHECK(file_mode(file) == 0600);
  ok(add_couple(*store, "I-1", "0000000001", "0000000002"));
  // The write went to the log, which SQLite creates with the database's mode.
  REQUIRE(std::filesystem::exists(dir / "certprint.db-wal"));
  CHECK(file_mode(dir / "certprint.db-wal") == 0600);

  RawDb raw(file);
  CHECK(raw.text("PRAGMA journal_mode") == "wal");
  CHECK(std::stoi(raw.text("PRAGMA user_version")) >= 1);
  CHECK(raw.text("SELECT count(*) FROM booklets") == "2");
}

TEST_CASE("store: data survives close and reopen", "[daemon][store]") {
  TempDir dir;
  const auto file = dir / "certprint.db";
  std::int64_t job_id = 0;
  {
    auto store = open_store(file);
    ok(add_couple(*store, "I-1", "0000000001", "0000000002"));
    auto b = ok(store->booklets("I-1"));
    REQUIRE(b.size() == 2);
    job_id = ok(store->add_print_job(
        {0, "desk-3", PrintJobState::queued, "", "clerk-3", 5000},
        {{0, 0, 0, b[0].id, PageKind::info, "cp-aa", 0, PageTaskState::queued, "", 0}}));
    CHECK(ok(store->add_calibration({"desk-3", 0, "{}", "tech", 7})) == 1);
  }
  auto store = open_store(file);
  auto got = ok(store->issuance("I-1"));
  REQUIRE(got);
  CHECK(got->document == issuance_row("I-1").document);
  CHECK(got->created_at == 1000);
  CHECK(ok(store->booklets("I-1")).size() == 2);
  CHECK(ok(store->events("I-1")).size() == 1);
  CHECK(ok(store->page_tasks(job_id)).size() == 1);
  CHECK(ok(store->unfinished_print_jobs()).size() == 1);
  // Migrations are not re-run on an up-to-date file: the next version follows.
  CHECK(ok(store->add_calibration({"desk-3", 0, "{}", "tech", 8})) == 2);
}

TEST_CASE("store: a store that reused a serial before migrates; the first use keeps it",
          "[daemon][store]") {
  TempDir dir;
  const auto file = dir / "certprint.db";
  {
    auto store = open_store(file);
    ok(add_couple(*store, "I-1", "0000000001", "0000000002"));
    auto b = ok(store->booklets("I-1"));
    ok(store->void_and_replace(b[1].id, "torn", "0000000003", "tok-repl",
                               event_row("ev-I-1-2", "I-1", 2, 2000, "voided")));
  }
  {
    // As version 3 left it: no record of uses, and the voided female
    // booklet's blank taken again by a later issuance.
    RawDb raw(file);
    raw.exec("DROP TABLE stock_serial_uses");
    raw.exec("DROP TABLE stock_movements");
    raw.exec("DROP TABLE booklet_states");
    raw.exec("PRAGMA user_version = 3");
    raw.exec("INSERT INTO issuances VALUES ('I-2', '{}', 3000)");
    raw.exec(
        "INSERT INTO booklets (issuance_id, holder, stock_serial, token, state, updated_at) "
        "VALUES ('I-2', 'female', '0000000002', 'tok-I-2-f', 'ready', 3000)");
  }
  auto store = open_store(file);
  RawDb raw(file);
  CHECK(raw.text("PRAGMA user_version") == "6");
  CHECK(raw.text("SELECT count(*) FROM stock_serial_uses") == "3");
  // Each booklet's history starts with its use and its state as stored.
  CHECK(raw.text("SELECT count(*) FROM booklet_states") == "5");  // 4 ready + 1 voided
  // The serial's first booklet (I-1's voided female) is its use.
  CHECK(raw.text("SELECT b.issuance_id FROM stock_serial_uses u JOIN booklets b "
                 "ON b.id = u.booklet_id WHERE u.stock_serial = '0000000002'") == "I-1");
  auto s = add_couple(*store, "I-3", "0000000002", "0000000009");
  REQUIRE_FALSE(s);
  CHECK_THAT(s.message(), Catch::Contains("issuance I-1"));
}

TEST_CASE("store: a file from a newer certprint is refused", "[daemon][store]") {
  TempDir dir;
  const auto file = dir / "certprint.db";
  {
    RawDb raw(file);
    raw.exec("PRAGMA user_version = 999");
  }
  auto r = Store::open(file);
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("schema version 999"));
  CHECK_THAT(r.error().message, Catch::Contains("newer"));
  RawDb raw(file);
  CHECK(raw.text("PRAGMA user_version") == "999");  // left untouched
}

TEST_CASE("store: open names the file when it cannot create it", "[daemon][store]") {
  TempDir dir;
  auto r = Store::open(dir / "missing-dir" / "certprint.db");
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::StartsWith("store open "));
  CHECK_THAT(r.error().message, Catch::Contains("missing-dir"));
}

TEST_CASE("store: a file another store holds open is refused, naming it; free again once closed",
          "[daemon][store]") {
  TempDir dir;
  const auto file = dir / "certprint.db";
  auto first = open_store(file);
  ok(add_couple(*first, "I-1", "0000000001", "0000000002"));

  // Another certprintd (or this one twice): the lock is per open file, so a
  // second open in this process is refused as another process would be.
  auto second = Store::open(file);
  REQUIRE_FALSE(second);
  CHECK(second.error().code == ErrorCode::unavailable);
  CHECK_THAT(second.error().message, Catch::Contains(file.string()));
  CHECK_THAT(second.error().message, Catch::Contains("another certprintd"));
  // The refused open changed nothing: the first store works on.
  ok(add_couple(*first, "I-2", "0000000003", "0000000004"));

  first.reset();
  auto again = open_store(file);
  CHECK(ok(again->booklets("I-2")).size() == 2);
}

TEST_CASE("store: issuance round trip", "[daemon][store]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  // Female listed first: booklets() still returns the male booklet first.
  ok(store->add_issuance(
      issuance_row("I-1", 1234),
      {{Holder::female, "0000000002", "tok-f"}, {Holder::male, "0000000001", "tok-m"}},
      event_row("ev-1", "I-1", 1, 1234, "accepted")));
  auto iss = ok(store->issuance("I-1"));
  REQUIRE(iss);
  CHECK(iss->issuance_id == "I-1");
  CHECK(iss->document == issuance_row("I-1").document);
  CHECK(iss->created_at == 1234);
  CHECK_FALSE(ok(store->issuance("I-2")));

  auto b = ok(store->booklets("I-1"));
  REQUIRE(b.size() == 2);
  CHECK(b[0].holder == Holder::male);
  CHECK(b[0].stock_serial == "0000000001");
  CHECK(b[0].token == "tok-m");
  CHECK(b[1].holder == Holder::female);
  CHECK(b[1].id < b[0].id);
  for (const auto& x : b) {
    CHECK(x.issuance_id == "I-1");
    CHECK(x.state == BookletState::ready);
    CHECK(x.void_reason.empty());
    CHECK_FALSE(x.replaces);
    CHECK(x.updated_at > 0);
  }
  auto by_token = ok(store->booklet_by_token("tok-f"));
  REQUIRE(by_token);
  CHECK(by_token->id == b[1].id);
  auto by_id = ok(store->booklet(b[0].id));
  REQUIRE(by_id);
  CHECK(by_id->token == "tok-m");
  CHECK_FALSE(ok(store->booklet_by_token("nope")));
  CHECK_FALSE(ok(store->booklet(9999)));
  CHECK(ok(store->booklets("I-2")).empty());

  auto ev = ok(store->events("I-1"));
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].event_id == "ev-1");
  CHECK(ev[0].type == "accepted");
  CHECK(ev[0].sequence == 1);
  CHECK(ev[0].attempts == 0);
  CHECK(ev[0].next_attempt_at == 1234);
  CHECK_FALSE(ev[0].delivered_at);
}

TEST_CASE("store: a duplicate issuance id is a conflict and changes nothing", "[daemon][store]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  ok(add_couple(*store, "I-1", "0000000001", "0000000002"));
  const auto before = ok(store->booklets("I-1"));

  IssuanceRow other = issuance_row("I-1", 2000);
  other.document = R"({"different":true})";
  auto s = store->add_issuance(other, {{Holder::male, "0000000009", "tok-new"}},
                               event_row("ev-other", "I-1", 1, 2000, "accepted"));
  REQUIRE_FALSE(s);
  CHECK(s.error().code == ErrorCode::conflict);
  CHECK(s.error().keyword.empty());
  CHECK_THAT(s.message(), Catch::Contains("I-1"));

  auto iss = ok(store->issuance("I-1"));
  REQUIRE(iss);
  CHECK(iss->document == issuance_row("I-1").document);
  auto after = ok(store->booklets("I-1"));
  REQUIRE(after.size() == before.size());
  for (std::size_t i = 0; i < after.size(); ++i) CHECK(after[i].id == before[i].id);
  CHECK_FALSE(ok(store->booklet_by_token("tok-new")));
  auto ev = ok(store->events("I-1"));
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].event_id == "ev-I-1-1");
  // The serial the refused intake asked for is still free.
  ok(add_couple(*store, "I-2", "0000000009", "0000000010"));
}

TEST_CASE("store: a live stock serial is refused and nothing is half-written", "[daemon][store]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  ok(add_couple(*store, "I-1", "0000000001", "0000000002"));

  // The first booklet's serial is fresh, the second's is in use: the whole
  // intake must go, including the first booklet and the event.
  auto s = add_couple(*store, "I-2", "0000000003", "0000000002");
  REQUIRE_FALSE(s);
  CHECK(s.error().code == ErrorCode::conflict);
  CHECK(s.error().keyword == "stock_serial");
  CHECK_THAT(s.message(), Catch::Contains("0000000002"));
  CHECK_FALSE(ok(store->issuance("I-2")));
  CHECK(ok(store->booklets("I-2")).empty());
  CHECK(ok(store->events("I-2")).empty());
  CHECK_FALSE(ok(store->booklet_by_token("tok-I-2-m")));
  CHECK(ok(store->next_event_sequence("I-2")) == 1);

  // Two booklets of one intake on one blank are refused too.
  auto same = add_couple(*store, "I-3", "0000000005", "0000000005");
  REQUIRE_FALSE(same);
  CHECK(same.error().code == ErrorCode::conflict);
  CHECK(same.error().keyword == "stock_serial");
  CHECK_FALSE(ok(store->issuance("I-3")));

  // Retried with a good serial, the same id goes through (nothing left over).
  ok(add_couple(*store, "I-2", "0000000003", "0000000004"));
  CHECK(ok(store->booklets("I-2")).size() == 2);
}

TEST_CASE("store: a reused token is a conflict", "[daemon][store]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  ok(add_couple(*store, "I-1", "0000000001", "0000000002"));
  auto s = store->add_issuance(issuance_row("I-2"), {{Holder::male, "0000000003", "tok-I-1-m"}},
                               event_row("ev-I-2-1", "I-2", 1, 1000, "accepted"));
  REQUIRE_FALSE(s);
  CHECK(s.error().code == ErrorCode::conflict);
  CHECK(s.error().keyword.empty());
  CHECK_FALSE(ok(store->issuance("I-2")));
}

TEST_CASE("store: a stock serial is used once, ever, whatever became of its booklet",
          "[daemon][store]") {
  TempDir dir;
  FakeClock clock;
  clock.step_wall(
      std::chrono::milliseconds(1'796'220'000'000 - clock.wall_ms()));  // 2026-12-02 14:00 UTC
  auto store = ok(Store::open(dir / "db", clock));
  ok(add_couple(*store, "I-1", "0000000001", "0000000002"));
  auto b = ok(store->booklets("I-1"));
  clock.advance(std::chrono::hours(1));
  ok(store->void_and_replace(b[0].id, "misprint", "0000000003", "tok-repl",
                             event_row("ev-I-1-2", "I-1", 2, 2000, "voided")));

  // The voided booklet's blank: a new issuance may not take it; the refusal
  // says where and when it was used.
  auto s = add_couple(*store, "I-2", "0000000001", "0000000004");
  REQUIRE_FALSE(s);
  CHECK(s.error().code == ErrorCode::conflict);
  CHECK(s.error().keyword == "stock_serial");
  CHECK_THAT(s.message(), Catch::Contains("0000000001") && Catch::Contains("male booklet") &&
                              Catch::Contains("I-1") && Catch::Contains("2026-12-02 14:00 UTC") &&
                              Catch::Contains("voided"));
  CHECK_FALSE(ok(store->issuance("I-2")));

  // ... nor may a void's successor take it, or any serial seen before.
  auto repl = ok(store->booklets("I-1"));
  const auto live_male = std::find_if(
      repl.begin(), repl.end(), [](const BookletRow& r) { return r.stock_serial == "0000000003"; });
  REQUIRE(live_male != repl.end());
  auto again = store->void_and_replace(live_male->id, "ink smudge", "0000000001", "tok-repl-2",
                                       event_row("ev-I-1-3", "I-1", 3, 3000, "voided"));
  REQUIRE_FALSE(again);
  CHECK(again.error().keyword == "stock_serial");
  CHECK(ok(store->booklet(live_male->id))->state == BookletState::ready);

  // A superseded booklet's blank and a confirmed one's stay used too.
  ok(store->set_booklet_state(b[1].id, BookletState::superseded, std::nullopt));
  auto superseded = add_couple(*store, "I-3", "0000000002", "0000000005");
  REQUIRE_FALSE(superseded);
  CHECK_THAT(superseded.message(), Catch::Contains("superseded"));
  ok(store->set_booklet_state(live_male->id, BookletState::printed, std::nullopt));
  ok(store->set_booklet_state(live_male->id, BookletState::confirmed, std::nullopt));
  auto issued = add_couple(*store, "I-4", "0000000003", "0000000006");
  REQUIRE_FALSE(issued);
  CHECK_THAT(issued.message(), Catch::Contains("confirmed"));

  // A fresh serial still goes through.
  ok(add_couple(*store, "I-5", "0000000007", "0000000008"));
}

TEST_CASE("store: a serial's reuse is refused whatever state its booklet is in",
          "[daemon][store]") {
  TempDir dir;
  auto store = ok(Store::open(dir / "db"));
  const BookletState states[] = {BookletState::ready,     BookletState::printing,
                                 BookletState::printed,   BookletState::failed,
                                 BookletState::confirmed, BookletState::voided,
                                 BookletState::superseded};
  long long next = 100;
  auto serial = [&] { return "00000" + std::to_string(next++) + "00"; };
  // A live booklet to void, whose successor would take the used serial.
  ok(add_couple(*store, "I-V", serial(), serial()));
  const auto victim = ok(store->booklets("I-V"))[0];
  int n = 0;
  for (const BookletState state : states) {
    INFO("state " << store::to_string(state));
    const std::string id = "I-" + std::to_string(++n);
    const std::string used = serial();
    ok(add_couple(*store, id, used, serial()));
    ok(store->set_booklet_state(ok(store->booklets(id))[0].id, state, std::nullopt));
    auto intake = add_couple(*store, id + "-again", used, serial());
    REQUIRE_FALSE(intake);
    CHECK(intake.error().keyword == "stock_serial");
    CHECK_THAT(intake.message(), Catch::Contains(used) && Catch::Contains(id));
    auto as_successor = store->void_and_replace(victim.id, "smudge", used, "tok-s-" + id,
                                                event_row("ev-V-" + id, "I-V", 2, 2000, "voided"));
    REQUIRE_FALSE(as_successor);
    CHECK(as_successor.error().keyword == "stock_serial");
  }
  CHECK(ok(store->booklet(victim.id))->state == BookletState::ready);  // never voided
}

TEST_CASE("store: void_and_replace", "[daemon][store]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  ok(add_couple(*store, "I-1", "0000000001", "0000000002"));
  const auto before = ok(store->booklets("I-1"));
  const auto male = before[0];
  const auto female = before[1];

  const std::int64_t new_id =
      ok(store->void_and_replace(male.id, "paper jam smudge", "0000000007", "tok-repl",
                                 event_row("ev-I-1-2", "I-1", 2, 2000, "voided")));
  CHECK(new_id != male.id);
  auto old = ok(store->booklet(male.id));
  REQUIRE(old);
  CHECK(old->state == BookletState::voided);
  CHECK(old->void_reason == "paper jam smudge");
  auto repl = ok(store->booklet(new_id));
  REQUIRE(repl);
  CHECK(repl->state == BookletState::ready);
  CHECK(repl->replaces == male.id);
  CHECK(repl->issuance_id == "I-1");
  CHECK(repl->holder == Holder::male);
  CHECK(repl->stock_serial == "0000000007");
  CHECK(repl->token == "tok-repl");
  CHECK(ok(store->booklet_by_token("tok-repl"))->id == new_id);

  // Male first, then by id: old male, new male, female.
  auto all = ok(store->booklets("I-1"));
  REQUIRE(all.size() == 3);
  CHECK(all[0].id == male.id);
  CHECK(all[1].id == new_id);
  CHECK(all[2].id == female.id);

  auto ev = ok(store->events("I-1"));
  REQUIRE(ev.size() == 2);
  CHECK(ev[1].event_id == "ev-I-1-2");
  CHECK(ev[1].type == "voided");

  SECTION("voiding twice is refused") {
    auto again = store->void_and_replace(male.id, "again", "0000000008", "tok-2",
                                         event_row("ev-I-1-3", "I-1", 3, 3000, "voided"));
    REQUIRE_FALSE(again);
    CHECK(again.error().code == ErrorCode::conflict);
    CHECK(again.error().keyword == "booklet_state");
    CHECK(ok(store->booklets("I-1")).size() == 3);
    CHECK(ok(store->events("I-1")).size() == 2);
    CHECK_FALSE(ok(store->booklet_by_token("tok-2")));
  }
  SECTION("a voided booklet never comes back") {
    auto s = store->set_booklet_state(male.id, BookletState::printed, std::nullopt);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::conflict);
    CHECK(s.error().keyword.empty());
    CHECK(ok(store->booklet(male.id))->state == BookletState::voided);
  }
  SECTION("a live serial for the successor rolls the void back") {
    auto s = store->void_and_replace(female.id, "smudge", "0000000007", "tok-3",
                                     event_row("ev-I-1-3", "I-1", 3, 3000, "voided"));
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::conflict);
    CHECK(s.error().keyword == "stock_serial");
    auto f = ok(store->booklet(female.id));
    CHECK(f->state == BookletState::ready);
    CHECK(f->void_reason.empty());
    CHECK(ok(store->events("I-1")).size() == 2);
  }
  SECTION("the spoiled blank is not the successor's") {
    auto s = store->void_and_replace(female.id, "smudge", female.stock_serial, "tok-3",
                                     event_row("ev-I-1-3", "I-1", 3, 3000, "voided"));
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::conflict);
    CHECK(s.error().keyword == "stock_serial");
    CHECK(ok(store->booklet(female.id))->state == BookletState::ready);
  }
  SECTION("an unknown booklet is not_found") {
    auto s = store->void_and_replace(9999, "smudge", "0000000009", "tok-3",
                                     event_row("ev-I-1-3", "I-1", 3, 3000, "voided"));
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::not_found);
  }
}

TEST_CASE("store: booklet state changes with their events", "[daemon][store]") {
  TempDir dir;
  FakeClock clock;
  auto store = open_store(dir / "db", clock);
  ok(add_couple(*store, "I-1", "0000000001", "0000000002"));
  const auto b = ok(store->booklets("I-1"));
  // Rows are stamped with the store's clock.
  CHECK(b[0].updated_at == clock.wall_ms());

  clock.advance(std::chrono::seconds(5));
  ok(store->set_booklet_state(b[0].id, BookletState::printing, std::nullopt));
  CHECK(ok(store->booklet(b[0].id))->state == BookletState::printing);
  CHECK(ok(store->booklet(b[0].id))->updated_at == clock.wall_ms());
  CHECK(ok(store->booklet(b[1].id))->updated_at == b[1].updated_at);
  CHECK(ok(store->events("I-1")).size() == 1);

  clock.advance(std::chrono::seconds(5));
  ok(store->set_booklet_state(b[0].id, BookletState::printed,
                              event_row("ev-I-1-2", "I-1", 2, 2000, "booklet_printed")));
  const auto printed = ok(store->booklet(b[0].id));
  CHECK(printed->state == BookletState::printed);
  CHECK(printed->updated_at == clock.wall_ms());
  CHECK(ok(store->events("I-1")).size() == 2);

  // An event that cannot be stored takes the state change with it.
  clock.advance(std::chrono::seconds(5));
  auto s = store->set_booklet_state(b[0].id, BookletState::confirmed,
                                    event_row("ev-I-1-2", "I-1", 3, 3000, "confirmed"));
  REQUIRE_FALSE(s);
  CHECK(s.error().code == ErrorCode::conflict);
  CHECK(s.error().keyword.empty());
  CHECK(ok(store->booklet(b[0].id))->state == BookletState::printed);
  CHECK(ok(store->booklet(b[0].id))->updated_at == printed->updated_at);

  // (A state the store does not know can no longer be asked for; one found
  // in the file is the next test's.)
  auto missing = store->set_booklet_state(9999, BookletState::printed, std::nullopt);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::not_found);
}

// States are enums now; a row written behind the store's back (by hand, or
// by a newer certprint) may still hold a value this one does not know. Its
// reads fail, naming what and which value, and no change is made on top of it.
TEST_CASE("store: a state or kind the store does not know fails the read, naming it",
          "[daemon][store]") {
  TempDir dir;
  const auto file = dir / "db";
  auto store = open_store(file);
  ok(add_couple(*store, "I-1", "0000000001", "0000000002"));
  const auto b = ok(store->booklets("I-1"));
  const auto job = ok(store->add_print_job(
      {0, "desk-3", PrintJobState::queued, "", "clerk-3", 5000},
      {{0, 0, 0, b[0].id, PageKind::info, "cp-a", 0, PageTaskState::queued, "", 0}}));
  const auto task = ok(store->page_tasks(job))[0].id;
  RawDb raw(file);
  auto sql = [](std::string text, std::int64_t id) { return text + std::to_string(id); };
  // A store failure, not a refusal the caller could act on.
  auto check_unreadable = [](const Error& e, const std::string& what) {
    CHECK(e.code == ErrorCode::failed);
    CHECK_THAT(e.message, Catch::Contains(what));
  };

  SECTION("a booklet state") {
    raw.exec(sql("UPDATE booklets SET state = 'lost' WHERE id = ", b[0].id).c_str());
    auto one = store->booklet(b[0].id);
    REQUIRE_FALSE(one);
    check_unreadable(one.error(), "booklets row " + std::to_string(b[0].id) + ": state \"lost\"");
    auto by_token = store->booklet_by_token(b[0].token);
    REQUIRE_FALSE(by_token);
    check_unreadable(by_token.error(), "state \"lost\"");
    auto all = store->booklets("I-1");
    REQUIRE_FALSE(all);
    check_unreadable(all.error(), "state \"lost\"");

    auto s = store->set_booklet_state(b[0].id, BookletState::printed, std::nullopt);
    REQUIRE_FALSE(s);
    check_unreadable(s.error(), "\"lost\"");
    auto v = store->void_and_replace(b[0].id, "smudge", "0000000009", "tok-repl",
                                     event_row("ev-I-1-2", "I-1", 2, 2000, "voided"));
    REQUIRE_FALSE(v);
    check_unreadable(v.error(), "\"lost\"");
    CHECK(raw.text(sql("SELECT state FROM booklets WHERE id = ", b[0].id).c_str()) == "lost");
    CHECK(raw.text("SELECT count(*) FROM booklets") == "2");
    CHECK(ok(store->events("I-1")).size() == 1);
    // The other booklet still reads.
    CHECK(ok(store->booklet(b[1].id))->state == BookletState::ready);
  }
  SECTION("a holder") {
    raw.exec(sql("UPDATE booklets SET holder = 'nobody' WHERE id = ", b[1].id).c_str());
    auto one = store->booklet(b[1].id);
    REQUIRE_FALSE(one);
    check_unreadable(one.error(), "holder \"nobody\"");
  }
  SECTION("a print job state") {
    raw.exec(sql("UPDATE print_jobs SET state = 'paused' WHERE id = ", job).c_str());
    auto one = store->print_job(job);
    REQUIRE_FALSE(one);
    check_unreadable(one.error(), "print_jobs row " + std::to_string(job) + ": state \"paused\"");
  }
  SECTION("a page task state") {
    raw.exec(sql("UPDATE page_tasks SET state = 'printing' WHERE id = ", task).c_str());
    auto tasks = store->page_tasks(job);
    REQUIRE_FALSE(tasks);
    check_unreadable(tasks.error(),
                     "page_tasks row " + std::to_string(task) + ": state \"printing\"");
  }
  SECTION("a page") {
    raw.exec(sql("UPDATE page_tasks SET page = 'page9' WHERE id = ", task).c_str());
    auto tasks = store->page_tasks(job);
    REQUIRE_FALSE(tasks);
    check_unreadable(tasks.error(), "page \"page9\"");
  }
}

TEST_CASE("store: print jobs and page tasks", "[daemon][store]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  ok(add_couple(*store, "I-1", "0000000001", "0000000002"));
  const auto b = ok(store->booklets("I-1"));
  const auto male = b[0].id;
  const auto female = b[1].id;

  // Given out of order; read back by position.
  std::vector<PageTaskRow> tasks = {
      {0, 0, 2, female, PageKind::info, "cp-c", 0, PageTaskState::queued, "", 0},
      {0, 0, 0, male, PageKind::info, "cp-a", 0, PageTaskState::queued, "", 0},
      {0, 0, 3, female, PageKind::page5, "cp-d", 0, PageTaskState::queued, "", 0},
      {0, 0, 1, male, PageKind::page5, "cp-b", 0, PageTaskState::queued, "", 0},
  };
  const auto job1 =
      ok(store->add_print_job({0, "desk-3", PrintJobState::queued, "", "clerk-3", 5000}, tasks));
  auto job = ok(store->print_job(job1));
  REQUIRE(job);
  CHECK(job->id == job1);
  CHECK(job->printer == "desk-3");
  CHECK(job->state == PrintJobState::queued);
  CHECK(job->requested_by == "clerk-3");
  CHECK(job->created_at == 5000);
  CHECK_FALSE(ok(store->print_job(job1 + 100)));

  auto got = ok(store->page_tasks(job1));
  REQUIRE(got.size() == 4);
  const std::vector<std::string> names = {"cp-a", "cp-b", "cp-c", "cp-d"};
  for (std::size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].position == static_cast<int>(i));
    CHECK(got[i].job_name == names[i]);
    CHECK(got[i].print_job_id == job1);
    CHECK(got[i].id > 0);
    CHECK(got[i].state == PageTaskState::queued);
    CHECK(got[i].cups_job_id == 0);
  }
  CHECK(got[0].booklet_id == male);
  CHECK(got[1].page == PageKind::page5);
  CHECK(got[2].booklet_id == female);

  // Unfinished: queued or running, oldest first.
  const auto job_old =
      ok(store->add_print_job({0, "desk-1", PrintJobState::running, "", "clerk-1", 4000}, {}));
  const auto job_done =
      ok(store->add_print_job({0, "desk-1", PrintJobState::done, "", "clerk-1", 3000}, {}));
  auto unfinished = ok(store->unfinished_print_jobs());
  REQUIRE(unfinished.size() == 2);
  CHECK(unfinished[0].id == job_old);
  CHECK(unfinished[1].id == job1);
  ok(store->set_print_job_state(job_old, PrintJobState::failed, "page 2 jammed"));
  unfinished = ok(store->unfinished_print_jobs());
  REQUIRE(unfinished.size() == 1);
  CHECK(unfinished[0].id == job1);
  CHECK(ok(store->print_job(job_old))->reason == "page 2 jammed");
  CHECK(ok(store->print_job(job_done))->state == PrintJobState::done);
  auto missing = store->set_print_job_state(job1 + 100, PrintJobState::done, "");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::not_found);

  SECTION("a used job name is a conflict and no job is left behind") {
    auto r = store->add_print_job(
        {0, "desk-3", PrintJobState::queued, "", "clerk-3", 6000},
        {{0, 0, 0, male, PageKind::info, "cp-z", 0, PageTaskState::queued, "", 0},
         {0, 0, 1, male, PageKind::page5, "cp-a", 0, PageTaskState::queued, "", 0}});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::conflict);
    CHECK(r.error().keyword.empty());
    CHECK(ok(store->unfinished_print_jobs()).size() == 1);
  }
  SECTION("a task on an unknown booklet is not_found") {
    auto r = store->add_print_job(
        {0, "desk-3", PrintJobState::queued, "", "clerk-3", 6000},
        {{0, 0, 0, 9999, PageKind::info, "cp-z", 0, PageTaskState::queued, "", 0}});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::not_found);
    CHECK(ok(store->unfinished_print_jobs()).size() == 1);
  }
  SECTION("update_page_task stores the task and its event together") {
    const auto task = got[0].id;
    ok(store->update_page_task(task, PageTaskState::submitted, 42, "",
                               event_row("ev-I-1-2", "I-1", 2, 6000, "page_submitted")));
    auto t = ok(store->page_tasks(job1))[0];
    CHECK(t.state == PageTaskState::submitted);
    CHECK(t.cups_job_id == 42);
    CHECK(ok(store->events("I-1")).size() == 2);

    // The event cannot be stored (its id is taken): the task stays as it was.
    auto s = store->update_page_task(task, PageTaskState::completed, 42, "",
                                     event_row("ev-I-1-2", "I-1", 3, 7000, "page_printed"));
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::conflict);
    CHECK(s.error().keyword.empty());
    t = ok(store->page_tasks(job1))[0];
    CHECK(t.state == PageTaskState::submitted);
    CHECK(ok(store->events("I-1")).size() == 2);

    ok(store->update_page_task(got[1].id, PageTaskState::failed, 43, "media-jam", std::nullopt));
    auto t1 = ok(store->page_tasks(job1))[1];
    CHECK(t1.state == PageTaskState::failed);
    CHECK(t1.reason == "media-jam");

    auto unknown = store->update_page_task(9999, PageTaskState::completed, 1, "", std::nullopt);
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().code == ErrorCode::not_found);
  }
}

TEST_CASE("store: events and the outbox", "[daemon][store]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  ok(add_couple(*store, "A", "0000000001", "0000000002", 100));
  ok(add_couple(*store, "B", "0000000003", "0000000004", 200));

  CHECK(ok(store->next_event_sequence("A")) == 2);
  CHECK(ok(store->next_event_sequence("nobody")) == 1);
  ok(store->add_event(event_row("ev-A-2", "A", 2, 300)));
  ok(store->add_event(event_row("ev-A-3", "A", 3, 400)));
  CHECK(ok(store->next_event_sequence("A")) == 4);
  CHECK(ok(store->next_event_sequence("B")) == 2);

  auto evA = ok(store->events("A"));
  REQUIRE(evA.size() == 3);
  for (std::size_t i = 0; i < evA.size(); ++i) CHECK(evA[i].sequence == std::int64_t(i + 1));

  auto dup_seq = store->add_event(event_row("ev-A-x", "A", 3, 500));
  REQUIRE_FALSE(dup_seq);
  CHECK(dup_seq.error().code == ErrorCode::conflict);
  CHECK(dup_seq.error().keyword.empty());
  auto dup_id = store->add_event(event_row("ev-A-3", "A", 4, 500));
  REQUIRE_FALSE(dup_id);
  CHECK(dup_id.error().code == ErrorCode::conflict);
  CHECK(dup_id.error().keyword.empty());
  auto orphan = store->add_event(event_row("ev-Z-1", "Z", 1, 500));
  REQUIRE_FALSE(orphan);
  CHECK(orphan.error().code == ErrorCode::not_found);
  CHECK(ok(store->events("A")).size() == 3);

  auto ids = [](const std::vector<EventRow>& v) {
    std::vector<std::string> out;
    for (const auto& e : v) out.push_back(e.event_id);
    return out;
  };
  using V = std::vector<std::string>;

  // Only the head of each issuance's queue, oldest first.
  CHECK(ids(ok(store->due_events(1000, 10))) == V{"ev-A-1", "ev-B-1"});
  CHECK(ids(ok(store->due_events(1000, 1))) == V{"ev-A-1"});
  CHECK(ids(ok(store->due_events(150, 10))) == V{"ev-A-1"});  // B's is not due yet
  CHECK(ok(store->due_events(1000, 0)).empty());

  // A failed attempt postpones A's head, and A's later events wait behind it.
  ok(store->mark_attempt_failed("ev-A-1", "HTTP 503", 5000));
  auto a1 = ok(store->events("A"))[0];
  CHECK(a1.attempts == 1);
  CHECK(a1.last_error == "HTTP 503");
  CHECK(a1.next_attempt_at == 5000);
  CHECK_FALSE(a1.delivered_at);
  CHECK(ids(ok(store->due_events(1000, 10))) == V{"ev-B-1"});
  ok(store->mark_attempt_failed("ev-A-1", "timeout", 6000));
  CHECK(ok(store->events("A"))[0].attempts == 2);
  CHECK(ids(ok(store->due_events(6000, 10))) == V{"ev-A-1", "ev-B-1"});

  // Delivered, the next one of A comes up.
  ok(store->mark_delivered("ev-A-1", 6100));
  CHECK(ids(ok(store->due_events(6000, 10))) == V{"ev-B-1", "ev-A-2"});
  CHECK(ok(store->events("A"))[0].delivered_at == Millis{6100});
  ok(store->mark_delivered("ev-A-1", 9999));  // a repeated confirmation keeps the first time
  CHECK(ok(store->events("A"))[0].delivered_at == Millis{6100});
  ok(store->mark_delivered("ev-B-1", 6200));
  ok(store->mark_delivered("ev-A-2", 6300));
  CHECK(ids(ok(store->due_events(6000, 10))) == V{"ev-A-3"});
  ok(store->mark_delivered("ev-A-3", 6400));
  CHECK(ok(store->due_events(100000, 10)).empty());

  auto nf = store->mark_delivered("ev-none", 1);
  REQUIRE_FALSE(nf);
  CHECK(nf.error().code == ErrorCode::not_found);
  auto nf2 = store->mark_attempt_failed("ev-none", "x", 1);
  REQUIRE_FALSE(nf2);
  CHECK(nf2.error().code == ErrorCode::not_found);
}

TEST_CASE("store: calibrations are versioned per printer", "[daemon][store]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  CHECK(ok(store->calibrations("desk-1")).empty());
  CHECK(ok(store->add_calibration({"desk-1", 0, R"({"v":"a"})", "tech-1", 10})) == 1);
  CHECK(ok(store->add_calibration({"desk-1", 0, R"({"v":"b"})", "tech-1", 20})) == 2);
  CHECK(ok(store->add_calibration({"desk-2", 0, R"({"v":"x"})", "tech-2", 30})) == 1);
  CHECK(ok(store->add_calibration({"desk-1", 7, R"({"v":"c"})", "tech-2", 40})) == 3);
  auto c = ok(store->calibrations("desk-1"));
  REQUIRE(c.size() == 3);
  CHECK(c[0].version == 3);
  CHECK(c[0].profile == R"({"v":"c"})");
  CHECK(c[0].set_by == "tech-2");
  CHECK(c[0].set_at == 40);
  CHECK(c[1].version == 2);
  CHECK(c[2].version == 1);
  CHECK(c[2].printer == "desk-1");
  CHECK(ok(store->calibrations("desk-2")).size() == 1);
}

TEST_CASE("store: the audit log, newest first", "[daemon][store]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  ok(store->audit({100, "registry-1", "registry", "submit", "I-1", ""}));
  ok(store->audit({300, "clerk-desk-3", "clerk", "print", "I-1", "job 1"}));
  ok(store->audit({200, "clerk-desk-3", "clerk", "confirm", "booklet 1", ""}));
  ok(store->audit({300, "tech-1", "technician", "calibrate", "desk-3", "v2"}));
  auto log = ok(store->audit_log(10));
  REQUIRE(log.size() == 4);
  CHECK(log[0].action == "calibrate");  // same time: the later entry first
  CHECK(log[1].action == "print");
  CHECK(log[1].actor == "clerk-desk-3");
  CHECK(log[1].role == "clerk");
  CHECK(log[1].subject == "I-1");
  CHECK(log[1].detail == "job 1");
  CHECK(log[1].at == 300);
  CHECK(log[2].action == "confirm");
  CHECK(log[3].action == "submit");
  auto two = ok(store->audit_log(2));
  REQUIRE(two.size() == 2);
  CHECK(two[1].action == "print");
}

TEST_CASE("store: concurrent intake through one store", "[daemon][store]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  constexpr int kPerThread = 25;
  std::vector<std::string> failures[2];
  auto worker = [&](int t) {
    for (int i = 0; i < kPerThread; ++i) {
      const int n = t * kPerThread + i;
      const std::string id = "I-" + std::to_string(n);
      auto serial = [](int k) {
        std::string digits = std::to_string(k);
        return std::string(10 - digits.size(), '0') + digits;
      };
      auto s = add_couple(*store, id, serial(2 * n), serial(2 * n + 1));
      if (!s) failures[t].push_back(s.message());
      auto b = store->booklets(id);
      if (!b || b->size() != 2) failures[t].push_back(id + ": booklets not readable");
    }
  };
  std::thread a(worker, 0), b(worker, 1);
  a.join();
  b.join();
  CHECK(failures[0] == std::vector<std::string>{});
  CHECK(failures[1] == std::vector<std::string>{});

  std::set<std::int64_t> ids;
  for (int n = 0; n < 2 * kPerThread; ++n) {
    const std::string id = "I-" + std::to_string(n);
    REQUIRE(ok(store->issuance(id)));
    for (const auto& bk : ok(store->booklets(id))) ids.insert(bk.id);
    CHECK(ok(store->events(id)).size() == 1);
  }
  CHECK(ids.size() == 4 * kPerThread);
  CHECK(ok(store->due_events(1000, 1000)).size() == 2 * kPerThread);
}

TEST_CASE("store: a caller's bad arguments are invalid, not a store failure", "[daemon][store]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  ok(add_couple(*store, "I-1", "0000000001", "0000000002"));
  const auto b = ok(store->booklets("I-1"));
  auto no_reason = store->void_and_replace(b[0].id, "", "0000000009", "tok-x",
                                           event_row("ev-2", "I-1", 2, 2000, "voided"));
  REQUIRE_FALSE(no_reason);
  CHECK(no_reason.error().code == ErrorCode::invalid);
  CHECK_THAT(no_reason.error().message, Catch::Contains("a reason is required"));
  auto zero = store->add_event(event_row("ev-0", "I-1", 0, 2000));
  REQUIRE_FALSE(zero);
  CHECK(zero.code() == ErrorCode::invalid);
  auto other = store->add_issuance(issuance_row("I-2"), {},
                                   event_row("ev-I-3-1", "I-3", 1, 1000, "accepted"));
  REQUIRE_FALSE(other);
  CHECK(other.code() == ErrorCode::invalid);
  CHECK(ok(store->events("I-1")).size() == 1);
  CHECK_FALSE(ok(store->issuance("I-2")));
}

TEST_CASE("store: the stock ledger's movements: overlaps, unreceived, used and gone serials",
          "[daemon][store]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  auto move = [&](StockMovementKind kind, const std::string& first, const std::string& last,
                  const std::string& ref = "delivery 2026-117") {
    return store->add_stock_movement({0, 5000, kind, first, last, ref, "tech-1"},
                                     {5000, "tech-1", "technician", "stock", first, ref});
  };
  CHECK(ok(move(StockMovementKind::received, "4400260001", "4400260500")) > 0);
  CHECK(ok(store->stock_received("4400260500")));
  CHECK_FALSE(ok(store->stock_received("4400260501")));

  auto overlap = move(StockMovementKind::received, "4400260400", "4400260600", "delivery 118");
  REQUIRE_FALSE(overlap);
  CHECK(overlap.error().code == ErrorCode::conflict);
  CHECK(overlap.error().keyword == "stock");
  CHECK_THAT(overlap.error().message,
             Catch::Contains("4400260001..4400260500") && Catch::Contains("delivery 2026-117"));

  auto unreceived = move(StockMovementKind::returned, "4400260490", "4400260510", "slip 9");
  REQUIRE_FALSE(unreceived);
  CHECK_THAT(unreceived.error().message,
             Catch::Contains("4400260501") && Catch::Contains("never received"));

  ok(add_couple(*store, "I-1", "4400260005", "4400260006"));
  auto used = move(StockMovementKind::destroyed, "4400260001", "4400260010", "record 3");
  REQUIRE_FALSE(used);
  CHECK_THAT(used.error().message,
             Catch::Contains("4400260005") && Catch::Contains("male booklet of issuance I-1"));

  ok(move(StockMovementKind::destroyed, "4400260011", "4400260020", "record 4"));
  auto twice = move(StockMovementKind::returned, "4400260015", "4400260016", "slip 10");
  REQUIRE_FALSE(twice);
  CHECK_THAT(twice.error().message, Catch::Contains("4400260015") &&
                                        Catch::Contains("destroyed already") &&
                                        Catch::Contains("record 4"));

  // A blank that left the stock cannot go on a booklet.
  auto gone_blank = add_couple(*store, "I-2", "4400260012", "4400260030");
  REQUIRE_FALSE(gone_blank);
  CHECK(gone_blank.error().keyword == "stock_serial");
  CHECK_THAT(gone_blank.error().message, Catch::Contains("4400260012") &&
                                             Catch::Contains("destroyed") &&
                                             Catch::Contains("record 4"));
  CHECK_FALSE(ok(store->issuance("I-2")));

  auto backwards = move(StockMovementKind::received, "4400269999", "4400269000");
  REQUIRE_FALSE(backwards);
  CHECK(backwards.error().code == ErrorCode::invalid);
  CHECK_FALSE(move(StockMovementKind::received, "44002", "4400269000"));
  CHECK_FALSE(move(StockMovementKind::received, "4400270000", "4400270001", ""));

  // The facts: two movements, two uses, each booklet's first state; every
  // movement has its audit row.
  const auto facts = ok(store->ledger_facts());
  REQUIRE(facts.movements.size() == 2);
  CHECK(facts.movements[1].kind == StockMovementKind::destroyed);
  CHECK(facts.movements[1].reference == "record 4");
  REQUIRE(facts.uses.size() == 2);
  CHECK(facts.uses[0].stock_serial == "4400260005");
  CHECK(facts.uses[0].issuance_id == "I-1");
  REQUIRE(facts.booklet_states.size() == 2);
  CHECK(facts.booklet_states[0].state == BookletState::ready);
  CHECK(facts.reused.empty());
  const auto audit = ok(store->audit_log(10));
  CHECK(std::count_if(audit.begin(), audit.end(),
                      [](const AuditRow& a) { return a.action == "stock"; }) == 2);
}
