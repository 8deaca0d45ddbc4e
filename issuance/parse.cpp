#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "issuance/id_number.hpp"
#include "issuance/json_fields.hpp"
#include "issuance/record.hpp"
#include "issuance/text.hpp"

namespace certprint::issuance {

namespace {

using detail::ErrorSink;
using detail::Fields;
using detail::Json;
using detail::Spaces;

constexpr std::string_view kDocument = "(document)";
// The format nests three levels deep; anything far deeper is not an issuance
// and is cut off before it can cost memory or stack.
constexpr int kMaxDepth = 16;
// QR codes were introduced on this date; older certificates are only ever
// printed anew as replacements.
constexpr Date kQrIntroduced{2020, 5, 1};

constexpr int kMinMarriageAgeMale = 22;
constexpr int kMinMarriageAgeFemale = 20;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool all_digits(std::string_view s) { return std::all_of(s.begin(), s.end(), is_digit); }

bool valid_issuance_id(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.' ||
           c == '_' || c == ':' || c == '-';
  });
}

bool valid_office_code(std::string_view s) {
  return !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](char c) {
    return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-';
  });
}

struct CertificateNo {
  std::string prefix;
  int year = 0;
};

// (J|L|BJ|BL) + area code + "-" + year + "-" + sequence.
std::optional<CertificateNo> parse_certificate_no(std::string_view s) {
  std::size_t prefix_len = !s.empty() && s[0] == 'B' ? 2 : 1;
  if (s.size() != prefix_len + 18) return std::nullopt;
  const std::string_view prefix = s.substr(0, prefix_len);
  if (prefix.back() != 'J' && prefix.back() != 'L') return std::nullopt;
  const std::string_view rest = s.substr(prefix_len);
  const std::string_view area = rest.substr(0, 6);
  const std::string_view year = rest.substr(7, 4);
  if (!all_digits(area) || area[0] < '1' || area[0] > '8' || rest[6] != '-' || !all_digits(year) ||
      rest[11] != '-' || !all_digits(rest.substr(12))) {
    return std::nullopt;
  }
  return CertificateNo{std::string(prefix), std::stoi(std::string(year))};
}

// Full years of age on `on`; someone born on 29 February comes of age on
// 1 March in a common year.
int age_on(const Date& birth, const Date& on) {
  int age = on.year - birth.year;
  if (std::pair(on.month, on.day) < std::pair(birth.month, birth.day)) --age;
  return age;
}

template <class E>
std::optional<E> enum_value(const Fields& f, std::string_view key,
                            std::initializer_list<std::pair<std::string_view, E>> names,
                            std::string_view expected) {
  auto s = f.string(key, expected);
  if (!s) return std::nullopt;
  for (const auto& [name, value] : names) {
    if (*s == name) return value;
  }
  f.fail(key, "expected " + std::string(expected));
  return std::nullopt;
}

// Sex as the registry may write it: "male"/"female", the Chinese "男"/"女",
// or the GB/T 2261.1 codes 1 and 2 (a string or a number).
std::optional<Holder> sex_value(const Fields& f) {
  constexpr std::string_view kExpected =
      "\"male\" or \"female\" (also \"男\"/\"女\" or the GB/T 2261.1 codes 1/2)";
  const Json* v = f.require("sex", kExpected);
  if (v == nullptr) return std::nullopt;
  if (v->is_number_integer()) {
    if (*v == 1) return Holder::male;
    if (*v == 2) return Holder::female;
  } else if (v->is_string()) {
    return enum_value<Holder>(f, "sex",
                              {{"male", Holder::male},
                               {"female", Holder::female},
                               {"男", Holder::male},
                               {"女", Holder::female},
                               {"1", Holder::male},
                               {"2", Holder::female}},
                              kExpected);
  }
  f.fail("sex", "expected " + std::string(kExpected));
  return std::nullopt;
}

class Validator {
 public:
  Validator(const ValidationOptions& opts, ErrorSink& sink, Issuance& out)
      : opts_(opts), sink_(sink), out_(out) {}

