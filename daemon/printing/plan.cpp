#include "daemon/printing/plan.hpp"

#include "common/hex.hpp"

namespace certprint::printing {

std::string PageStep::describe() const {
  if (!label.empty()) return label;
  return "issuance " + issuance_id + " " + std::string(issuance::to_string(holder)) +
         (kind == issuance::PageKind::info ? " info page" : " page 5");
}

Result<std::string> opaque_job_name(const RandomSource& random) {
  std::uint8_t bytes[10];
  if (auto s = random(bytes); !s) return s.error();
  return "cp-" + to_hex(bytes);
}

Result<std::vector<PageStep>> plan_pages(const std::vector<issuance::Issuance>& issuances,
                                         PrintMode mode, const RandomSource& random) {
  std::vector<PageStep> steps;
  for (const auto& rec : issuances) {
    std::vector<issuance::Holder> holders;
    if (mode == PrintMode::one_click) {
      holders = rec.holders();
    } else {
      const auto h =
          mode == PrintMode::male_only ? issuance::Holder::male : issuance::Holder::female;
      if (!rec.booklet(h))
        return Error{"issuance " + rec.issuance_id + " carries no " +
                     std::string(issuance::to_string(h)) + " booklet"};
      holders = {h};
    }
    for (auto h : holders)
      for (auto kind : {issuance::PageKind::info, issuance::PageKind::page5}) {
        auto name = opaque_job_name(random);
        if (!name) return name.error();
        steps.push_back({rec.issuance_id, h, kind, std::move(*name), 0, false, {}});
      }
  }
  return steps;
}

}  // namespace certprint::printing
