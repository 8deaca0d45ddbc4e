#include "issuance/id_number.hpp"

#include <algorithm>
#include <cassert>

namespace certprint::issuance {

namespace {

bool all_of(std::string_view s, bool (*pred)(char)) {
  return std::all_of(s.begin(), s.end(), pred);
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_upper_or_digit(char c) { return is_upper(c) || is_digit(c); }

// Shared by the resident ID and the 2023 foreign permanent resident ID, which
// use the same 17 digits + MOD 11-2 check character layout.
std::optional<std::string> check_character_problem(std::string_view id) {
  const char expected = resident_id_check_char(id.substr(0, 17));
  if (id[17] == expected) return std::nullopt;
  std::string problem = std::string("check character should be ") + expected;
  if (id[17] == 'x' && expected == 'X') problem += " (upper case)";
  return problem;
}

std::vector<std::string> resident_id_problems(std::string_view id, std::optional<Holder> sex,
                                              std::optional<Date> birth_date) {
  if (id.size() != 18 || !all_of(id.substr(0, 17), is_digit)) {
    return {"expected 18 characters: 17 digits and a check character (0-9 or X)"};
  }
  std::vector<std::string> problems;
  if (id[0] == '0' || id[0] == '9') {
    problems.push_back("first digit should be 1-8 (a region code)");
  }
  if (auto p = check_character_problem(id)) problems.push_back(*p);

  const std::string_view digits = id.substr(6, 8);
  const std::string iso = std::string(digits.substr(0, 4)) + "-" +
                          std::string(digits.substr(4, 2)) + "-" + std::string(digits.substr(6, 2));
  const auto encoded = parse_iso_date(iso);
  if (!encoded) {
    problems.push_back("birth date digits " + std::string(digits) + " are not a real date");
  } else if (birth_date && *encoded != *birth_date) {
    problems.push_back("birth date digits " + std::string(digits) + " should equal birth_date " +
                       birth_date->iso());
  }

  // GB 11643: the last digit of the sequence code is odd for men, even for women.
  const int sequence_digit = id[16] - '0';
  const Holder encoded_sex = sequence_digit % 2 == 1 ? Holder::male : Holder::female;
  if (sex && encoded_sex != *sex) {
    problems.push_back("17th digit " + std::string(1, id[16]) + " is " +
                       (encoded_sex == Holder::male ? "odd (male)" : "even (female)") +
                       ", expected " + (*sex == Holder::male ? "odd" : "even") + " for sex " +
                       std::string(to_string(*sex)));
  }
  return problems;
}

std::vector<std::string> foreign_permanent_resident_problems(std::string_view id) {
  if (id.size() == 15 && all_of(id.substr(0, 3), is_upper) && all_of(id.substr(3), is_digit)) {
    return {};
  }
  if (id.size() == 18 && id[0] == '9' && all_of(id.substr(0, 17), is_digit)) {
    if (auto p = check_character_problem(id)) return {*p};
    return {};
  }
  return {
      "expected 15 characters (3 capital letters and 12 digits) or 18 characters "
      "(9, 16 digits and a check character)"};
}

}  // namespace

char resident_id_check_char(std::string_view first17) {
  assert(first17.size() == 17);
  // ISO 7064 MOD 11-2: weight of position i (0-based from the left) is 2^(17-i) mod 11.
  int sum = 0;
  int weight = 1;
  for (std::size_t i = first17.size(); i-- > 0;) {
    weight = weight * 2 % 11;
    sum += (first17[i] - '0') * weight;
  }
  const int check = (12 - sum % 11) % 11;
  return check == 10 ? 'X' : static_cast<char>('0' + check);
}

std::vector<std::string> id_number_problems(IdType type, std::string_view id,
                                            std::optional<Holder> sex,
                                            std::optional<Date> birth_date) {
  switch (type) {
    case IdType::resident_id:
      return resident_id_problems(id, sex, birth_date);
    case IdType::passport:
      if (id.size() >= 5 && id.size() <= 17 && all_of(id, is_upper_or_digit)) return {};
      return {"expected 5 to 17 capital letters or digits"};
    case IdType::hk_macao_permit:
      if ((id.size() == 9 || id.size() == 11) && (id[0] == 'H' || id[0] == 'M') &&
          all_of(id.substr(1), is_digit)) {
        return {};
      }
      return {"expected H or M followed by 8 or 10 digits"};
    case IdType::taiwan_permit:
      if ((id.size() == 8 || id.size() == 10) && all_of(id, is_digit)) return {};
      return {"expected 8 or 10 digits"};
    case IdType::foreign_permanent_resident:
      return foreign_permanent_resident_problems(id);
  }
  return {"unknown document type"};
}

}  // namespace certprint::issuance
