// libFuzzer target: arbitrary bytes as an issuance document submitted by the
// registry. parse_issuance must answer every input without crashing, leaking
// or undefined behaviour, and
//   - every refusal states a problem, and none comes from parse_issuance's
//     last-resort exception handler;
//   - for a record it accepts, from_canonical_json(to_canonical_json(r))
//     reads back and writes the same canonical bytes again (what the store
//     keeps is what it returns), the canonical form is itself an accepted
//     submission of the same record, and info_page_fields works for each
//     holder with a booklet.
// A broken property aborts with a message (libFuzzer keeps the input).
//   clang++ -fsanitize=fuzzer,address,undefined ... (see scripts/fuzz-smoke.sh)
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "issuance/record.hpp"

namespace {

using namespace certprint::issuance;

[[noreturn]] void broken(const char* property, const std::string& detail) {
  std::fprintf(stderr, "intake_fuzz: %s\n%s\n", property, detail.c_str());
  std::abort();
}

ValidationOptions fixed_options() {
  ValidationOptions o;
  o.today = Date{2026, 11, 28};  // the samples' "today" (tests/issuance/fixtures.hpp)
  return o;
}

void check_accepted(const Issuance& record, const ValidationOptions& opts) {
  const std::string canonical = to_canonical_json(record);
  const auto back = from_canonical_json(canonical);
  if (!back.ok()) {
    broken("canonical form does not read back", back.error().message + "\n" + canonical);
  }
  const std::string again = to_canonical_json(*back);
  if (again != canonical) {
    broken("canonical round trip changed the bytes", canonical + "\n" + again);
  }

  const Parsed reparsed = parse_issuance(canonical, opts);
  if (!reparsed.ok()) {
    broken("canonical form of an accepted record is refused",
           reparsed.errors.front().to_string() + "\n" + canonical);
  }
  if (to_canonical_json(reparsed.issuance) != canonical) {
    broken("canonical form parses to a different record", canonical);
  }

  if (record.holders().empty()) broken("accepted record has no booklet", canonical);
  for (Holder h : record.holders()) {
    const auto fields = info_page_fields(record, h);
    if (fields.at("holder") != record.party(h).name) broken("info page holder is wrong", canonical);
    if (fields.at("certificate_no") != record.certificate_no) {
      broken("info page certificate_no is wrong", canonical);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ValidationOptions opts = fixed_options();
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  const Parsed parsed = parse_issuance(json, opts);
  if (parsed.ok()) {
    check_accepted(parsed.issuance, opts);
    return 0;
  }
  for (const FieldError& e : parsed.errors) {
    if (e.problem.empty()) broken("refusal without a problem", e.field);
    // parse_issuance's last-resort catch: an exception escaped the checks (an
    // out_of_range from a library call, say), which is a bug, not an answer.
    if (e.problem.rfind("could not be validated", 0) == 0) {
      broken("exception escaped", e.to_string());
    }
  }
  return 0;
}
