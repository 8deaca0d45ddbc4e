// The issuance record: one registration's printing work, as the registry
// system submits it (JSON), validated field by field.
//
// Field names of the JSON document (see docs/issuance-format.md):
//   issuance_id, kind (marriage|divorce), replacement (bool), certificate_no,
//   registered_on (YYYY-MM-DD), office {code, name}, remarks,
//   parties {male, female: name, sex, nationality, birth_date, id_type, id_number},
//   booklets {male and/or female: stock_serial}, supersedes (optional, replacements)
// Unknown fields are refused. Nothing in this library logs or prints personal
// data; error messages echo only the value the caller sent for that field.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace certprint::issuance {

enum class Kind { marriage, divorce };
enum class Holder { male, female };
enum class IdType {
  resident_id,
  passport,
  hk_macao_permit,
  taiwan_permit,
  foreign_permanent_resident
};

std::string_view to_string(Kind k);    // "marriage" | "divorce"
std::string_view to_string(Holder h);  // "male" | "female"
std::string_view to_string(IdType t);  // "resident_id" | ...
std::optional<Holder> holder_from_string(std::string_view s);

// The two pages of a booklet that certprint prints: the personal-information
// page and page 5, the only page that may carry the QR.
enum class PageKind { info, page5 };
std::string_view to_string(PageKind k);  // "info" | "page5"
std::optional<PageKind> page_kind_from_string(std::string_view s);

struct Date {
  int year = 0;
  int month = 0;  // 1..12
  int day = 0;    // 1..31
  auto operator<=>(const Date&) const = default;
  std::string iso() const;      // "2026-05-12"
  std::string chinese() const;  // "2026年05月12日"
};
// Parses "YYYY-MM-DD" and checks the day exists (leap years included).
std::optional<Date> parse_iso_date(std::string_view s);

struct Party {
  std::string name;  // UTF-8, 1..60 code points, no control characters
  Holder sex = Holder::male;
  std::string nationality;  // UTF-8, e.g. "中国"
  Date birth_date;
  IdType id_type = IdType::resident_id;
  std::string id_number;  // upper case as submitted
};

struct Booklet {
  std::string stock_serial;  // exactly 10 digits
};

// A stock serial's form: exactly 10 digits. Serials of one form compare as
// text the way they compare as numbers; stock_serial_text(n) is serial n.
bool is_stock_serial(std::string_view s);
std::string stock_serial_text(long long n);

struct Issuance {
  std::string issuance_id;  // [A-Za-z0-9._:-]{1,64}
  Kind kind = Kind::marriage;
  bool replacement = false;    // 补领
  std::string certificate_no;  // e.g. "J440106-2026-000123"
  Date registered_on;
  std::string office_code;
  std::string office_name;
  std::string remarks;  // may be empty
  // A replacement (补领) may name the issuance whose lost or damaged booklet
  // it replaces ("supersedes": issuance_id); that booklet's QR then verifies
  // as superseded.
  std::optional<std::string> supersedes;
  Party male;
  Party female;
  std::optional<Booklet> male_booklet;
  std::optional<Booklet> female_booklet;

  const Party& party(Holder h) const { return h == Holder::male ? male : female; }
  const std::optional<Booklet>& booklet(Holder h) const {
    return h == Holder::male ? male_booklet : female_booklet;
  }
  // The holders whose booklets this issuance carries, male first.
  std::vector<Holder> holders() const;
};

// One problem with one field. `field` is the JSON path ("parties.male.id_number"),
// or "(document)" for the document as a whole (size, encoding, JSON syntax);
// `value` what the caller sent there (as JSON text, cut to 120 characters, or
// empty when absent).
struct FieldError {
  std::string field;
  std::string value;
  std::string problem;
  // `parties.male.id_number "44010619900101123Y": check character should be X`,
  // or `office.code: missing, expected ...` when value is empty.
  std::string to_string() const;
};

struct ValidationOptions {
  // Dates after this are refused (a seam for tests). Empty: no rule that
  // depends on the day is applied.
  std::optional<Date> today;
  std::size_t max_document_bytes = 64 * 1024;
};
// Today's date in the local time zone.
Date today_local();

struct Parsed {
  Issuance issuance;  // meaningful only when errors is empty
  // Every problem found, in document order; a missing field sorts after the
  // rest of the object that lacks it.
  std::vector<FieldError> errors;
  bool ok() const { return errors.empty(); }
};

// Parses and validates an issuance JSON document. Never throws.
Parsed parse_issuance(std::string_view json, const ValidationOptions& opts);

// Reads and parses a file; the error names the file and lists every problem.
Result<Issuance> load_issuance_file(const std::filesystem::path& path,
                                    const ValidationOptions& opts);

// The canonical JSON form of a valid issuance (stable key order, no
// insignificant whitespace); equal records give equal bytes.
std::string to_canonical_json(const Issuance& issuance);

// Reads back a canonical form this program wrote: the fields as they were
// stored, without judging them again by today's rules (the record was valid
// when it was accepted, and its tokens cover it as it was). Fails only on a
// document that is not such a form.
Result<Issuance> from_canonical_json(std::string_view document);

// The canonical byte string of one booklet's record that the QR token's MAC
// covers: certificate number, kind, holder, stock serial, registration date,
// office code, both parties' names and ID numbers. Length-prefixed fields
// behind a domain-separation label, so no two records encode alike.
// REQUIRES: issuance.booklet(holder) has a value.
std::string canonical_booklet_record(const Issuance& issuance, Holder holder);

// The texts printed on one holder's info page, keyed by template field name:
// holder, registered_on (2026年05月12日), certificate_no, remarks,
// male.name, male.sex (男/女), male.nationality, male.birth_date, male.id_number,
// and the same for female.
std::map<std::string, std::string> info_page_fields(const Issuance& issuance, Holder holder);

// Where an info-page field's text comes from in the issuance document, for
// errors: "holder" on the male booklet -> "parties.male.name";
// "female.birth_date" -> "parties.female.birth_date"; "remarks" -> "remarks".
std::string info_field_source(std::string_view template_field, Holder holder);

// GB 11643 / ISO 7064 MOD 11-2 check character for the first 17 digits of a
// resident ID number ('0'..'9' or 'X'). REQUIRES: 17 ASCII digits.
char resident_id_check_char(std::string_view first17);

}  // namespace certprint::issuance
