#include "issuance/record.hpp"

#include <cstdio>
#include <ctime>

namespace certprint::issuance {

namespace {

bool is_leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

std::string format_date(const Date& d, const char* fmt) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, d.year, d.month, d.day);
  return buf;
}

std::string_view sex_text(Holder h) { return h == Holder::male ? "男" : "女"; }

}  // namespace

std::string_view to_string(Kind k) { return k == Kind::marriage ? "marriage" : "divorce"; }

std::string_view to_string(Holder h) { return h == Holder::male ? "male" : "female"; }

bool is_stock_serial(std::string_view s) {
  return s.size() == 10 && s.find_first_not_of("0123456789") == std::string_view::npos;
}

std::string stock_serial_text(long long n) {
  std::string s = std::to_string(n);
  return std::string(s.size() < 10 ? 10 - s.size() : 0, '0') + s;
}

std::string_view to_string(IdType t) {
  switch (t) {
    case IdType::resident_id:
      return "resident_id";
    case IdType::passport:
      return "passport";
    case IdType::hk_macao_permit:
      return "hk_macao_permit";
    case IdType::taiwan_permit:
      return "taiwan_permit";
    case IdType::foreign_permanent_resident:
      return "foreign_permanent_resident";
  }
  return "";
}

std::optional<Holder> holder_from_string(std::string_view s) {
  if (s == "male") return Holder::male;
  if (s == "female") return Holder::female;
  return std::nullopt;
}

std::string_view to_string(PageKind k) { return k == PageKind::info ? "info" : "page5"; }

std::optional<PageKind> page_kind_from_string(std::string_view s) {
  if (s == "info") return PageKind::info;
  if (s == "page5") return PageKind::page5;
  return std::nullopt;
}

std::string Date::iso() const { return format_date(*this, "%04d-%02d-%02d"); }

std::string Date::chinese() const { return format_date(*this, "%04d年%02d月%02d日"); }

std::optional<Date> parse_iso_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  auto number = [&](std::size_t pos, std::size_t len) {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  const Date d{number(0, 4), number(5, 2), number(8, 2)};
  if (d.year < 1 || d.month < 1 || d.month > 12 || d.day < 1) return std::nullopt;
  if (d.day > days_in_month(d.year, d.month)) return std::nullopt;
  return d;
}

std::vector<Holder> Issuance::holders() const {
  std::vector<Holder> out;
  if (male_booklet) out.push_back(Holder::male);
  if (female_booklet) out.push_back(Holder::female);
  return out;
}

std::string FieldError::to_string() const {
  std::string out = field;
  if (!value.empty()) out += " " + value;
  out += ": ";
  out += problem;
  return out;
}

Date today_local() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  return Date{local.tm_year + 1900, local.tm_mon + 1, local.tm_mday};
}

std::map<std::string, std::string> info_page_fields(const Issuance& issuance, Holder holder) {
  std::map<std::string, std::string> fields{
      {"holder", issuance.party(holder).name},
      {"registered_on", issuance.registered_on.chinese()},
      {"certificate_no", issuance.certificate_no},
      {"remarks", issuance.remarks},
  };
  for (Holder h : {Holder::male, Holder::female}) {
    const Party& p = issuance.party(h);
    const std::string prefix = std::string(to_string(h)) + ".";
    fields[prefix + "name"] = p.name;
    fields[prefix + "sex"] = sex_text(p.sex);
    fields[prefix + "nationality"] = p.nationality;
    fields[prefix + "birth_date"] = p.birth_date.chinese();
    fields[prefix + "id_number"] = p.id_number;
  }
  return fields;
}

std::string info_field_source(std::string_view template_field, Holder holder) {
  if (template_field == "holder") return "parties." + std::string(to_string(holder)) + ".name";
  for (Holder h : {Holder::male, Holder::female}) {
    const std::string prefix = std::string(to_string(h)) + ".";
    if (template_field.starts_with(prefix)) return "parties." + std::string(template_field);
  }
  return std::string(template_field);
}

}  // namespace certprint::issuance