  void run(const Json& root);

 private:
  void check_header(const Fields& top);
  void read_certificate_no(const Fields& top);
  void cross_check_certificate_no(const Fields& top);
  void check_party(const Fields& parties, Holder holder);
  void check_booklets(const Fields& top);
  bool in_future(const Fields& f, std::string_view key, const Date& d) const;

  const ValidationOptions& opts_;
  ErrorSink& sink_;
  Issuance& out_;
  // Set only when the field itself is valid, so that cross-checks never
  // pile a second error onto a field that is already wrong.
  std::optional<Kind> kind_;
  std::optional<bool> replacement_;
  std::optional<Date> registered_on_;
  std::optional<CertificateNo> certificate_no_;
};

void Validator::run(const Json& root) {
  if (!root.is_object()) {
    sink_.fail(std::string(kDocument), root, "expected a JSON object (an issuance)");
    return;
  }
  auto top = Fields::of(sink_, std::string(), &root,
                        {"issuance_id", "kind", "replacement", "certificate_no", "registered_on",
                         "office", "remarks", "parties", "booklets", "supersedes"},
                        "a JSON object (an issuance)");
  if (!top) return;
  check_header(*top);
  cross_check_certificate_no(*top);
  if (auto parties = top->object("parties", {"male", "female"},
                                 "an object with the parties male and female")) {
    check_party(*parties, Holder::male);
    check_party(*parties, Holder::female);
  }
  check_booklets(*top);
}

bool Validator::in_future(const Fields& f, std::string_view key, const Date& d) const {
  if (!opts_.today || d <= *opts_.today) return false;
  f.fail(key, "is after today (" + opts_.today->iso() + "); expected a date not in the future");
  return true;
}

void Validator::check_header(const Fields& top) {
  if (auto id = top.string("issuance_id", "1 to 64 characters of A-Z a-z 0-9 . _ : -")) {
    if (valid_issuance_id(*id)) {
      out_.issuance_id = *id;
    } else {
      top.fail("issuance_id", "expected 1 to 64 characters of A-Z a-z 0-9 . _ : -");
    }
  }
  kind_ = enum_value<Kind>(top, "kind", {{"marriage", Kind::marriage}, {"divorce", Kind::divorce}},
                           "\"marriage\" or \"divorce\"");
  if (kind_) out_.kind = *kind_;
  replacement_ = top.boolean("replacement");
  if (replacement_) out_.replacement = *replacement_;
  read_certificate_no(top);

  if (auto reg = top.date("registered_on"); reg && !in_future(top, "registered_on", *reg)) {
    if (replacement_ == false && *reg < kQrIntroduced) {
      top.fail("registered_on", "is before " + kQrIntroduced.iso() +
                                    "; such certificates get no QR code, expected a later date "
                                    "or a replacement (replacement: true)");
    } else {
      registered_on_ = *reg;
      out_.registered_on = *reg;
    }
  }

  if (auto office = top.object("office", {"code", "name"}, "an object with code and name")) {
    if (auto code = office->string("code", "1 to 32 characters of A-Z a-z 0-9 -")) {
      if (valid_office_code(*code)) {
        out_.office_code = *code;
      } else {
        office->fail("code", "expected 1 to 32 characters of A-Z a-z 0-9 -");
      }
    }
    if (auto name = office->text("name", 1, 60, Spaces::trimmed)) out_.office_name = *name;
  }
  if (auto remarks = top.text("remarks", 0, 200, Spaces::allowed)) out_.remarks = *remarks;
  if (top.get("supersedes") != nullptr) {
    if (auto id = top.string("supersedes",
                             "the issuance_id of the certificate this replacement replaces")) {
      if (!valid_issuance_id(*id)) {
        top.fail("supersedes", "expected 1 to 64 characters of A-Z a-z 0-9 . _ : -");
      } else if (replacement_ == false) {
        top.fail("supersedes",
                 "only a replacement (replacement: true) supersedes another issuance");
      } else {
        out_.supersedes = *id;
      }
    }
  }
}

