#include <cassert>
#include <nlohmann/json.hpp>

#include "issuance/record.hpp"

namespace certprint::issuance {

namespace {

// Changing anything about the byte layout below must change this label, or
// tokens issued under the old layout would verify against different bytes.
constexpr std::string_view kBookletRecordLabel = "certprint-booklet-v1";

// u16 big-endian length, then the bytes: no field can run into the next, so
// two different records never encode alike.
void append_field(std::string& out, std::string_view field) {
  assert(field.size() <= 0xFFFF);
  out.push_back(static_cast<char>((field.size() >> 8) & 0xFF));
  out.push_back(static_cast<char>(field.size() & 0xFF));
  out.append(field);
}

nlohmann::json party_json(const Party& p) {
  return {
      {"name", p.name},
      {"sex", std::string(to_string(p.sex))},
      {"nationality", p.nationality},
      {"birth_date", p.birth_date.iso()},
      {"id_type", std::string(to_string(p.id_type))},
      {"id_number", p.id_number},
  };
}

}  // namespace

std::string to_canonical_json(const Issuance& issuance) {
  // nlohmann::json keeps object keys in a std::map, so the key order is sorted
  // and independent of how the record was built.
  nlohmann::json booklets = nlohmann::json::object();
  for (Holder h : issuance.holders()) {
    booklets[std::string(to_string(h))] = {{"stock_serial", issuance.booklet(h)->stock_serial}};
  }
  nlohmann::json doc = {
      {"issuance_id", issuance.issuance_id},
      {"kind", std::string(to_string(issuance.kind))},
      {"replacement", issuance.replacement},
      {"certificate_no", issuance.certificate_no},
      {"registered_on", issuance.registered_on.iso()},
      {"office", {{"code", issuance.office_code}, {"name", issuance.office_name}}},
      {"remarks", issuance.remarks},
      {"parties", {{"male", party_json(issuance.male)}, {"female", party_json(issuance.female)}}},
      {"booklets", booklets},
  };
  if (issuance.supersedes) doc["supersedes"] = *issuance.supersedes;
  // A validated record is well-formed UTF-8; `replace` only keeps a record
  // built by hand from making this throw.
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string canonical_booklet_record(const Issuance& issuance, Holder holder) {
  const auto& booklet = issuance.booklet(holder);
  assert(booklet.has_value());
  std::string out(kBookletRecordLabel);
  append_field(out, issuance.certificate_no);
  append_field(out, to_string(issuance.kind));
  append_field(out, to_string(holder));
  append_field(out, booklet ? std::string_view(booklet->stock_serial) : std::string_view());
  append_field(out, issuance.registered_on.iso());
  append_field(out, issuance.office_code);
  for (Holder h : {Holder::male, Holder::female}) {
    const Party& p = issuance.party(h);
    append_field(out, p.name);
    append_field(out, to_string(p.id_type));
    append_field(out, p.id_number);
  }
  return out;
}

}  // namespace certprint::issuance
