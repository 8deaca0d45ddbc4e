#include <cassert>
#include <nlohmann/json.hpp>
#include <stdexcept>

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

template <class E>
E enum_from(const nlohmann::json& j, std::initializer_list<E> values, const char* what) {
  const std::string text = j.get<std::string>();
  for (E v : values)
    if (to_string(v) == text) return v;
  throw std::invalid_argument(std::string(what) + " \"" + text + "\" is not known");
}

Date date_from(const nlohmann::json& j) {
  auto d = parse_iso_date(j.get<std::string>());
  if (!d) throw std::invalid_argument("date \"" + j.get<std::string>() + "\" is not a date");
  return *d;
}

Party party_from(const nlohmann::json& j) {
  Party p;
  p.name = j.at("name").get<std::string>();
  p.sex = enum_from(j.at("sex"), {Holder::male, Holder::female}, "sex");
  p.nationality = j.at("nationality").get<std::string>();
  p.birth_date = date_from(j.at("birth_date"));
  p.id_type = enum_from(j.at("id_type"),
                        {IdType::resident_id, IdType::passport, IdType::hk_macao_permit,
                         IdType::taiwan_permit, IdType::foreign_permanent_resident},
                        "id_type");
  p.id_number = j.at("id_number").get<std::string>();
  return p;
}

Issuance issuance_from(const nlohmann::json& doc) {
  Issuance r;
  r.issuance_id = doc.at("issuance_id").get<std::string>();
  r.kind = enum_from(doc.at("kind"), {Kind::marriage, Kind::divorce}, "kind");
  r.replacement = doc.at("replacement").get<bool>();
  r.certificate_no = doc.at("certificate_no").get<std::string>();
  r.registered_on = date_from(doc.at("registered_on"));
  r.office_code = doc.at("office").at("code").get<std::string>();
  r.office_name = doc.at("office").at("name").get<std::string>();
  r.remarks = doc.at("remarks").get<std::string>();
  if (doc.contains("supersedes")) r.supersedes = doc.at("supersedes").get<std::string>();
  r.male = party_from(doc.at("parties").at("male"));
  r.female = party_from(doc.at("parties").at("female"));
  const auto& booklets = doc.at("booklets");
  if (booklets.contains("male"))
    r.male_booklet = Booklet{booklets.at("male").at("stock_serial").get<std::string>()};
  if (booklets.contains("female"))
    r.female_booklet = Booklet{booklets.at("female").at("stock_serial").get<std::string>()};
  return r;
}

}  // namespace

Result<Issuance> from_canonical_json(std::string_view document) {
  // nlohmann reports a missing or mistyped field by throwing; it stops here.
  try {
    return issuance_from(nlohmann::json::parse(document));
  } catch (const std::exception& e) {
    return Error{std::string("stored issuance document: ") + e.what()};
  }
}

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