void Validator::read_certificate_no(const Fields& top) {
  constexpr std::string_view kFormat =
      "J, L, BJ or BL, a 6-digit area code starting 1-8, -YYYY-, and a 6-digit sequence, "
      "like J440106-2026-000123";
  auto text = top.string("certificate_no", kFormat);
  if (!text) return;
  certificate_no_ = parse_certificate_no(*text);
  if (!certificate_no_) {
    top.fail("certificate_no", "expected " + std::string(kFormat));
    return;
  }
  out_.certificate_no = *text;
}

void Validator::cross_check_certificate_no(const Fields& top) {
  if (!certificate_no_) return;
  const CertificateNo& number = *certificate_no_;
  if (kind_ && replacement_) {
    const std::string expected =
        std::string(*replacement_ ? "B" : "") + (*kind_ == Kind::marriage ? "J" : "L");
    if (number.prefix != expected) {
      top.fail("certificate_no", "prefix should be " + expected + " for a " +
                                     (*replacement_ ? "replacement " : "") +
                                     std::string(to_string(*kind_)) + " certificate");
    }
  }
  if (!registered_on_ || !replacement_) return;
  const std::string year = std::to_string(number.year);
  if (!*replacement_ && number.year != registered_on_->year) {
    top.fail("certificate_no", "year " + year + " should equal the year of registered_on (" +
                                   registered_on_->iso() + ")");
  } else if (*replacement_ && number.year < registered_on_->year) {
    top.fail("certificate_no", "year " + year +
                                   " should not be before the year of registered_on (" +
                                   registered_on_->iso() + ")");
  } else if (*replacement_ && opts_.today && number.year > opts_.today->year) {
    top.fail("certificate_no", "year " + year + " is after the current year " +
                                   std::to_string(opts_.today->year) +
                                   "; expected the year the replacement is issued");
  }
}

void Validator::check_party(const Fields& parties, Holder holder) {
  const std::string key(to_string(holder));
  auto party =
      parties.object(key, {"name", "sex", "nationality", "birth_date", "id_type", "id_number"},
                     "an object with name, sex, nationality, birth_date, id_type and id_number");
  if (!party) return;
  Party& p = holder == Holder::male ? out_.male : out_.female;

  if (auto name = party->text("name", 1, 60, Spaces::trimmed)) p.name = *name;

  auto sex = sex_value(*party);
  if (sex && *sex != holder) {
    party->fail("sex", "should be \"" + key + "\" to match " + parties.path(key));
    sex.reset();
  }
  if (sex) p.sex = *sex;

  if (auto nationality = party->text("nationality", 1, 40, Spaces::trimmed)) {
    p.nationality = *nationality;
  }

  auto birth = party->date("birth_date");
  if (birth && in_future(*party, "birth_date", *birth)) birth.reset();
  if (birth && registered_on_ && *birth >= *registered_on_) {
    party->fail("birth_date", "should be before registered_on (" + registered_on_->iso() + ")");
    birth.reset();
  }
  if (birth && registered_on_ && kind_ == Kind::marriage) {
    const int min_age = holder == Holder::male ? kMinMarriageAgeMale : kMinMarriageAgeFemale;
    const int age = age_on(*birth, *registered_on_);
    if (age < min_age) {
      party->fail("birth_date", "age " + std::to_string(age) + " on registered_on (" +
                                    registered_on_->iso() + "), expected at least " +
                                    std::to_string(min_age) + " for a " + key +
                                    " party to a marriage");
    }
  }
  if (birth) p.birth_date = *birth;

  auto id_type = enum_value<IdType>(
      *party, "id_type",
      {{"resident_id", IdType::resident_id},
       {"passport", IdType::passport},
       {"hk_macao_permit", IdType::hk_macao_permit},
       {"taiwan_permit", IdType::taiwan_permit},
       {"foreign_permanent_resident", IdType::foreign_permanent_resident}},
      "one of resident_id, passport, hk_macao_permit, taiwan_permit, foreign_permanent_resident");
  if (id_type) p.id_type = *id_type;

  auto id_number = party->string("id_number", "the document number as a string");
  if (!id_number) return;
  p.id_number = *id_number;
  if (!id_type) return;  // its format depends on the type
  for (std::string& problem : id_number_problems(*id_type, *id_number, sex, birth)) {
    party->fail("id_number", std::move(problem));
  }
}

void Validator::check_booklets(const Fields& top) {
  auto booklets =
      top.object("booklets", {"male", "female"}, "an object with the male and/or female booklet");
  if (!booklets) return;
  std::map<Holder, std::string> serials;
  for (Holder holder : {Holder::male, Holder::female}) {
    const std::string key(to_string(holder));
    if (booklets->get(key) == nullptr) {
      if (replacement_ == false) {
        sink_.missing(booklets->path(key),
                      "the " + key + " booklet; a first issuance prints both booklets");
      }
      continue;
    }
    auto booklet =
        booklets->object(key, {"stock_serial"}, "an object with the booklet's stock_serial");
    if (!booklet) continue;
    constexpr std::string_view kSerial = "exactly 10 digits (the serial inside the back cover)";
    auto serial = booklet->string("stock_serial", kSerial);
    if (!serial) continue;
    if (!is_stock_serial(*serial)) {
      booklet->fail("stock_serial", "expected " + std::string(kSerial));
      continue;
    }
    if (holder == Holder::female && serials.count(Holder::male) &&
        serials[Holder::male] == *serial) {
      booklet->fail("stock_serial",
                    "same as booklets.male.stock_serial; expected each booklet's own serial");
    }
    serials[holder] = *serial;
    (holder == Holder::male ? out_.male_booklet : out_.female_booklet) = Booklet{*serial};
  }
  if (replacement_ == true && booklets->get("male") == nullptr &&
      booklets->get("female") == nullptr) {
    top.fail("booklets", "expected the male and/or female booklet being replaced");
  }
}

// Watches the parser's events: refuses duplicate keys (which the parser would
// silently resolve) and cuts off absurd nesting.
struct ParseWatch {
  struct Frame {
    bool object = false;
    std::set<std::string> keys;
    std::string key;
  };
  std::vector<Frame> frames;
  std::vector<std::string> duplicate_paths;
  bool too_deep = false;

  bool on_event(int depth, Json::parse_event_t event, const Json& parsed) {
    const auto level = static_cast<std::size_t>(depth);
    if (event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) {
      if (depth >= kMaxDepth) {
        too_deep = true;
        return false;
      }
      frames.resize(level);
      frames.push_back(Frame{event == Json::parse_event_t::object_start, {}, {}});
    } else if (event == Json::parse_event_t::key && level > 0) {
      frames.resize(level);
      const auto& key = parsed.get_ref<const std::string&>();
      if (!frames.back().keys.insert(key).second) record_duplicate(key);
      frames.back().key = key;
    }
    return true;
  }

  void record_duplicate(const std::string& key) {
    std::string path;
    for (std::size_t i = 0; i + 1 < frames.size(); ++i) {
      if (!frames[i].object) return;  // inside an array: refused for its type anyway
      path += frames[i].key + ".";
    }
    duplicate_paths.push_back(path + key);
  }
};

// Document order: each error sorts at its field's position in the document,
// a missing field right after the rest of the object that lacks it.
void sort_in_document_order(const Json& root, std::vector<FieldError>& errors) {
  std::map<std::string, std::pair<int, int>> span;  // path -> first, last pre-order index
  int counter = 0;
  auto visit = [&](auto& self, const std::string& path, const Json& node) -> void {
    const int first = counter++;
    if (node.is_object()) {
      for (const auto& [key, child] : node.items()) {
        self(self, path.empty() ? key : path + "." + key, child);
      }
    }
    span[path] = {first, counter - 1};
  };
  visit(visit, "", root);
  auto position = [&](std::string path) {
    for (bool exact = true;; exact = false) {
      if (auto it = span.find(path); it != span.end()) {
        return exact ? std::pair(it->second.first, 0) : std::pair(it->second.second, 1);
      }
      if (path.empty()) return std::pair(counter, 2);
      const auto dot = path.rfind('.');
      path = dot == std::string::npos ? std::string() : path.substr(0, dot);
    }
  };
  std::vector<std::pair<std::pair<int, int>, FieldError>> keyed;
  for (auto& e : errors) keyed.emplace_back(position(e.field), std::move(e));
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  errors.clear();
  for (auto& [key, e] : keyed) errors.push_back(std::move(e));
}

// The library's message without its "[json.exception.parse_error.101] " tag.
std::string untagged(const std::exception& e) {
  std::string message = e.what();
  if (auto end = message.find("] "); end != std::string::npos) message.erase(0, end + 2);
  return message;
}

void parse_into(std::string_view document, const ValidationOptions& opts, Parsed& out) {
  ErrorSink sink(out.errors);
  if (document.size() > opts.max_document_bytes) {
    sink.fail_without_value(std::string(kDocument), "is " + std::to_string(document.size()) +
                                                        " bytes, expected at most " +
                                                        std::to_string(opts.max_document_bytes));
    return;
  }
  if (auto bad = text::first_invalid_utf8(document)) {
    sink.fail_without_value(
        std::string(kDocument),
        "has invalid UTF-8 at byte " + std::to_string(*bad) + "; expected UTF-8 text");
    return;
  }
  ParseWatch watch;
  Json root;
  try {
    root = Json::parse(document.begin(), document.end(),
                       [&watch](int depth, Json::parse_event_t event, Json& parsed) {
                         return watch.on_event(depth, event, parsed);
                       });
  } catch (const Json::parse_error& e) {
    sink.fail_without_value(std::string(kDocument), "is not valid JSON: " + untagged(e));
    return;
  } catch (const Json::out_of_range& e) {
    // Well-formed JSON the parser cannot hold: a number beyond a double (1e999).
    sink.fail_without_value(std::string(kDocument), "has a number out of range (" + untagged(e) +
                                                        "); expected an issuance, which has "
                                                        "no numbers");
    return;
  }
  if (watch.too_deep) {
    sink.fail_without_value(std::string(kDocument),
                            "is nested more than " + std::to_string(kMaxDepth) +
                                " levels deep; expected an issuance object");
    return;
  }
  for (const auto& path : watch.duplicate_paths) {
    sink.fail_without_value(path, "appears more than once; expected each field once");
  }
  Validator(opts, sink, out.issuance).run(root);
  sort_in_document_order(root, out.errors);
}

}  // namespace

Parsed parse_issuance(std::string_view json, const ValidationOptions& opts) {
  Parsed out;
  try {
    parse_into(json, opts, out);
  } catch (const std::exception& e) {
    // Out of memory, or a bug: either way the caller gets an answer, not an exception.
    out.errors.push_back(
        FieldError{std::string(kDocument), "", std::string("could not be validated: ") + e.what()});
  }
  return out;
}

Result<Issuance> load_issuance_file(const std::filesystem::path& path,
                                    const ValidationOptions& opts) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"issuance file " + path.string() + ": cannot be opened"};
  // Read one byte past the limit: enough to refuse an oversized file without
  // reading all of it.
  std::string document(opts.max_document_bytes + 1, '\0');
  in.read(document.data(), static_cast<std::streamsize>(document.size()));
  if (in.bad()) return Error{"issuance file " + path.string() + ": read failed"};
  document.resize(static_cast<std::size_t>(in.gcount()));
  if (document.size() > opts.max_document_bytes) {
    return Error{"issuance file " + path.string() + ": larger than " +
                 std::to_string(opts.max_document_bytes) + " bytes"};
  }

  Parsed parsed = parse_issuance(document, opts);
  if (parsed.ok()) return std::move(parsed.issuance);
  std::string message = "issuance file " + path.string() + ": " +
                        std::to_string(parsed.errors.size()) + " problem" +
                        (parsed.errors.size() == 1 ? "" : "s");
  for (const auto& e : parsed.errors) message += "\n  " + e.to_string();
  return Error{message};
}

}  // namespace certprint::issuance
